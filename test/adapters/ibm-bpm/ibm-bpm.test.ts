// IBM BPM adapter specifics the shared contract suite cannot see: date codecs, outcome mappings per backend,
// the reject capability hook, config validation, error sanitizing and the BPMCSRFToken flow.
import { ibmBpm } from '../../../adapters/ibm-bpm';
import { withCsrfToken, loginRequest } from '../../../adapters/ibm-bpm/csrf';
import { parseIbmDateTime, parseIsoDuration, toIsoDuration } from '../../../adapters/ibm-bpm/dates';
import { htmError, isCsrfExpired } from '../../../adapters/ibm-bpm/parse';
import { pathSegment, queryString } from '../../../adapters/ibm-bpm/translate';
import type { ActionCommand } from '../../../src/core/actions';
import type { VendorRequest, VendorResponse } from '../../../src/core/adapter';
import { Gateway, type Backend } from '../../../src/core/gateway';
import { ConfigError, parseConfig } from '../../../src/config/load';
import type { AuthContext, OutboundAuth, OutgoingRequest } from '../../../src/core/ports';
import { thrown } from '../../helpers/gateway';

const TKIID = '_TKI:a01b0170.3c1d2e4f.5a6b7c8d.90000001';
// `:` is legal in a path segment (RFC 3986 pchar): the TKIID goes out as IBM's own clients send it.
const PATH = '/rest/bpm/htm/v1/task/_TKI:a01b0170.3c1d2e4f.5a6b7c8d.90000001';

function options(extra: Record<string, unknown> = {}) {
  const raw = { vendor: 'ibm-bpm', baseUrl: 'https://bpm.example.com:9443', auth: { type: 'basic', username: 'u', password: 'p' }, ...extra };
  const config = parseConfig({ auth: { apiKeys: [{ name: 't', key: 'unit-test-key-1' }] }, backends: { ibm: raw } }, {});
  return ibmBpm.options({ ...config.backends.ibm, name: 'ibm' });
}

const cmd = (c: Omit<ActionCommand, 'backend' | 'taskId'>): ActionCommand => ({ backend: 'ibm', taskId: TKIID, ...c });

describe('dates', () => {
  test.each([
    [1, 'PT1S'], [60, 'PT1M'], [90, 'PT1M30S'], [3600, 'PT1H'], [86_400, 'P1D'], [93_784, 'P1DT2H3M4S'], [1_209_600, 'P14D'], [0, 'PT0S'],
  ])('%i seconds is %s, and back', (seconds, iso) => {
    expect(toIsoDuration(seconds)).toBe(iso);
    expect(parseIsoDuration(iso)).toBe(seconds);
  });

  test('not a duration', () => {
    for (const bad of ['P', 'PT', '14D', 'P1Y', 'PT-1S', '']) expect(parseIsoDuration(bad)).toBeUndefined();
  });

  test("the client's RFC 3339 value goes out unchanged (it is ISO 8601 already), offset and fraction included", () => {
    const opts = options();
    const [suspend] = ibmBpm.translate(cmd({ action: 'suspend', until: '2025-10-01T08:00:00+02:00' }), opts);
    expect(suspend.request.path).toBe(`${PATH}?action=suspend&deadline=2025-10-01T08%3A00%3A00%2B02%3A00`);
    const [update] = ibmBpm.translate(cmd({ action: 'update', dueAt: '2025-10-01T08:00:00.250-01:30' }), opts);
    expect(JSON.parse(update.request.body as string)).toEqual({ dueTime: '2025-10-01T08:00:00.250-01:30' });
  });

  test('HTM date-times come in exactly, offsets included; no zone is UTC; garbage is undefined', () => {
    expect(parseIbmDateTime('2025-09-01T10:15:00+02:00')).toBe('2025-09-01T08:15:00.000Z');
    expect(parseIbmDateTime('2025-09-01T10:15:00.5+0530')).toBe('2025-09-01T04:45:00.500Z');
    expect(parseIbmDateTime('2008-10-10T12:00:00')).toBe('2008-10-10T12:00:00.000Z');
    for (const bad of ['yesterday', '2025-13-45T99:00:00Z', 12, null, '']) expect(parseIbmDateTime(bad)).toBeUndefined();
  });
});

describe('outcome mappings', () => {
  test('approve with a configured output message sends it as JSON', () => {
    const opts = options({ outcomes: { approve: { document: { approved: true, level: 2 } } } });
    const [call] = ibmBpm.translate(cmd({ action: 'approve' }), opts);
    expect(call.request).toMatchObject({ method: 'PUT', path: `${PATH}?action=complete`, headers: { 'Content-Type': 'application/json' } });
    expect(JSON.parse(call.request.body as string)).toEqual({ approved: true, level: 2 });
  });

  test('approve without a mapping is a bodiless complete; complete{outcome: approve} is the same', () => {
    const opts = options();
    for (const c of [cmd({ action: 'approve' }), cmd({ action: 'complete', outcome: 'approve' })]) {
      const [call] = ibmBpm.translate(c, opts);
      expect(call.request.path).toBe(`${PATH}?action=complete`);
      expect(call.request.body).toBeUndefined();
      expect(call.request.headers['Content-Type']).toBeUndefined();
    }
  });

  test('a fault-only mapping sends faultName and no body', () => {
    const opts = options({ outcomes: { reject: { faultName: '{http://example.com/po}Rejected' } } });
    const [call] = ibmBpm.translate(cmd({ action: 'reject' }), opts);
    expect(call.request.path).toBe(`${PATH}?action=complete&faultName=%7Bhttp%3A%2F%2Fexample.com%2Fpo%7DRejected`);
    expect(call.request.body).toBeUndefined();
  });

  test('complete with an outcome the backend does not define is a bodiless complete, with a warning naming it', () => {
    const opts = options({ outcomes: { reject: { faultName: 'Rejected' } } });
    const c = cmd({ action: 'complete', outcome: 'escalated' });
    const calls = ibmBpm.translate(c, opts);
    expect(calls).toHaveLength(1);
    expect(calls[0].request).toEqual({ method: 'PUT', path: `${PATH}?action=complete`, headers: { Accept: 'application/json' } });
    expect(ibmBpm.warnings(c, opts)).toEqual([
      "IBM BPM tasks have no outcome field: outcome 'escalated' was not carried, the task was completed without an output message (configure `outcomes` to carry it)",
    ]);
  });

  test('complete with outcome reject and no mapping is refused, never a plain (approving) complete', () => {
    expect(() => ibmBpm.translate(cmd({ action: 'complete', outcome: 'Reject' }), options())).toThrow(/Outcome 'Reject' is not configured/);
  });

  test('a configured outcome, and approve, carry no such warning', () => {
    const opts = options({ outcomes: { escalated: { document: { level: 'high' } } } });
    for (const c of [cmd({ action: 'complete', outcome: 'escalated' }), cmd({ action: 'complete', outcome: 'approve' }), cmd({ action: 'approve' })]) {
      expect(ibmBpm.warnings(c, opts)).toEqual([]);
    }
    const [call] = ibmBpm.translate(cmd({ action: 'complete', outcome: 'escalated' }), opts);
    expect(JSON.parse(call.request.body as string)).toEqual({ level: 'high' });
  });

  test('translate refuses reject without a mapping even if called directly', () => {
    expect(thrown(() => ibmBpm.translate(cmd({ action: 'reject' }), options())).code).toBe('UNSUPPORTED_ACTION');
  });

  test('the mapping is copied: editing the config afterwards does not change the backend', () => {
    const outcomes = { approve: { document: { approved: true } } };
    const opts = ibmBpm.options({ name: 'ibm', vendor: 'ibm-bpm', baseUrl: 'https://x', auth: { type: 'basic', username: 'u', password: 'p' }, timeoutMs: 1, outcomes });
    outcomes.approve.document.approved = false;
    expect(opts.outcomes.approve.document).toEqual({ approved: true });
  });
});

describe('reject capability per backend (supports hook)', () => {
  function gatewayWith(extra: Record<string, unknown>): { gateway: Gateway; sent: VendorRequest[] } {
    const sent: VendorRequest[] = [];
    const auth: OutboundAuth = { headers: async () => ({}), secretHeaders: [], refresh: async () => false, secrets: () => [] };
    const backend: Backend = {
      name: 'ibm', vendor: 'ibm-bpm', adapter: ibmBpm, options: options(extra), auth,
      transport: {
        send: async (request) => {
          sent.push(request);
          return { status: 200, headers: {}, body: '' };
        },
        describe: (request) => ({ method: request.method, url: request.path, headers: request.headers, body: request.body ?? '' }),
      },
    };
    return { gateway: new Gateway([backend]), sent };
  }

  test('without a reject mapping: 422 before any vendor call, reject missing from supportedActions', async () => {
    const { gateway, sent } = gatewayWith({});
    await expect(gateway.perform(cmd({ action: 'reject' }))).rejects.toMatchObject({
      code: 'UNSUPPORTED_ACTION',
      context: { supportedActions: ['approve', 'complete', 'claim', 'release', 'reassign', 'suspend', 'resume', 'terminate', 'escalate', 'update', 'custom'] },
    });
    expect(sent).toEqual([]);
    expect(gateway.isSupported(gateway.backend('ibm'), 'reject')).toBe(false);
    expect(gateway.isSupported(gateway.backend('ibm'), 'approve')).toBe(true);
    expect(gateway.isSupported(gateway.backend('ibm'), 'delegate')).toBe(false);
  });

  test('with one: supported, and dry-run shows the faultName call', () => {
    const { gateway } = gatewayWith({ outcomes: { reject: { faultName: 'Rejected' } } });
    expect(gateway.supportedActions(gateway.backend('ibm'))).toContain('reject');
    expect(gateway.dryRun(cmd({ action: 'reject' })).vendorRequests).toEqual([
      { method: 'PUT', url: `${PATH}?action=complete&faultName=Rejected`, headers: { Accept: 'application/json' }, body: '' },
    ]);
  });
});

describe('config validation', () => {
  test.each([
    [{ csrf: 'yes' }, 'backends.ibm.csrf'],
    [{ outcomes: { reject: {} } }, 'backends.ibm.outcomes.reject'],
    [{ outcomes: { reject: { faultName: 'has space' } } }, 'backends.ibm.outcomes.reject.faultName'],
    [{ outcomes: { approve: { document: 'not-an-object' } } }, 'backends.ibm.outcomes.approve.document'],
    [{ outcomes: { approve: { output: {} } } }, 'backends.ibm.outcomes.approve.output'],
    [{ outcomes: [] }, 'backends.ibm.outcomes'],
  ])('%j is refused at %s', (extra, path) => {
    expect(() => options(extra)).toThrow(ConfigError);
    expect(() => options(extra)).toThrow(path);
  });

  test('defaults: csrf off, no outcomes', () => {
    expect(options()).toEqual({ backend: 'ibm', csrf: false, outcomes: {} });
  });
});

describe('errors', () => {
  const stack = 'com.ibm.bpe.api.ProcessException: boom\n\tat com.ibm.task.Secret(Secret.java:1)';
  const res = (status: number, body: unknown): VendorResponse => ({ status, headers: {}, body: typeof body === 'string' ? body : JSON.stringify(body) });

  test('errorMessage is kept (first line only); programmersDetails never appears', () => {
    const error = htmError(res(409, { errorNumber: 'CWTKA0007E', errorMessage: `CWTKA0007E: wrong state\n${stack}`, errorMessageParameters: ['x'], programmersDetails: { stackTrace: stack } }));
    expect(error.code).toBe('CONFLICT');
    expect(error.context.vendor).toEqual({ status: 409, code: 'CWTKA0007E', message: 'CWTKA0007E: wrong state' });
    expect(JSON.stringify({ message: error.message, context: error.context })).not.toMatch(/Secret|ProcessException|stackTrace/);
  });

  test('the newer /bpm spelling (error_number) is read too; 415 is a gateway-side BACKEND_ERROR', () => {
    expect(htmError(res(415, { error_number: 'CWTKA0017E', error_message: 'bad type' })).context.vendor).toEqual({ status: 415, code: 'CWTKA0017E', message: 'bad type' });
    expect(htmError(res(415, '')).code).toBe('BACKEND_ERROR');
  });

  test('only a 403 CWTBG0651E counts as an expired CSRF token', () => {
    expect(isCsrfExpired(res(403, { errorNumber: 'CWTBG0651E', errorMessage: 'x' }))).toBe(true);
    expect(isCsrfExpired(res(403, { error_number: 'CWTBG0651E' }))).toBe(true);
    // Wrapped, under another key, or plain text: the message id anywhere in a 403 body.
    expect(isCsrfExpired(res(403, { status: 403, data: { errorNumber: 'CWTBG0651E' } }))).toBe(true);
    expect(isCsrfExpired(res(403, { errorMessage: 'CWTBG0651E: The BPMCSRFToken could not be verified.' }))).toBe(true);
    expect(isCsrfExpired(res(403, 'Error 403: CWTBG0651E: token expired'))).toBe(true);
    expect(isCsrfExpired(res(403, { errorNumber: 'CWTKA0001E' }))).toBe(false);
    expect(isCsrfExpired(res(401, { errorNumber: 'CWTBG0651E' }))).toBe(false);
    expect(isCsrfExpired(res(403, 'garbage'))).toBe(false);
  });
});

describe('BPMCSRFToken through the adapter auth hook', () => {
  const basic: OutboundAuth = { headers: async () => ({ Authorization: 'Basic dTpw' }), secretHeaders: ['Authorization'], refresh: async () => false, secrets: () => ['p'] };
  const REQ: OutgoingRequest = { method: 'GET', url: 'https://bpm.example.com/rest/bpm/htm/v1/task/x', headers: {} };
  const ctx = (send: AuthContext['send']): AuthContext => ({ backend: 'ibm', timeoutMs: 1000, standard: basic, connect: () => { throw new Error('not used'); }, send });

  function loginServer(answers: VendorResponse[]) {
    const requests: VendorRequest[] = [];
    const release: (() => void)[] = [];
    let gate = false;
    const send = async (request: VendorRequest): Promise<VendorResponse> => {
      requests.push(request);
      if (gate) await new Promise<void>((resolve) => release.push(resolve));
      return answers.shift() ?? { status: 200, headers: {}, body: JSON.stringify({ csrf_token: `token-${requests.length}` }) };
    };
    return { requests, send, hold: () => (gate = true), open: () => { gate = false; release.splice(0).forEach((r) => r()); } };
  }

  test('without csrf the configured auth is used as is', () => {
    expect(ibmBpm.auth!({ type: 'basic' }, options(), ctx(async () => ({ status: 500, headers: {}, body: '' })))).toBe(basic);
  });

  test('fetches once with the documented login body, caches, adds the header and marks it secret', async () => {
    const server = loginServer([]);
    const auth = ibmBpm.auth!({ type: 'basic' }, options({ csrf: true }), ctx(server.send));
    expect(await auth.headers(REQ)).toEqual({ Authorization: 'Basic dTpw', BPMCSRFToken: 'token-1' });
    expect(await auth.headers(REQ)).toEqual({ Authorization: 'Basic dTpw', BPMCSRFToken: 'token-1' });
    expect(server.requests).toEqual([loginRequest()]);
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/bpm/system/login' });
    expect(JSON.parse(server.requests[0].body as string)).toEqual({ 'refresh-groups': false, 'requested-lifetime': 7200 });
    expect(auth.secretHeaders).toEqual(['Authorization', 'BPMCSRFToken']);
    expect(auth.secrets()).toEqual(['p', 'token-1']);
  });

  test('concurrent requests share one login call', async () => {
    const server = loginServer([]);
    server.hold();
    const auth = withCsrfToken(basic, server.send);
    const all = Promise.all([auth.headers(REQ), auth.headers(REQ), auth.headers(REQ)]);
    await new Promise((resolve) => setImmediate(resolve));
    server.open();
    const headers = await all;
    expect(server.requests).toHaveLength(1);
    expect(new Set(headers.map((h) => h.BPMCSRFToken))).toEqual(new Set(['token-1']));
  });

  test('refresh() drops the token: the next request logs in again', async () => {
    const server = loginServer([]);
    const auth = withCsrfToken(basic, server.send);
    await auth.headers(REQ);
    expect(await auth.refresh()).toBe(true);
    expect((await auth.headers(REQ)).BPMCSRFToken).toBe('token-2');
    expect(server.requests).toHaveLength(2);
  });

  test('a token is refetched shortly before its 7200 s lifetime ends', async () => {
    const server = loginServer([]);
    let now = 1_000_000;
    const auth = withCsrfToken(basic, server.send, () => now);
    await auth.headers(REQ);
    now += 7000 * 1000;
    expect((await auth.headers(REQ)).BPMCSRFToken).toBe('token-1');
    now += 200 * 1000;
    expect((await auth.headers(REQ)).BPMCSRFToken).toBe('token-2');
  });

  test('a refused login is BACKEND_AUTH_FAILED, a broken one BACKEND_ERROR; a failed login is not cached', async () => {
    const server = loginServer([
      { status: 401, headers: {}, body: 'Error 401: SRVE0295E: Error reported: 401' },
      { status: 404, headers: {}, body: 'Error 404: SRVE0190E: File not found' },
      { status: 200, headers: {}, body: JSON.stringify({ token: 'wrong-field' }) },
    ]);
    const auth = withCsrfToken(basic, server.send);
    await expect(auth.headers(REQ)).rejects.toMatchObject({ code: 'BACKEND_AUTH_FAILED', context: { vendor: { status: 401 } } });
    await expect(auth.headers(REQ)).rejects.toMatchObject({ code: 'BACKEND_ERROR', context: { vendor: { status: 404 } } });
    await expect(auth.headers(REQ)).rejects.toMatchObject({ code: 'BACKEND_ERROR', message: expect.stringContaining('csrf_token') });
    expect((await auth.headers(REQ)).BPMCSRFToken).toBe('token-4');
  });
});

describe('encoding', () => {
  test('a TKIID keeps `:` and `@` (RFC 3986 pchar); everything else that is not unreserved is escaped', () => {
    expect(pathSegment('_TKI:a01b.0170@x')).toBe('_TKI:a01b.0170@x');
    expect(pathSegment('a/b?c#d e%f')).toBe('a%2Fb%3Fc%23d%20e%25f');
    const [call] = ibmBpm.translate(cmd({ action: 'claim' }), options());
    expect(call.request.path).toBe('/rest/bpm/htm/v1/task/_TKI:a01b0170.3c1d2e4f.5a6b7c8d.90000001?action=claim');
  });

  test('query values are encodeURIComponent-ed: a space is %20, never +', () => {
    expect(queryString({ action: 'transfer', toUser: 'John Doe+1' })).toBe('action=transfer&toUser=John%20Doe%2B1');
    const [call] = ibmBpm.translate(cmd({ action: 'reassign', to: { id: 'John Doe' } }), options());
    expect(call.request.path).toBe(`${PATH}/role/owner?action=transfer&toUser=John%20Doe`);
    expect(ibmBpm.listTasksRequest({ limit: 5, offset: 0, status: 'open', filters: {} }, options()).path).toBe(
      '/rest/bpm/htm/v1/tasks/filter?whereClause=TASK.STATE%3DTASK.STATE.STATE_READY%20AND%20TASK.SUSPENDED%3DFALSE&offset=0&size=5',
    );
  });
});

describe('task shapes', () => {
  const ok = (body: unknown): VendorResponse => ({ status: 200, headers: {}, body: JSON.stringify(body) });
  const opts = options();

  test('the /tasks/query style: upper-case TKIID, STATE (a number), NAME, PRIORITY, OWNER, DUE', () => {
    const task = ibmBpm.toTask({ TKIID: TKIID, STATE: 8, NAME: 'Approve order', PRIORITY: 3, OWNER: 'maria', DUE: '2025-09-05T17:00:00Z' }, opts);
    expect(task).toMatchObject({ id: TKIID, status: 'claimed', vendorStatus: '8', name: 'Approve order', priority: 3, assignee: 'maria', dueAt: '2025-09-05T17:00:00.000Z' });
    expect(ibmBpm.toTask({ TKIID: TKIID, STATE: 'STATE_READY', SUSPENDED: 'true' }, opts).status).toBe('suspended');
  });

  test('STATE_SUSPENDED is suspended; suspended "true"/"false" strings are read as flags', () => {
    expect(ibmBpm.toTask({ tkiid: TKIID, state: 'STATE_SUSPENDED' }, opts)).toMatchObject({ status: 'suspended', vendorStatus: 'STATE_SUSPENDED', allowedActions: ['resume', 'terminate', 'update', 'escalate', 'custom'] });
    expect(ibmBpm.toTask({ tkiid: TKIID, state: 'STATE_CLAIMED', suspended: 'true' }, opts).status).toBe('suspended');
    expect(ibmBpm.toTask({ tkiid: TKIID, state: 'STATE_CLAIMED', suspended: 'false' }, opts).status).toBe('claimed');
    expect(ibmBpm.toTask({ tkiid: TKIID, state: 'STATE_BOGUS' }, opts)).toMatchObject({ status: 'unknown', vendorStatus: 'STATE_BOGUS' });
  });

  test('a list as {items}, {data: {items}}, {data: [...]} or a bare array; a get wrapped in {data}', () => {
    const item = { tkiid: TKIID, state: 'STATE_READY' };
    for (const body of [{ items: [item] }, { data: { items: [item] } }, { data: [item] }, [item], [{ TKIID: TKIID, STATE: 2 }]]) {
      expect(ibmBpm.parseTaskList(ok(body), opts).items.map((t) => [t.id, t.status])).toEqual([[TKIID, 'open']]);
    }
    expect(thrown(() => ibmBpm.parseTaskList(ok({ tasks: [item] }), opts))).toMatchObject({ code: 'BACKEND_ERROR' });
    expect(ibmBpm.parseTask(ok({ status: '200', data: item }), TKIID, opts)).toMatchObject({ id: TKIID, status: 'open' });
  });
});
