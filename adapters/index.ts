// The adapter registry: one line per vendor. Emulators live in ./emulators.ts so the gateway never loads them.
import type { AnyAdapter } from '../src/core/adapter';
import { huaweiSecMaster } from './huawei-secmaster';
import { ibmBpm } from './ibm-bpm';
import { k2 } from './k2';
import { oracleBpm } from './oracle-bpm';

export const ADAPTERS: Record<string, AnyAdapter> = {
  [huaweiSecMaster.vendor]: huaweiSecMaster,
  [ibmBpm.vendor]: ibmBpm,
  [k2.vendor]: k2,
  [oracleBpm.vendor]: oracleBpm,
};
