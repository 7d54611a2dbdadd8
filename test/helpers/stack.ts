// Starts the sandbox for a test: every emulator on an ephemeral loopback port plus the gateway, logs captured.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { EMULATORS } from '../../adapters/emulators';
import { loadConfigFile, parseConfig, type GatewayConfig } from '../../src/config/load';
import { listen, type Emulator } from '../../src/emulators/emulator';
import { createLogger } from '../../src/log';
import { loopbackWebhooks, startReceiver } from '../../src/events/sandbox-receiver';
import { startGateway, type RunningGateway } from '../../src/server';

export const SANDBOX_KEY = 'sandbox-key-123';

export interface Stack {
  url: string;
  config: GatewayConfig;
  gateway: RunningGateway;
  /** Emulator of each backend (by backend name), with the vendor calls it received. */
  emulators: Record<string, Emulator>;
  /** Every JSON log line the gateway wrote. */
  logs: string[];
  request(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string>; key?: string | null }): Promise<{ status: number; headers: Headers; body: any; text: string }>;
  close(): Promise<void>;
}

/** The config as a test edits it: backends loosely typed, validated again (defaults filled in) after the edit. */
export type EditableConfig = GatewayConfig & { backends: Record<string, any> };

/** `emulatorOptions`: options of the emulator of a backend (by backend name), e.g. { oracle: { shape: 'classic' } }. */
export async function startStack(
  configure: (config: EditableConfig) => void = () => {},
  emulatorOptions: Record<string, Record<string, unknown>> = {},
): Promise<Stack> {
  const config = loadConfigFile(path.join(__dirname, '../../config/sandbox.yaml'), {});
  config.server.port = 0;
  const emulators: Record<string, Emulator> = {};
  const running: { close(): Promise<void> }[] = [];
  for (const [name, backend] of Object.entries(config.backends)) {
    const create = EMULATORS[backend.vendor];
    if (!create) continue;
    const emulator = create(emulatorOptions[name]);
    const served = await listen(emulator);
    const url = new URL(backend.baseUrl);
    backend.baseUrl = served.url + url.pathname.replace(/\/$/, '');
    emulators[name] = emulator;
    running.push(served);
  }
  // Each stack gets its own audit and idempotency store (a configure callback may choose another).
  config.store = { type: 'sqlite', path: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-stack-')), 'taskgate.db') };
  // No background sync cycles unless a test asks for them: they would add vendor calls to every count.
  config.sync = { ...config.sync, intervalMs: 0 };
  configure(config);
  const validated = parseConfig(config, {});
  const logs: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const logger = createLogger('debug', stream);
  // The sandbox's webhook receivers, as `taskgate sandbox` starts them, each on an ephemeral port.
  for (const hook of loopbackWebhooks(validated.events.webhooks)) {
    const served = await startReceiver(hook, logger, 0);
    hook.url = served.url;
    running.push(served);
  }
  const gateway = await startGateway(validated, logger);
  return {
    url: gateway.url,
    config: validated,
    gateway,
    emulators,
    logs,
    async request(method, route, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.key !== null) headers['X-API-Key'] ??= options.key ?? SANDBOX_KEY;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['Content-Type'] ??= 'application/json';
      }
      const res = await fetch(gateway.url + route, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    async close() {
      await gateway.close();
      await Promise.all(running.map((r) => r.close()));
    },
  };
}
