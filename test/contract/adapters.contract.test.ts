// The shared adapter contract suite: every adapter, every supported action, the same error matrix.
// Each adapter brings adapters/<vendor>/fixtures/contract.json (shape: fixture-types.ts).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import taskSchema from '../../schemas/task.schema.json';
import { ADAPTERS } from '../../adapters';
import { ACTION_NAMES, type ActionCommand } from '../../src/core/actions';
import type { VendorRequest, VendorResponse } from '../../src/core/adapter';
import { Gateway } from '../../src/core/gateway';
import { createBackend } from '../../src/compose';
import { parseConfig, type RawBackendConfig } from '../../src/config/load';
import { bodyMeaning } from '../helpers/bodies';
import type { ContractFixture, FixtureRequest, FixtureResponse } from './fixture-types';
import { caught } from '../helpers/gateway';
import { assertAllUsed, nock, useVendorMock } from '../helpers/vendor-mock';

const validTask = new Ajv2020({ strict: false }).compile(taskSchema);

function loadFixture(vendor: string): ContractFixture {
  const file = path.join(__dirname, '../../adapters', vendor, 'fixtures/contract.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ContractFixture;
}

/** The fixture backend through the real config validation, so fixtures cannot hold an invalid config. */
function backendConfig(fixture: ContractFixture): RawBackendConfig {
  const { name, ...raw } = fixture.backend;
  const config = parseConfig({ auth: { apiKeys: [{ name: 't', key: 'contract-key-1' }] }, backends: { [name]: raw } }, {});
  return config.backends[name];
}

function responseOf(r: FixtureResponse): VendorResponse {
  const body = r.json !== undefined ? JSON.stringify(r.json) : (r.body ?? '');
  return { status: r.status, headers: Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])), body };
}

function bodyKind(r: FixtureRequest): 'json' | 'xml' | 'text' {
  return r.json !== undefined ? 'json' : r.xml !== undefined ? 'xml' : 'text';
}

function expectedBody(r: FixtureRequest): string | undefined {
  return r.json !== undefined ? JSON.stringify(r.json) : (r.xml ?? r.text);
}

function expectRequest(actual: VendorRequest, expected: FixtureRequest): void {
  expect(actual.method).toBe(expected.method);
  expect(actual.path).toBe(expected.path);
  const headers = Object.fromEntries(Object.entries(actual.headers).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    // Credentials are added by the transport, never by translate: fixtures list them for the mocked-vendor run only.
    if (/^(authorization|x-auth-token|bpmcsrftoken)$/i.test(name)) continue;
    expect(headers[name.toLowerCase()]).toBe(value);
  }
  const kind = bodyKind(expected);
  expect(bodyMeaning(actual.body, kind)).toEqual(bodyMeaning(expectedBody(expected), kind));
}

useVendorMock();

/**
 * Where a fixture path goes: the baseUrl's origin, and the intercept path with the baseUrl's own path in front
 * (K2's baseUrl has one).
 */
function vendorAt(baseUrl: string, path: string, reqheaders?: Record<string, string>) {
  const url = new URL(baseUrl);
  const basePath = url.pathname.replace(/\/+$/, '');
  return { scope: nock(url.origin, { reqheaders }), path: basePath + path };
}

/**
 * Registers one nock interceptor that only matches the exact method, path (its query compared as parameters,
 * in any order), headers (the listed ones, names case-insensitive, values exact) and body meaning.
 */
function intercept(baseUrl: string, call: { request: FixtureRequest; response: FixtureResponse }, delayMs = 0): void {
  const { request, response } = call;
  const kind = bodyKind(request);
  const want = JSON.stringify(bodyMeaning(expectedBody(request), kind));
  const { scope, path } = vendorAt(baseUrl, request.path, request.headers);
  const res = responseOf(response);
  // nock hands a body that parses as JSON over parsed: it is written back to text for bodyMeaning.
  const sameMeaning = (body: unknown) => {
    try {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return JSON.stringify(bodyMeaning(text || undefined, kind)) === want;
    } catch {
      return false; // a body that does not even parse as the expected kind
    }
  };
  const interceptor = scope.intercept(path, request.method, sameMeaning);
  (delayMs ? interceptor.delay(delayMs) : interceptor).reply(res.status, res.body, res.headers);
}

function gatewayFor(fixture: ContractFixture): Gateway {
  return new Gateway([createBackend(fixture.backend.name, backendConfig(fixture))]);
}

describe.each(Object.keys(ADAPTERS))('adapter %s', (vendor) => {
  const adapter = ADAPTERS[vendor];
  const fixture = loadFixture(vendor);
  const backendName = fixture.backend.name;
  const options = () => adapter.options({ ...backendConfig(fixture), name: backendName });
  const command = (c: Omit<ActionCommand, 'backend'>): ActionCommand => ({ ...c, backend: backendName });

  test('every supported action has at least one fixture', () => {
    const covered = new Set(fixture.actions.map((c) => c.command.action));
    const supported = ACTION_NAMES.filter((a) => adapter.actions[a]);
    expect(supported.filter((a) => !covered.has(a))).toEqual([]);
  });

  test('every unsupported action is refused with 422 before any vendor call', async () => {
    const requests: string[] = [];
    const record = (req: Request) => {
      requests.push(`${req.method} ${req.url}`);
    };
    nock.emitter.on('no match', record);
    const gateway = gatewayFor(fixture);
    for (const action of ACTION_NAMES.filter((a) => !adapter.actions[a])) {
      const error = await caught(gateway.perform(command({ taskId: 'any', action })));
      expect(error.code).toBe('UNSUPPORTED_ACTION');
      expect(error.context.supportedActions).toEqual(ACTION_NAMES.filter((a) => adapter.actions[a]));
    }
    nock.emitter.removeListener('no match', record);
    expect(requests).toEqual([]);
  });

  describe.each(fixture.actions.map((c) => [c.name, c] as const))('action: %s', (_name, c) => {
    test('translate gives exactly the documented vendor requests', () => {
      if ('error' in c.expect && c.calls.length === 0) {
        // Refused in translate, before any vendor call (an undeclared custom parameter, a field nothing can carry).
        expect(() => adapter.translate(command(c.command), options())).toThrow(expect.objectContaining({ code: c.expect.error.code }));
        return;
      }
      const calls = adapter.translate(command(c.command), options());
      expect(calls).toHaveLength(c.calls.length === 0 ? 0 : calls.length);
      c.calls.forEach((expected, i) => expectRequest(calls[i].request, expected.request));
      if (!('error' in c.expect)) expect(calls).toHaveLength(c.calls.length);
    });

    test('through the gateway and the real transport (mocked vendor, nock)', async () => {
      [...c.calls, ...(c.followUps ?? [])].forEach((call) => intercept(fixture.backend.baseUrl, call));
      const gateway = gatewayFor(fixture);
      if ('error' in c.expect) {
        const error = await caught(gateway.perform(command(c.command)));
        expect({ code: error.code, status: error.status }).toEqual({ code: c.expect.error.code, status: c.expect.error.status });
        if (c.expect.error.applied) expect(error.context.applied).toEqual(c.expect.error.applied);
        else expect(error.context.applied).toBeUndefined();
        if (c.expect.error.vendor) expect(error.context.vendor).toMatchObject(c.expect.error.vendor);
      } else {
        const result = await gateway.perform(command(c.command));
        expect(result.result).toBe(c.expect.result);
        expect(result.warnings).toEqual(c.expect.warnings ?? []);
        if (c.expect.task) {
          expect(result.task).toMatchObject(c.expect.task);
          expect(validTask(result.task)).toBe(true);
        }
        if (c.expect.vendorStatus) expect(result.vendor.status).toBe(c.expect.vendorStatus);
      }
      assertAllUsed();
    });
  });

  test('get task: request, and the canonical task it parses to', async () => {
    expectRequest(adapter.getTaskRequest(fixture.probe.command.taskId, options()), fixture.getTask.request);
    intercept(fixture.backend.baseUrl, fixture.getTask);
    const task = await gatewayFor(fixture).getTask(backendName, fixture.probe.command.taskId);
    expect(task).toMatchObject(fixture.getTask.expect);
    expect(validTask(task)).toBe(true);
  });

  test('toTask keeps the vendor object as `raw` (served only with ?include=raw)', () => {
    const task = adapter.toTask(fixture.tasks[0].raw, options());
    expect(task.raw).toEqual(fixture.tasks[0].raw);
  });

  test.each(fixture.tasks.map((t) => [t.name, t] as const))('toTask: %s', (_name, t) => {
    const task = adapter.toTask(t.raw, options());
    expect(task).toMatchObject(t.expect);
    expect(validTask(task)).toBe(true);
  });

  test.each(fixture.lists.map((l) => [l.name, l] as const))('list: %s', async (_name, l) => {
    const query = { ...l.query, status: l.query.status as never };
    expectRequest(adapter.listTasksRequest(query, options()), l.request);
    intercept(fixture.backend.baseUrl, { request: l.request, response: l.response });
    const page = await gatewayFor(fixture).listTasks(backendName, query);
    expect(page.items.map((t) => t.id)).toEqual(l.expect.ids);
    if (l.expect.total !== undefined) expect(page.total).toBe(l.expect.total);
    page.items.forEach((t) => expect(validTask(t)).toBe(true));
  });

  describe('error matrix', () => {
    const probe = fixture.probe;
    const rows: [string, FixtureResponse, string, number][] = [
      ['401', { status: 401, body: '' }, 'BACKEND_AUTH_FAILED', 502],
      ['403', { status: 403, body: '' }, 'BACKEND_AUTH_FAILED', 502],
      ['404', { status: 404, body: '' }, 'TASK_NOT_FOUND', 404],
      ['409', { status: 409, body: '' }, 'CONFLICT', 409],
      ['429', { status: 429, body: '', headers: { 'Retry-After': '7' } }, 'BACKEND_UNAVAILABLE', 503],
      ['500', { status: 500, body: 'java.lang.NullPointerException\n\tat com.vendor.Secret(Secret.java:1)' }, 'BACKEND_ERROR', 502],
      ['503', { status: 503, body: '<html>down</html>' }, 'BACKEND_ERROR', 502],
    ];

    test.each(rows)('vendor %s on an action', async (_label, response, code, status) => {
      const { scope, path } = vendorAt(fixture.backend.baseUrl, probe.request.path);
      scope.intercept(path, probe.request.method).reply(response.status, response.body, response.headers);
      const error = await caught(gatewayFor(fixture).perform(command(probe.command)));
      expect({ code: error.code, status: error.status }).toEqual({ code, status });
      expect(error.context.vendor?.status).toBe(response.status);
      expect(JSON.stringify(error.context)).not.toMatch(/NullPointerException|Secret\.java/);
      if (response.status === 429) expect(error.context.retryAfter).toBe(7);
    });

    test('garbled body on get task is BACKEND_ERROR', async () => {
      const { scope, path } = vendorAt(fixture.backend.baseUrl, fixture.getTask.request.path);
      scope.get(path).reply(200, '{"garbled": <<<', { 'Content-Type': 'application/json' });
      const error = await caught(gatewayFor(fixture).getTask(backendName, probe.command.taskId));
      expect({ code: error.code, status: error.status }).toEqual({ code: 'BACKEND_ERROR', status: 502 });
    });

    test('no answer within timeoutMs is BACKEND_TIMEOUT', async () => {
      const timeoutMs = backendConfig(fixture).timeoutMs;
      const { scope, path } = vendorAt(fixture.backend.baseUrl, probe.request.path);
      scope.intercept(path, probe.request.method).delay(timeoutMs + 500).reply(200, '');
      const error = await caught(gatewayFor(fixture).perform(command(probe.command)));
      expect({ code: error.code, status: error.status }).toEqual({ code: 'BACKEND_TIMEOUT', status: 504 });
    });

    test('connection refused is BACKEND_UNAVAILABLE', async () => {
      // A real refused connection: a loopback port that was just closed.
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as net.AddressInfo;
      await new Promise((resolve) => server.close(resolve));
      // Only this closed port may be reached for real; nock refuses every other unmatched call.
      nock.enableNetConnect(`127.0.0.1:${port}`);
      const closed = { ...backendConfig(fixture), baseUrl: `http://127.0.0.1:${port}` };
      const gateway = new Gateway([createBackend(backendName, closed)]);
      const error = await caught(gateway.perform(command(probe.command)));
      expect({ code: error.code, status: error.status }).toEqual({ code: 'BACKEND_UNAVAILABLE', status: 503 });
    });
  });
});
