// The sandbox (every emulator) with a gateway whose task index has been synced once, and MCP clients of the SDK's
// own over Streamable HTTP.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createBackends, createGatewayApp } from '../../src/compose';
import type { AuditRecord } from '../../src/core/action-records';
import { Gateway } from '../../src/core/gateway';
import { createLogger } from '../../src/log';
import { SqliteStore } from '../../src/store/sqlite-store';
import { startStack, type EditableConfig, type Stack } from '../helpers/stack';
import { SyncScheduler } from '../../src/sync/scheduler';

export interface McpStack {
  url: string;
  stack: Stack;
  /** Every audit record the action service wrote, as it handed it to the store. */
  recorded: AuditRecord[];
  logs: string[];
  /** An MCP client connected to /mcp with `key` (as Bearer, or as X-API-Key). */
  connect(key: string, options?: { header?: 'bearer' | 'x-api-key'; headers?: Record<string, string> }): Promise<Client>;
  /** A REST request to this gateway (the audit trail, say). */
  rest(method: string, route: string, key: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startMcpStack(configure?: (config: EditableConfig) => void): Promise<McpStack> {
  const stack = await startStack(configure);
  const gateway = new Gateway(createBackends(stack.config.backends));
  const store = new SqliteStore(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-mcp-')), 'taskgate.db'));
  await store.init();
  const recorded: AuditRecord[] = [];
  const write = store.recordAudit.bind(store);
  store.recordAudit = (record) => {
    recorded.push(record);
    return write(record);
  };
  const logs: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  // Not started: each backend's index is filled by one full cycle here, so the inbox holds what the emulators hold.
  const sync = new SyncScheduler({ gateway, store, config: stack.config.sync });
  for (const backend of gateway.list()) expect(await sync.runOnce(backend.name, true)).toMatchObject({ ok: true });
  const app = createGatewayApp({ config: stack.config, gateway, store, logger: createLogger('debug', stream), sync });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: Client[] = [];
  return {
    url, stack, logs, recorded,
    async connect(key, options = {}) {
      const auth = options.header === 'x-api-key' ? { 'X-API-Key': key } : { Authorization: `Bearer ${key}` };
      const client = new Client({ name: 'taskgate-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { ...auth, ...options.headers } } }));
      clients.push(client);
      // The client then checks every structuredContent against the tool's outputSchema itself.
      await client.listTools();
      return client;
    },
    async rest(method, route, key) {
      const res = await fetch(url + route, { method, headers: { 'X-API-Key': key } });
      return { status: res.status, body: await res.json() };
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await sync.stop();
      await store.close();
      await stack.close();
    },
  };
}
