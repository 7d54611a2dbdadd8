// `taskgate mcp` over stdio (contract section 11): the built command spawned by the SDK's own StdioClientTransport
// against the sandbox's emulators, as one configured key; stdout carries protocol messages only, logs go to stderr.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { SECMASTER_TASK, SECMASTER_TASK_2 } from '../helpers/gated';
import { startStack, type Stack } from '../helpers/stack';

const root = path.join(__dirname, '../..');
const bin = path.join(root, 'bin/taskgate.js');
const built = fs.existsSync(path.join(root, 'dist/src/mcp/stdio.js'));
const suite = built ? describe : describe.skip;
if (!built) console.warn('SKIPPED: the stdio MCP tests need `npm run build` first (npm test runs it)');

type Result = { content: { type: string; text: string }[]; structuredContent?: any; isError?: boolean; _meta?: Record<string, unknown> };

/** The stack's config (its emulators' ports) as a file for the spawned command, with a store and a sync of its own. */
function configFile(stack: Stack): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-mcp-stdio-'));
  const file = path.join(dir, 'config.json');
  // Its index synced by itself (the stack's helper turns the interval off): the first cycle of each backend at start.
  const sync = { ...stack.config.sync, intervalMs: 60_000 };
  fs.writeFileSync(file, JSON.stringify({ ...stack.config, sync, store: { type: 'sqlite', path: path.join(dir, 'taskgate.db') } }));
  return file;
}

suite('MCP over stdio', () => {
  let stack: Stack;
  let file: string;
  beforeAll(async () => {
    stack = await startStack();
    file = configFile(stack);
  });
  afterAll(() => stack.close());

  async function connect(keyName: string) {
    const transport = new StdioClientTransport({ command: process.execPath, args: [bin, 'mcp', '--config', file, '--key-name', keyName], stderr: 'pipe' });
    const stderr: string[] = [];
    transport.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
    // A line on stdout that is not a protocol message would surface here.
    const errors: Error[] = [];
    const client = new Client({ name: 'taskgate-stdio-test', version: '1.0.0' });
    await client.connect(transport);
    transport.onerror = (error) => errors.push(error);
    await client.listTools();
    return { client, stderr, errors };
  }

  test('the tools as the configured key, stdout protocol only, logs on stderr', async () => {
    const { client, stderr, errors } = await connect('sandbox');
    const answers: string[] = [];
    const call = async (name: string, args: Record<string, unknown> = {}) => {
      const result = (await client.callTool({ name, arguments: args })) as Result;
      answers.push(JSON.stringify(result));
      return result;
    };
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['describe_backend', 'get_task', 'list_backends', 'perform_action', 'search_tasks']);
      expect(tools.find((t) => t.name === 'perform_action')!.annotations).toMatchObject({ destructiveHint: true });

      // The process syncs its own index as a gateway instance does: the inbox fills once each backend's first cycle is in.
      let inbox = await call('search_tasks', { backend: 'secmaster' });
      while (inbox.structuredContent.backends[0].status !== 'ok') {
        await new Promise((resolve) => setTimeout(resolve, 100));
        inbox = await call('search_tasks', { backend: 'secmaster' });
      }
      expect(inbox.structuredContent.items.map((t: any) => t.id)).toEqual(expect.arrayContaining([SECMASTER_TASK, SECMASTER_TASK_2]));

      const backends = await call('list_backends');
      expect(backends.structuredContent).toEqual((await stack.request('GET', '/v1/backends')).body);

      const manifest = await call('describe_backend', { backend: 'k2' });
      expect(manifest.structuredContent).toEqual((await stack.request('GET', '/v1/backends/k2')).body);

      const task = await call('get_task', { backend: 'secmaster', taskId: SECMASTER_TASK_2 });
      expect(task.structuredContent).toMatchObject({ id: SECMASTER_TASK_2, backend: 'secmaster' });

      const dry = await call('perform_action', { backend: 'secmaster', taskId: SECMASTER_TASK, action: 'approve', comment: 'ok', dryRun: true });
      expect(dry.structuredContent.dryRun).toBe(true);

      const applied = await call('perform_action', { backend: 'secmaster', taskId: SECMASTER_TASK, action: 'approve', idempotencyKey: 'stdio-1' });
      expect(applied.structuredContent).toMatchObject({ action: 'approve', result: 'applied' });
      const replay = await call('perform_action', { backend: 'secmaster', taskId: SECMASTER_TASK, action: 'approve', idempotencyKey: 'stdio-1' });
      expect(replay.structuredContent).toEqual(applied.structuredContent);
      expect(replay._meta).toEqual({ 'taskgate.dev/idempotentReplayed': true });

      const refused = await call('perform_action', { backend: 'secmaster', taskId: SECMASTER_TASK, action: 'approve' });
      expect(refused.isError).toBe(true);
      expect(refused.structuredContent).toMatchObject({ code: 'BACKEND_REJECTED', status: 422 });
    } finally {
      await client.close();
    }
    expect(errors).toEqual([]);
    const logs = stderr.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { message: string; keyName?: string });
    expect(logs).toContainEqual(expect.objectContaining({ message: 'mcp over stdio: serving', keyName: 'sandbox' }));
    const secrets = [...stack.config.auth.apiKeys.map((k) => k.key), 'sandbox-secmaster-token', 'sandbox-ibm-password', 'welcome1', 'K2-sandbox-pass'];
    for (const text of [...answers, stderr.join('')]) for (const secret of secrets) expect(text).not.toContain(secret);
  });

  test('a key limited to one backend, over stdio too', async () => {
    const { client } = await connect('soc-bot');
    try {
      const listed = (await client.callTool({ name: 'list_backends', arguments: {} })) as Result;
      expect(listed.structuredContent.items.map((b: any) => b.name)).toEqual(['secmaster']);
      const refused = (await client.callTool({ name: 'perform_action', arguments: { backend: 'ibm', taskId: '1', action: 'claim' } })) as Result;
      expect(refused.isError).toBe(true);
      expect(refused.structuredContent).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    } finally {
      await client.close();
    }
  });

  test('an unknown key name, or none, is a startup failure on stderr with exit status 2 and nothing on stdout', () => {
    const unknown = spawnSync(process.execPath, [bin, 'mcp', '--config', file, '--key-name', 'nobody'], { encoding: 'utf8', timeout: 15000, input: '' });
    expect(unknown.status).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain("no API key is named 'nobody'");
    expect(unknown.stderr).not.toContain('sandbox-key-123');

    const none = spawnSync(process.execPath, [bin, 'mcp', '--config', file], { encoding: 'utf8', timeout: 15000, input: '' });
    expect(none.status).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('--key-name');
  });
});
