// The emulator registry for the CLI (sandbox, emulator) and the tests: one line per vendor, by vendor name.
import type { Emulator } from '../src/emulators/emulator';
import { createSecMasterEmulator, type SecMasterEmulatorOptions } from './huawei-secmaster/emulator';
import { createIbmBpmEmulator, type IbmBpmEmulatorOptions } from './ibm-bpm/emulator';
import { createK2Emulator, type K2EmulatorOptions } from './k2/emulator';
import { createOracleBpmEmulator, type OracleEmulatorOptions } from './oracle-bpm/emulator';

export const EMULATORS: Record<string, (options?: Record<string, unknown>) => Emulator> = {
  'huawei-secmaster': createSecMasterEmulator,
  'ibm-bpm': createIbmBpmEmulator,
  k2: createK2Emulator,
  'oracle-bpm': createOracleBpmEmulator,
};

/** An emulator's options that a command line can give (all but functions), each set to true. */
type CommandLineOptions<T> = { [K in keyof Required<T> as Required<T>[K] extends (...args: never[]) => unknown ? never : K]: true };

/** The `--option` keys each vendor's emulator takes (`satisfies`: tsc fails when an emulator's options change). */
export const EMULATOR_OPTIONS: Record<string, Record<string, true>> = {
  'huawei-secmaster': { token: true, projectId: true, workspaceId: true, tasks: true, iam: true, offsetUnit: true, unknownTask: true, aksk: true } satisfies CommandLineOptions<SecMasterEmulatorOptions>,
  'ibm-bpm': { username: true, password: true, csrf: true, csrfLifetimeSeconds: true, tasks: true } satisfies CommandLineOptions<IbmBpmEmulatorOptions>,
  k2: { username: true, password: true, items: true, updateTaskId: true } satisfies CommandLineOptions<K2EmulatorOptions>,
  'oracle-bpm': {
    shape: true, identitiesField: true, a2aTaskNumber: true, username: true, password: true, token: true, tokenUser: true, timeZone: true, tasks: true,
  } satisfies CommandLineOptions<OracleEmulatorOptions>,
};
