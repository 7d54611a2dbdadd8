// SecMaster with IAM password auth, end to end against the emulator: token fetched once, refreshed after APIG.0301, never shown.
import type { SecMasterEmulator } from '../../adapters/huawei-secmaster/emulator';
import { SECMASTER_EMULATOR_DEFAULTS } from '../../adapters/huawei-secmaster/emulator';
import { startStack, type Stack } from '../helpers/stack';

const TASK = '5b1f3a52-7cca-11f0-9216-fa163e209978';
const { iam } = SECMASTER_EMULATOR_DEFAULTS;

describe('secmaster with auth.type iam-password', () => {
  let stack: Stack;
  let emulator: SecMasterEmulator;
  const iamCalls = () => emulator.calls.filter((c) => c.path.startsWith('/v3/auth/tokens')).length;

  beforeAll(async () => {
    stack = await startStack((config) => {
      const backend = config.backends.secmaster;
      backend.auth = { type: 'iam-password', iamUrl: new URL(backend.baseUrl).origin, domain: iam.domain, username: iam.username, password: iam.password, project: iam.project };
    });
    emulator = stack.emulators.secmaster as SecMasterEmulator;
  });
  afterAll(() => stack.close());

  test('concurrent first requests share one token fetch; later ones reuse the cached token', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => stack.request('GET', `/v1/backends/secmaster/tasks/${TASK}`)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(iamCalls()).toBe(1);
    expect((await stack.request('GET', '/v1/backends/secmaster/tasks?limit=1')).status).toBe(200);
    expect(iamCalls()).toBe(1);
  });

  test('a token the vendor calls expired (401 APIG.0301) is refreshed once and the request sent again', async () => {
    emulator.expireTokens();
    const before = emulator.calls.length;
    const res = await stack.request('POST', `/v1/backends/secmaster/tasks/${TASK}/actions`, { body: { action: 'add_comment', comment: 'after expiry' } });
    expect(res.status).toBe(200);
    expect(res.body.result).toBe('applied');
    expect(iamCalls()).toBe(2);
    // the refused PUT, the token fetch, the PUT that worked
    expect(emulator.calls.slice(before).map((c) => c.method)).toEqual(['PUT', 'POST', 'PUT']);
  });

  test('dry-run shows the token header as *** and fetches nothing', async () => {
    const calls = emulator.calls.length;
    const res = await stack.request('POST', `/v1/backends/secmaster/tasks/${TASK}/actions?dryRun=true`, { body: { action: 'add_comment', comment: 'x' } });
    expect(res.status).toBe(200);
    expect(res.body.vendorRequests[0].headers['X-Auth-Token']).toBe('***');
    expect(emulator.calls.length).toBe(calls);
  });

  test('neither the password nor any fetched token appears in an answer or a log line', async () => {
    const text = stack.logs.join('\n');
    expect(text).not.toContain(iam.password);
    expect(text).not.toMatch(/MII[A-Za-z0-9_-]{20,}/);
  });
});
