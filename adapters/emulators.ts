// The emulator registry for the CLI (sandbox, emulator) and the tests: one line per vendor, by vendor name.
import type { Emulator } from '../src/emulators/emulator';
import { createSecMasterEmulator } from './huawei-secmaster/emulator';
import { createIbmBpmEmulator } from './ibm-bpm/emulator';
import { createK2Emulator } from './k2/emulator';
import { createOracleBpmEmulator } from './oracle-bpm/emulator';

export const EMULATORS: Record<string, (options?: Record<string, unknown>) => Emulator> = {
  'huawei-secmaster': createSecMasterEmulator,
  'ibm-bpm': createIbmBpmEmulator,
  k2: createK2Emulator,
  'oracle-bpm': createOracleBpmEmulator,
};
