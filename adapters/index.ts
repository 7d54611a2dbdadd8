// The adapter registry: one line per vendor, with its emulator.
import type { AnyAdapter } from '../src/core/adapter';
import type { Emulator } from '../src/emulators/emulator';
import { huaweiSecMaster } from './huawei-secmaster';
import { createSecMasterEmulator } from './huawei-secmaster/emulator';
import { oracleBpm } from './oracle-bpm';
import { createOracleBpmEmulator } from './oracle-bpm/emulator';

export const ADAPTERS: Record<string, AnyAdapter> = {
  [huaweiSecMaster.vendor]: huaweiSecMaster,
  [oracleBpm.vendor]: oracleBpm,
};

export const EMULATORS: Record<string, (options?: Record<string, unknown>) => Emulator> = {
  [huaweiSecMaster.vendor]: createSecMasterEmulator,
  [oracleBpm.vendor]: createOracleBpmEmulator,
};
