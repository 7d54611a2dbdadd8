// The SecMaster emulator's AK/SK check: a signature over another body, an old X-Sdk-Date or another key is refused.
import { createAkskAuth } from '../../../adapters/huawei-secmaster/auth';
import { createSecMasterEmulator, SECMASTER_EMULATOR_DEFAULTS as D } from '../../../adapters/huawei-secmaster/emulator';
import { listen, type RunningEmulator } from '../../../src/emulators/emulator';

const PATH = `/v1/${D.projectId}/workspaces/${D.workspaceId}/soc/tasks/3e4c170e-7cc9-11f0-9216-fa163e209978`;
const PAIR = { accessKey: 'AK-EMU', secretKey: 'sk-emu-secret' };
let emu: RunningEmulator;

beforeEach(async () => {
  emu = await listen(createSecMasterEmulator({ aksk: PAIR }));
});
afterEach(() => emu.close());

/** Signs `signedBody` with the given auth, then sends `sentBody` under that signature. */
async function send(signedBody: string, sentBody = signedBody, auth = createAkskAuth({ type: 'aksk', ...PAIR })) {
  const headers = { 'Content-Type': 'application/json;charset=UTF-8' };
  const url = emu.url + PATH;
  const signed = await auth.headers({ method: 'PUT', url, headers, body: signedBody });
  const res = await fetch(url, { method: 'PUT', headers: { ...headers, ...signed }, body: sentBody });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('a valid signature is accepted', async () => {
  expect((await send('{"action":"ADD_COMMENT","comment":"signed"}')).status).toBe(200);
});

test('a body changed after signing is refused with 401 APIG.0301', async () => {
  const res = await send('{"action":"ADD_COMMENT","comment":"signed"}', '{"action":"CONTINUE"}');
  expect(res).toMatchObject({ status: 401, body: { error_code: 'APIG.0301', error_msg: expect.stringContaining('verify aksk signature fail') } });
});

test('a signature older than 15 minutes, or by another key, is refused', async () => {
  const old = createAkskAuth({ type: 'aksk', ...PAIR }, () => Date.now() - 16 * 60_000);
  expect((await send('{"action":"CONTINUE"}', undefined, old)).status).toBe(401);
  const other = createAkskAuth({ type: 'aksk', accessKey: PAIR.accessKey, secretKey: 'another-secret' });
  expect((await send('{"action":"CONTINUE"}', undefined, other)).status).toBe(401);
});
