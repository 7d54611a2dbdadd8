// The peer a team would write instead of taskgate: Express 5 and axios (its own http adapter, a keep-alive agent)
// around the same adapter's translate and parse, and nothing else: no audit, log, metrics, validation or limits.
import http from 'node:http';
import axios from 'axios';
import express from 'express';
import { ADAPTERS } from '../adapters';
import type { ActionCommand } from '../src/core/actions';
import { GatewayError } from '../src/core/errors';

export interface NaiveBackend {
  name: string;
  vendor: string;
  baseUrl: string;
  /** The vendor credentials as headers (the naive gateway knows no auth schemes). */
  headers: Record<string, string>;
  /** The backend's config keys the adapter reads (projectId, actionNames...). */
  config: Record<string, unknown>;
}

export function startNaiveGateway(port: number, backends: NaiveBackend[]): Promise<http.Server> {
  const client = axios.create({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 1024 }),
    maxRedirects: 0,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
  });
  const byName = new Map(backends.map((b) => {
    const adapter = ADAPTERS[b.vendor];
    return [b.name, { backend: b, adapter, options: adapter.options({ ...b.config, name: b.name, vendor: b.vendor, baseUrl: b.baseUrl, auth: { type: 'basic' }, timeoutMs: 10_000 } as never) }];
  }));
  const app = express();
  app.use(express.json());
  app.post('/v1/backends/:backend/tasks/:taskId/actions', async (req, res) => {
    const found = byName.get(String(req.params.backend));
    if (!found) return void res.status(404).json({ error: 'no such backend' });
    const { backend, adapter, options } = found;
    const cmd = { ...req.body, backend: backend.name, taskId: String(req.params.taskId) } as ActionCommand;
    try {
      let last: { status: number; result: string } | undefined;
      for (const call of adapter.translate(cmd, options)) {
        const { method, path, headers, body } = call.request;
        const answer = await client.request<string>({ method, url: backend.baseUrl + path, headers: { ...headers, ...backend.headers }, data: body });
        const outcome = adapter.parse({ status: answer.status, headers: answer.headers as Record<string, string>, body: answer.data }, call, cmd, options);
        last = { status: answer.status, result: outcome.result };
      }
      res.json({ backend: backend.name, taskId: cmd.taskId, action: cmd.action, result: last?.result, vendor: { status: last?.status } });
    } catch (error) {
      res.status(error instanceof GatewayError ? error.status : 500).json({ code: error instanceof GatewayError ? error.code : 'ERROR' });
    }
  });
  const server = http.createServer(app);
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
