// A gateway in front of the SecMaster emulator whose vendor calls a test can hold, fail or count: for races and outcomes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { createSecMasterEmulator } from '../../adapters/huawei-secmaster/emulator';
import { createBackend, createGatewayApp } from '../../src/compose';
import { Metrics } from '../../src/http/metrics';
import { meteredTransport } from '../../src/transport/metered';
import { parseConfig, type GatewayConfig } from '../../src/config/load';
import type { VendorRequest, VendorResponse } from '../../src/core/adapter';
import { Gateway } from '../../src/core/gateway';
import { listen, type Emulator } from '../../src/emulators/emulator';
import { createLogger } from '../../src/log';
import { SqliteStore } from '../../src/store/sqlite-store';
import type { Store } from '../../src/store/store';
import { SANDBOX_KEY } from './stack';

export const SECMASTER_TASK = '3e4c170e-7cc9-11f0-9216-fa163e209978';
export const SECMASTER_TASK_2 = '7d90c2e4-7ccb-11f0-9216-fa163e209978';

/** Decides each vendor call: `pass()` sends it to the emulator; throwing fails it as the transport would. */
export type Interceptor = (request: VendorRequest, pass: () => Promise<VendorResponse>) => Promise<VendorResponse>;

export interface Gated {
  url: string;
  store: Store;
  emulator: Emulator;
  logs: string[];
  intercept: Interceptor;
  request(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string>; key?: string }): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

export async function startGated(options: { store?: Store; wrap?: (app: http.RequestListener) => http.RequestListener } = {}): Promise<Gated> {
  const emulator = createSecMasterEmulator();
  const served = await listen(emulator);
  const config: GatewayConfig = parseConfig({
    auth: { apiKeys: [{ name: 'sandbox', key: SANDBOX_KEY, scopes: ['audit'] }, { name: 'soc-bot', key: 'soc-bot-key-456', backends: ['secmaster'] }] },
    backends: {
      secmaster: {
        vendor: 'huawei-secmaster', baseUrl: served.url, projectId: '15645222e8744afa985c93dab6341da6',
        workspaceId: '75645d0a-93b8-4a7f-a77c-e97009389445', auth: { type: 'token', token: 'sandbox-secmaster-token' },
      },
    },
  }, {});
  const backend = createBackend('secmaster', config.backends.secmaster!);
  const real = backend.transport;
  const store = options.store ?? new SqliteStore(':memory:');
  await store.init();
  const logs: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => logs.push(...c.toString().split('\n').filter(Boolean)));
  const gated: Gated = {
    url: '', store, emulator, logs,
    intercept: (_request, pass) => pass(),
    async request(method, path, { body, headers = {}, key = SANDBOX_KEY } = {}) {
      const res = await fetch(gated.url + path, {
        method, body: body === undefined ? undefined : JSON.stringify(body),
        headers: { 'X-API-Key': key, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await served.close();
      await store.close();
    },
  };
  const metrics = new Metrics(() => [backend]);
  // As the composition root wires it: vendor calls timed outermost, here around the test's interception.
  backend.transport = meteredTransport({
    send: (request: VendorRequest) => gated.intercept(request, () => real.send(request)),
    describe: (request: VendorRequest) => real.describe(request),
  }, metrics.vendorCallTimer('secmaster'));
  const app = createGatewayApp({ config, gateway: new Gateway([backend]), logger: createLogger('debug', stream), store, metrics });
  const server = http.createServer(options.wrap ? options.wrap(app) : app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  gated.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return gated;
}

/** A promise with its resolve exposed: to hold a vendor call until the test lets it go. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** PUTs (actions) the emulator received. */
export const vendorActions = (emulator: Emulator) => emulator.calls.filter((c) => c.method === 'PUT').length;
