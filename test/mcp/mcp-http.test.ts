// MCP over Streamable HTTP (contract section 11), with the SDK's own client against the sandbox's four emulators:
// every tool, refusals as isError problems, dry-run, Idempotency-Key replay, a key's backend scope, the audit's via.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SECMASTER_TASK, SECMASTER_TASK_2 } from '../helpers/gated';
import { SANDBOX_KEY } from '../helpers/stack';
import { startMcpStack, type McpStack } from './mcp-stack';

const SOC_BOT_KEY = 'soc-bot-key-456';
const LIMITED_KEY = 'limited-key-789';

type Result = { content: { type: string; text: string }[]; structuredContent?: any; isError?: boolean; _meta?: Record<string, unknown> };

describe('MCP over HTTP', () => {
  let mcp: McpStack;
  let client: Client;
  /** Every tool answer of the run, for the check that no credential is ever in one. */
  const answers: string[] = [];
  const call = async (c: Client, name: string, args: Record<string, unknown> = {}): Promise<Result> => {
    const result = (await c.callTool({ name, arguments: args })) as Result;
    answers.push(JSON.stringify(result));
    return result;
  };

  beforeAll(async () => {
    mcp = await startMcpStack((config) => {
      config.auth.apiKeys.push({ name: 'limited', key: LIMITED_KEY, backends: ['*'], scopes: [], rateLimit: { perMinute: 2 } });
    });
    client = await mcp.connect(SANDBOX_KEY);
  });
  afterAll(() => mcp.close());

  test('tools/list: five tools, each with input and output schemas; perform_action destructive, the others read-only', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['describe_backend', 'get_task', 'list_backends', 'perform_action', 'search_tasks']);
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
      expect(tool.description).toEqual(expect.any(String));
      if (tool.name === 'perform_action') expect(tool.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
      else expect(tool.annotations).toMatchObject({ readOnlyHint: true });
    }
    const perform = tools.find((t) => t.name === 'perform_action')!;
    expect(perform.inputSchema.required).toEqual(['backend', 'taskId', 'action']);
    expect(Object.keys(perform.inputSchema.properties!)).toEqual(expect.arrayContaining(['action', 'comment', 'to', 'outcome', 'dryRun', 'idempotencyKey']));
  });

  test('list_backends answers what GET /v1/backends answers, with a short text', async () => {
    const result = await call(client, 'list_backends');
    const rest = await mcp.rest('GET', '/v1/backends', SANDBOX_KEY);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual(rest.body);
    expect(result.structuredContent.items.map((b: any) => b.name).sort()).toEqual(['ibm', 'k2', 'oracle', 'secmaster']);
    expect(result.content[0]!.text).toMatch(/^4 backend\(s\):\n- secmaster \(huawei-secmaster\): /);
    expect(JSON.parse(result.content[1]!.text)).toEqual(result.structuredContent);
  });

  test('describe_backend answers the capability manifest', async () => {
    const result = await call(client, 'describe_backend', { backend: 'oracle' });
    expect(result.structuredContent).toEqual((await mcp.rest('GET', '/v1/backends/oracle', SANDBOX_KEY)).body);
    expect(result.structuredContent.actions.approve).toEqual({ supported: true, vendorAction: 'APPROVE' });
    expect(result.content[0]!.text).toMatch(/^oracle \(oracle-bpm\) supports \d+ action\(s\): .*approve \(APPROVE\)/);
  });

  test('get_task answers one canonical task, as GET /v1/backends/{backend}/tasks/{taskId} does', async () => {
    const result = await call(client, 'get_task', { backend: 'secmaster', taskId: SECMASTER_TASK_2 });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual((await mcp.rest('GET', `/v1/backends/secmaster/tasks/${SECMASTER_TASK_2}`, SANDBOX_KEY)).body);
    expect(result.structuredContent).toMatchObject({ id: SECMASTER_TASK_2, backend: 'secmaster', vendor: 'huawei-secmaster' });
    expect(result.structuredContent.raw).toBeUndefined();
    expect(result.content[0]!.text).toContain(`secmaster/${SECMASTER_TASK_2}`);
  });

  test('search_tasks answers the inbox, as GET /v1/tasks does, with its filters and cursor', async () => {
    const all = await call(client, 'search_tasks', {});
    expect(all.isError).toBeFalsy();
    expect(all.structuredContent).toEqual((await mcp.rest('GET', '/v1/tasks', SANDBOX_KEY)).body);
    expect(new Set(all.structuredContent.items.map((t: any) => t.backend))).toEqual(new Set(['secmaster', 'ibm', 'oracle', 'k2']));
    expect(all.structuredContent.backends.map((b: any) => [b.name, b.status]).sort()).toEqual([['ibm', 'ok'], ['k2', 'ok'], ['oracle', 'ok'], ['secmaster', 'ok']]);
    expect(all.content[0]!.text).toMatch(/^\d+ task\(s\)/);

    const some = await call(client, 'search_tasks', { backend: 'secmaster,oracle', status: 'open', limit: 1 });
    expect(some.structuredContent).toEqual((await mcp.rest('GET', '/v1/tasks?backend=secmaster,oracle&status=open&limit=1', SANDBOX_KEY)).body);
    expect(some.structuredContent.items).toHaveLength(1);
    expect(['secmaster', 'oracle']).toContain(some.structuredContent.items[0].backend);
    expect(some.structuredContent.items[0].status).toBe('open');
    expect(some.structuredContent.nextCursor).toEqual(expect.any(String));
    const next = await call(client, 'search_tasks', { backend: 'secmaster,oracle', status: 'open', limit: 1, cursor: some.structuredContent.nextCursor });
    expect(next.structuredContent.items[0]).not.toEqual(some.structuredContent.items[0]);
    const otherQuery = await call(client, 'search_tasks', { backend: 'secmaster', status: 'open', limit: 1, cursor: some.structuredContent.nextCursor });
    expect(otherQuery.structuredContent).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  });

  test('a refusal is a tool result with isError holding the problem, never a protocol error', async () => {
    const unknown = await call(client, 'get_task', { backend: 'nowhere', taskId: '1' });
    expect(unknown.isError).toBe(true);
    expect(unknown.structuredContent).toMatchObject({ status: 404, code: 'BACKEND_NOT_FOUND', detail: expect.any(String), requestId: expect.any(String) });
    expect(unknown.content[0]!.text).toMatch(/^Refused: 404 BACKEND_NOT_FOUND: /);

    const unsupported = await call(client, 'perform_action', { backend: 'secmaster', taskId: SECMASTER_TASK, action: 'claim' });
    expect(unsupported.isError).toBe(true);
    expect(unsupported.structuredContent).toMatchObject({ status: 422, code: 'UNSUPPORTED_ACTION', backend: 'secmaster', action: 'claim', supportedActions: expect.arrayContaining(['approve']) });

    const extra = await call(client, 'perform_action', { backend: 'secmaster', taskId: SECMASTER_TASK, action: 'approve', bogus: 1 });
    expect(extra.structuredContent).toMatchObject({ status: 400, code: 'INVALID_REQUEST', errors: [{ path: 'bogus', message: "is not a parameter of 'approve'" }] });

    const badArgs = await call(client, 'get_task', { backend: 'secmaster' });
    expect(badArgs.structuredContent).toMatchObject({ status: 400, code: 'INVALID_REQUEST', errors: [{ path: 'taskId', message: expect.any(String) }] });

    const noTool = await call(client, 'delete_everything', {});
    expect(noTool.structuredContent).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  });

  test('dry-run: the vendor requests that would be sent, credentials masked, nothing sent, nothing audited', async () => {
    const emulator = mcp.stack.emulators.secmaster!;
    const before = emulator.calls.length;
    const result = await call(client, 'perform_action', { backend: 'secmaster', taskId: SECMASTER_TASK_2, action: 'add_comment', comment: 'looks fine', dryRun: true });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.dryRun).toBe(true);
    const [request] = result.structuredContent.vendorRequests;
    expect(['POST', 'PUT']).toContain(request.method);
    expect(request.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(JSON.parse(request.body)).toMatchObject({ action: 'ADD_COMMENT' });
    expect(Object.values(request.headers)).toContain('***');
    expect(result.content[0]!.text).toMatch(/^Dry run of add_comment on secmaster\/.*nothing sent/);
    expect(emulator.calls.length).toBe(before);
  });

  test('perform_action goes through the action service: applied, audited with via mcp and the HTTP request id', async () => {
    const tagged = await mcp.connect(SANDBOX_KEY, { header: 'x-api-key', headers: { 'X-Request-Id': 'mcp-req-1', 'X-On-Behalf-Of': 'alice@example.com' } });
    const result = await call(tagged, 'perform_action', { backend: 'secmaster', taskId: SECMASTER_TASK, action: 'approve', comment: 'Verified by the agent' });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ backend: 'secmaster', taskId: SECMASTER_TASK, action: 'approve', result: 'applied', warnings: [] });
    expect(result.content[0]!.text).toMatch(new RegExp(`^approve on secmaster/${SECMASTER_TASK}: applied\\.`));

    const again = await call(tagged, 'perform_action', { backend: 'secmaster', taskId: SECMASTER_TASK, action: 'approve' });
    expect(again.isError).toBe(true);
    expect(again.structuredContent).toMatchObject({ code: 'BACKEND_REJECTED', status: 422, vendor: { status: 400 } });

    // The records as the action service wrote them, and the trail as GET /v1/audit reads it back.
    const written = mcp.recorded.filter((r) => r.taskId === SECMASTER_TASK && r.action === 'approve').map((r) => [r.via, r.result ?? r.errorCode]);
    expect(written).toEqual(expect.arrayContaining([['mcp', 'applied'], ['mcp', 'BACKEND_REJECTED']]));
    const audit = await mcp.rest('GET', `/v1/audit?taskId=${SECMASTER_TASK}`, SANDBOX_KEY);
    expect(audit.body.items.find((i: any) => i.result === 'applied')).toMatchObject({
      requestId: 'mcp-req-1', keyName: 'sandbox', onBehalfOf: 'alice@example.com', backend: 'secmaster', action: 'approve',
      parameters: { comment: 'Verified by the agent' }, via: 'mcp',
    });
    expect(audit.body.items.filter((i: any) => i.action === 'approve').map((i: any) => [i.via, i.result ?? i.errorCode])).toEqual(
      expect.arrayContaining([['mcp', 'applied'], ['mcp', 'BACKEND_REJECTED']]));
  });

  test('idempotencyKey: the same call replays the first answer without a vendor call; another body is refused', async () => {
    const emulator = mcp.stack.emulators.secmaster!;
    const args = { backend: 'secmaster', taskId: SECMASTER_TASK_2, action: 'add_comment', comment: 'once only', idempotencyKey: 'agent-run-42' };
    const first = await call(client, 'perform_action', args);
    expect(first.structuredContent.result).toBe('applied');
    expect(first._meta?.['taskgate.dev/idempotentReplayed']).toBeUndefined();
    const sent = emulator.calls.length;

    const replay = await call(client, 'perform_action', args);
    expect(replay.isError).toBeFalsy();
    expect(replay.structuredContent).toEqual(first.structuredContent);
    expect(replay._meta).toEqual({ 'taskgate.dev/idempotentReplayed': true });
    expect(replay.content[0]!.text).toContain('replayed');
    expect(emulator.calls.length).toBe(sent);

    const reused = await call(client, 'perform_action', { ...args, comment: 'another comment' });
    expect(reused.isError).toBe(true);
    expect(reused.structuredContent).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
    expect(emulator.calls.length).toBe(sent);

    expect(mcp.recorded.filter((r) => r.parameters.comment === 'once only').map((r) => [r.via, r.replayed ?? false])).toEqual([['mcp', false], ['mcp', true]]);
    const audit = await mcp.rest('GET', `/v1/audit?taskId=${SECMASTER_TASK_2}`, SANDBOX_KEY);
    expect(audit.body.items.filter((i: any) => i.parameters.comment === 'once only').map((i: any) => [i.via, i.replayed ?? false])).toEqual([['mcp', true], ['mcp', false]]);
  });

  test('a key limited to one backend sees and acts on that backend only', async () => {
    const bot = await mcp.connect(SOC_BOT_KEY);
    const listed = await call(bot, 'list_backends');
    expect(listed.structuredContent.items.map((b: any) => b.name)).toEqual(['secmaster']);

    const inbox = await call(bot, 'search_tasks', {});
    expect(inbox.structuredContent.items.length).toBeGreaterThan(0);
    expect(new Set(inbox.structuredContent.items.map((t: any) => t.backend))).toEqual(new Set(['secmaster']));

    for (const [tool, args] of [
      ['describe_backend', { backend: 'oracle' }],
      ['get_task', { backend: 'ibm', taskId: '1' }],
      ['get_task', { backend: 'no-such-backend', taskId: '1' }],
      ['search_tasks', { backend: 'secmaster,k2' }],
      ['perform_action', { backend: 'oracle', taskId: '1', action: 'approve' }],
      ['perform_action', { backend: 'oracle', taskId: '1', action: 'approve', dryRun: true }],
    ] as const) {
      const refused = await call(bot, tool, args);
      expect(refused.isError).toBe(true);
      expect(refused.structuredContent).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    }
    const own = await call(bot, 'get_task', { backend: 'secmaster', taskId: SECMASTER_TASK_2 });
    expect(own.isError).toBeFalsy();
  });

  test('the rate limit: one token per tool call, then RATE_LIMITED with retryAfter', async () => {
    const limited = await mcp.connect(LIMITED_KEY);
    await limited.listTools(); // protocol messages take no token
    expect((await call(limited, 'list_backends')).isError).toBeFalsy();
    expect((await call(limited, 'describe_backend', { backend: 'k2' })).isError).toBeFalsy();
    const refused = await call(limited, 'list_backends');
    expect(refused.isError).toBe(true);
    expect(refused.structuredContent).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(refused.content[0]!.text).toMatch(/retry after \d+ s/);
  });

  test('no key, an unknown key: 401 problem+json before anything is read; GET and DELETE are 405', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
    for (const extra of [{}, { Authorization: 'Bearer not-a-key' }]) {
      const res = await fetch(`${mcp.url}/mcp`, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(init) });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    }
    await expect(mcp.connect('not-a-key')).rejects.toThrow();
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${mcp.url}/mcp`, { method, headers: { 'X-API-Key': SANDBOX_KEY } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(await res.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    }
  });

  test('no credential in any answer', async () => {
    // Every answer of this suite so far, refusals and the dry-run included.
    expect(answers.length).toBeGreaterThan(25);
    const secrets = [
      ...mcp.stack.config.auth.apiKeys.map((k) => k.key),
      'sandbox-secmaster-token', 'sandbox-ibm-password', 'welcome1', 'K2-sandbox-pass',
    ];
    for (const answer of answers) for (const secret of secrets) expect(answer).not.toContain(secret);
  });
});
