// The `taskgate` command: serve (gateway alone), sandbox (emulators plus gateway), emulator (one vendor), mcp (stdio).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EMULATORS } from '../adapters/emulators';
import { ConfigError, loadConfigFile, type GatewayConfig } from './config/load';
import { listen, type RunningEmulator } from './emulators/emulator';
import { serveStdio } from './mcp/stdio';
import { drainOnSigterm, startGateway } from './server';

const USAGE = `usage:
  taskgate serve --config <file>          the gateway alone (or TASKGATE_CONFIG=<file>)
  taskgate sandbox [--port N]             the four vendor emulators plus the gateway (config/sandbox.yaml)
  taskgate emulator <vendor> --port N [--option key=value ...]
                                          one vendor emulator: ${Object.keys(EMULATORS).join(', ')}
                                          (e.g. --option shape=classic for oracle-bpm, --option csrf=true for ibm-bpm)
  taskgate mcp --config <file> --key-name <name>
                                          the MCP tools over stdio for a local AI agent, as that configured API key`;

function fail(message: string): never {
  process.stderr.write(`taskgate: ${message}\n`);
  process.exit(2);
}

function port(value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!/^\d{1,5}$/.test(value) || +value > 65535) fail(`--port must be 0-65535, got '${value}'`);
  return +value;
}

function load(file: string): GatewayConfig {
  try {
    return loadConfigFile(file);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' } } });
  const file = values.config ?? process.env.TASKGATE_CONFIG;
  if (!file) fail(`serve needs --config <file> or TASKGATE_CONFIG\n${USAGE}`);
  const config = load(file);
  const running = await startGateway(config);
  running.logger.info('taskgate listening', { url: running.url, backends: Object.keys(config.backends) });
  drainOnSigterm(running, config.server.drainMs);
}

/** Each emulated backend of the sandbox config is served on the port of its own baseUrl. */
async function sandbox(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' }, config: { type: 'string' } } });
  const config = load(values.config ?? path.join(__dirname, '../../config/sandbox.yaml'));
  config.server.port = port(values.port, config.server.port)!;
  const emulators: RunningEmulator[] = [];
  for (const backend of Object.values(config.backends)) {
    const create = EMULATORS[backend.vendor];
    if (!create) continue;
    const url = new URL(backend.baseUrl);
    emulators.push(await listen(create(), Number(url.port), url.hostname));
  }
  const running = await startGateway(config);
  running.logger.info('taskgate sandbox listening', {
    url: running.url,
    emulators: emulators.map((e) => e.url),
    backends: Object.keys(config.backends),
  });
  drainOnSigterm(running, config.server.drainMs, async () => {
    await Promise.all(emulators.map((e) => e.close()));
  });
}

async function emulator(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { port: { type: 'string' }, host: { type: 'string' }, option: { type: 'string', multiple: true } },
  });
  const vendor = positionals[0];
  const create = vendor ? EMULATORS[vendor] : undefined;
  if (!create) fail(`unknown vendor '${vendor ?? ''}'\n${USAGE}`);
  const running = await listen(create(emulatorOptions(values.option ?? [])), port(values.port, 0), values.host ?? '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ level: 'info', message: 'emulator listening', vendor, url: running.url })}\n`);
  const stop = () => void running.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** `--option key=value` pairs; a value that parses as JSON (true, 5, {...}) is taken as such, else as text. */
function emulatorOptions(pairs: string[]): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) fail(`--option takes key=value, got '${pair}'`);
    const raw = pair.slice(at + 1);
    try {
      options[pair.slice(0, at)] = JSON.parse(raw);
    } catch {
      options[pair.slice(0, at)] = raw;
    }
  }
  return options;
}

/**
 * `taskgate mcp`: the MCP tools over stdio as one configured key (docs/mcp.md). stdout is the protocol's alone:
 * logs go to stderr, and a startup failure is a line on stderr with exit status 2 as for every command.
 */
async function mcp(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, 'key-name': { type: 'string' } } });
  const file = values.config ?? process.env.TASKGATE_CONFIG;
  if (!file || !values['key-name']) fail(`mcp needs --config <file> (or TASKGATE_CONFIG) and --key-name <name>\n${USAGE}`);
  const running = await serveStdio({ config: load(file), keyName: values['key-name'] });
  const stop = () => void running.close();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await running.closed;
  process.exit(0);
}

export function main(argv: string[]): void {
  const [command, ...rest] = argv;
  const run = { serve, sandbox, emulator, mcp }[command as 'serve'];
  if (!run) fail(USAGE);
  run(rest).catch((error: unknown) => {
    if (error instanceof ConfigError) fail(error.message);
    const e = error as NodeJS.ErrnoException;
    fail(e.code === 'EADDRINUSE' ? `address in use: ${e.message}` : String(e?.stack ?? e));
  });
}
