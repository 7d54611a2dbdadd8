// The `taskgate` command: serve (gateway alone), sandbox (emulators plus gateway), emulator (one vendor), mcp (stdio).
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EMULATOR_OPTIONS, EMULATORS } from '../adapters/emulators';
import { ConfigError, loadConfigFile, type GatewayConfig } from './config/load';
import { listen, type RunningEmulator } from './emulators/emulator';
import { loopbackWebhooks, startReceiver, type RunningReceiver } from './events/sandbox-receiver';
import { launcherNodeFlags } from './launch';
import { createLogger } from './log';
import { drainOnSigterm, startGateway } from './server';

const optionNames = (vendor: string) => Object.keys(EMULATOR_OPTIONS[vendor] ?? {});

function usage(): string {
  const flags = launcherNodeFlags();
  const inEnv = flags.filter((flag) => process.allowedNodeEnvironmentFlags.has(flag.split('=')[0]!));
  return `usage: taskgate <command> [options]

commands:
  serve --config <file>      the gateway alone
  sandbox [--port N]         the vendor emulators plus the gateway, as \`npm start\` does
  emulator <vendor> [...]    one vendor emulator: ${Object.keys(EMULATORS).join(', ')}
  mcp --config <file> --key-name <name>
                             the MCP tools over stdio for a local AI agent, as that configured key

\`taskgate <command> --help\` describes a command.

A startup failure is one line on stderr, naming the config key at fault, and exit status 2.

Node flags: \`npm start\` runs node with ${flags.join(' ')}
(less memory under load: docs/performance.md). Elsewhere, pass them to node:
  node ${flags.join(' ')} bin/taskgate.js serve --config <file>
or set NODE_OPTIONS=${inEnv.join(' ')} (node takes only ${inEnv.length === 1 ? 'that one' : 'those'} from NODE_OPTIONS).
`;
}

const COMMANDS = {
  serve: {
    usage: `usage: taskgate serve --config <file>

The gateway alone, configured by <file> (YAML or JSON).
  --config <file>   the config file; TASKGATE_CONFIG=<file> works too
  -h, --help        this help
`,
    options: { config: { type: 'string' } },
    positionals: 0,
    run: serve,
  },
  sandbox: {
    usage: `usage: taskgate sandbox [--port N] [--config <file>]

The vendor emulators plus the gateway, each emulator on the port of its backend's baseUrl. Everything
starts clean: the emulators' tasks and the sandbox's store are in memory, so a restart starts over.
  --port N          the gateway's port (default: server.port of the config, 8080)
  --config <file>   another sandbox config (default: config/sandbox.yaml)
  -h, --help        this help
`,
    options: { port: { type: 'string' }, config: { type: 'string' } },
    positionals: 0,
    run: sandbox,
  },
  emulator: {
    usage: `usage: taskgate emulator <vendor> [--port N] [--host H] [--option key=value ...]

One vendor emulator, with the sandbox's credentials and seed tasks unless options say otherwise.
  <vendor>              ${Object.keys(EMULATORS).join(', ')}
  --port N              the port (default: any free one; the log line says which)
  --host H              the address (default 127.0.0.1)
  --option key=value    an emulator option; a value that parses as JSON is taken as such. Options:
${Object.keys(EMULATORS).map((vendor) => `                          ${vendor}: ${optionNames(vendor).join(', ')}`).join('\n')}
                        e.g. --option shape=classic (oracle-bpm), --option csrf=true (ibm-bpm)
  -h, --help            this help
`,
    options: { port: { type: 'string' }, host: { type: 'string' }, option: { type: 'string', multiple: true } },
    positionals: 1,
    run: emulator,
  },
  mcp: {
    usage: `usage: taskgate mcp --config <file> --key-name <name>

The MCP tools (docs/mcp.md) over stdio for a local AI agent, acting as the configured API key <name>:
its backends, its rate limit, its name in the audit trail. stdout carries protocol messages only; logs
go to stderr. Ends when the client closes stdin.
  --config <file>     the config file; TASKGATE_CONFIG=<file> works too
  --key-name <name>   the \`name\` of one of auth.apiKeys
  -h, --help          this help
`,
    options: { config: { type: 'string' }, 'key-name': { type: 'string' } },
    positionals: 0,
    run: mcp,
  },
} satisfies Record<string, { usage: string; options: ParseArgsConfig['options']; positionals: number; run: (values: any, positionals: string[]) => Promise<void> }>;

type Command = keyof typeof COMMANDS;

/** Every failure before the process serves: one line on stderr, exit status 2. */
function fail(message: string): never {
  const line = message.split('\n').map((part) => part.trim()).filter((part) => /\w/.test(part)).join('; ');
  process.stderr.write(`taskgate: ${line}\n`);
  process.exit(2);
}

function port(value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!/^\d{1,5}$/.test(value) || +value > 65535) fail(`--port must be 0-65535, got '${value}'`);
  return +value;
}

async function serve(values: { config?: string }): Promise<void> {
  const file = values.config ?? process.env.TASKGATE_CONFIG;
  if (!file) fail('serve needs --config <file> or TASKGATE_CONFIG (taskgate serve --help)');
  const config = loadConfigFile(file);
  const running = await startGateway(config).catch((error: unknown) => {
    throw listenError(error, 'server.port', 'server.host');
  });
  running.logger.info('taskgate listening', { url: running.url, backends: Object.keys(config.backends) });
  drainOnSigterm(running, config.server.drainMs);
}

/** Each emulated backend of the sandbox config is served on the port of its own baseUrl. */
async function sandbox(values: { port?: string; config?: string }): Promise<void> {
  const config = loadConfigFile(values.config ?? path.join(__dirname, '../../config/sandbox.yaml'));
  config.server.port = port(values.port, config.server.port)!;
  const emulators: RunningEmulator[] = [];
  const receivers: RunningReceiver[] = [];
  const stopEmulators = () => Promise.all([...emulators, ...receivers].map((e) => e.close()));
  try {
    for (const [name, backend] of Object.entries(config.backends)) {
      const create = EMULATORS[backend.vendor];
      if (!create) continue;
      const url = new URL(backend.baseUrl);
      emulators.push(await listen(create(), Number(url.port), url.hostname).catch((error: unknown) => {
        throw listenError(error, `backends.${name}.baseUrl`, `backends.${name}.baseUrl`);
      }));
    }
  } catch (error) {
    await stopEmulators();
    throw error;
  }
  // Each loopback webhook gets a receiver that logs what arrives, its signature checked (src/events/sandbox-receiver.ts).
  const logger = createLogger(config.log.level);
  try {
    for (const [i, hook] of loopbackWebhooks(config.events.webhooks).entries()) {
      receivers.push(await startReceiver(hook, logger).catch((error: unknown) => {
        throw listenError(error, `events.webhooks.${i}.url`, `events.webhooks.${i}.url`);
      }));
    }
  } catch (error) {
    await stopEmulators();
    throw error;
  }
  const running = await startGateway(config, logger).catch(async (error: unknown) => {
    await stopEmulators();
    throw listenError(error, 'server.port', 'server.host');
  });
  running.logger.info('taskgate sandbox listening', {
    url: running.url,
    emulators: emulators.map((e) => e.url),
    webhookReceivers: receivers.map((r) => r.url),
    backends: Object.keys(config.backends),
  });
  drainOnSigterm(running, config.server.drainMs, async () => {
    await stopEmulators();
  });
}

async function emulator(values: { port?: string; host?: string; option?: string[] }, [vendor]: string[]): Promise<void> {
  const create = vendor ? EMULATORS[vendor] : undefined;
  if (!create) fail(`emulator: unknown vendor '${vendor ?? ''}', one of: ${Object.keys(EMULATORS).join(', ')}`);
  const options = emulatorOptions(vendor!, values.option ?? []);
  const host = values.host ?? '127.0.0.1';
  const running = await listen(create(options), port(values.port, 0), host).catch((error: unknown) => {
    throw listenError(error, '--port', '--host');
  });
  process.stdout.write(`${JSON.stringify({ level: 'info', message: 'emulator listening', vendor, url: running.url })}\n`);
  const stop = () => void running.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** `--option key=value` pairs; a value that parses as JSON (true, 5, {...}) is taken as such, else as text. */
function emulatorOptions(vendor: string, pairs: string[]): Record<string, unknown> {
  const known = optionNames(vendor);
  const options: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) fail(`emulator: --option takes key=value, got '${pair}'`);
    const key = pair.slice(0, at);
    if (!known.includes(key)) fail(`emulator: ${vendor} has no option '${key}' (it has: ${known.join(', ')})`);
    const raw = pair.slice(at + 1);
    try {
      options[key] = JSON.parse(raw);
    } catch {
      options[key] = raw;
    }
  }
  return options;
}

/**
 * `taskgate mcp`: the MCP tools over stdio as one configured key (src/mcp/stdio.ts). stdout is the protocol's alone:
 * logs go to stderr, and a startup failure is one line on stderr with exit status 2, as for every command.
 */
async function mcp(values: { config?: string; 'key-name'?: string }): Promise<void> {
  const file = values.config ?? process.env.TASKGATE_CONFIG;
  if (!file || !values['key-name']) fail('mcp needs --config <file> (or TASKGATE_CONFIG) and --key-name <name> (taskgate mcp --help)');
  // Loaded only for this command: the MCP SDK costs ~40 MB that the other commands should not pay.
  const { serveStdio } = await import('./mcp/stdio');
  const running = await serveStdio({ config: loadConfigFile(file), keyName: values['key-name'] });
  const stop = () => void running.close();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await running.closed;
  process.exit(0);
}

/** A listen failure (EADDRINUSE, EACCES, EADDRNOTAVAIL) as a ConfigError naming the key that chose the address. */
function listenError(error: unknown, portKey: string, hostKey: string): unknown {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.syscall !== 'listen' && e?.code !== 'EADDRNOTAVAIL' && e?.code !== 'ENOTFOUND') return error;
  const key = e.code === 'EADDRINUSE' || e.code === 'EACCES' ? portKey : hostKey;
  const where = e.address === undefined ? '' : ` ${e.address}:${e.port}`;
  return new ConfigError(`${key}: cannot listen on${where}: ${e.code}`);
}

/** Options as node's parseArgs reads them, with -h/--help for every command; a mistake is a one-line usage error. */
function parse(command: Command, args: string[]): { values: Record<string, any>; positionals: string[] } {
  const { options, positionals: allowed } = COMMANDS[command];
  let parsed: { values: Record<string, any>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: allowed > 0, strict: true });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (!e.code?.startsWith('ERR_PARSE_ARGS')) throw error;
    // node's message goes on with advice about `--`: its first sentence is the mistake.
    const mistake = e.message.split(/\.(?:\s|$)/, 1)[0]!;
    fail(`${command}: ${mistake[0]!.toLowerCase()}${mistake.slice(1)} (taskgate ${command} --help)`);
  }
  if (parsed.positionals.length > allowed) fail(`${command}: unexpected argument '${parsed.positionals[allowed]}' (taskgate ${command} --help)`);
  return parsed;
}

export function main(argv: string[]): void {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage());
    return;
  }
  if (command === undefined) fail('a command is needed: serve, sandbox, emulator or mcp (taskgate --help)');
  if (!Object.hasOwn(COMMANDS, command)) {
    fail(`${command.startsWith('-') ? 'unknown option' : 'unknown command'} '${command}' (taskgate --help)`);
  }
  const name = command as Command;
  const { values, positionals } = parse(name, rest);
  if (values.help) {
    process.stdout.write(COMMANDS[name].usage);
    return;
  }
  COMMANDS[name].run(values, positionals).catch((error: unknown) => {
    if (error instanceof ConfigError) fail(error.message);
    const e = error as NodeJS.ErrnoException;
    // Not a stack: what failed and its code, as the one line every startup failure gets.
    fail(`cannot start: ${e?.message ?? String(error)}${e?.code && !String(e.message).includes(e.code) ? ` (${e.code})` : ''}`);
  });
}
