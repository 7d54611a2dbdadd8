// The adapter registry: one line per vendor, with its emulator.
import type { AnyAdapter } from '../src/core/adapter';
import type { Emulator } from '../src/emulators/emulator';
import { huaweiSecMaster } from './huawei-secmaster';
import { createSecMasterEmulator } from './huawei-secmaster/emulator';
import { ibmBpm } from './ibm-bpm';
import { createIbmBpmEmulator } from './ibm-bpm/emulator';
import { k2 } from './k2';
import { createK2Emulator } from './k2/emulator';
import { oracleBpm } from './oracle-bpm';
import { createOracleBpmEmulator } from './oracle-bpm/emulator';

export const ADAPTERS: Record<string, AnyAdapter> = {
  [huaweiSecMaster.vendor]: huaweiSecMaster,
  [ibmBpm.vendor]: ibmBpm,
  [k2.vendor]: k2,
  [oracleBpm.vendor]: oracleBpm,
};

export const EMULATORS: Record<string, (options?: Record<string, unknown>) => Emulator> = {
  [huaweiSecMaster.vendor]: createSecMasterEmulator,
  [ibmBpm.vendor]: createIbmBpmEmulator,
  [k2.vendor]: createK2Emulator,
  [oracleBpm.vendor]: createOracleBpmEmulator,
};
