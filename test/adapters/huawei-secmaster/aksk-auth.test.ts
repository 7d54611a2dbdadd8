// AK/SK request signing (SDK-HMAC-SHA256) against a vector computed independently from the documented algorithm.
import { createAkskAuth } from '../../../adapters/huawei-secmaster/auth';
import { gatewayFor } from '../../helpers/gateway';
import { useVendorMock } from '../../helpers/vendor-mock';

useVendorMock();

// 2025-08-19T06:53:42Z; the expected signature was computed with Python's hashlib/hmac over the canonical request
// PUT \n /v1/p1/workspaces/w1/soc/tasks/t%201/ \n a=1&b=x%20y \n content-type, host, x-sdk-date lines \n
// content-type;host;x-sdk-date \n sha256(body), signed with "SDK-HMAC-SHA256\n<date>\n<sha256 of it>".
const AT = Date.UTC(2025, 7, 19, 6, 53, 42);
const request = {
  method: 'PUT',
  url: 'https://secmaster.example.com/v1/p1/workspaces/w1/soc/tasks/t%201?b=x%20y&a=1',
  headers: { 'Content-Type': 'application/json;charset=UTF-8', Accept: 'application/json' },
  body: '{"action":"CONTINUE"}',
};

test('the signature, the signed headers and X-Sdk-Date follow the APIG signer', async () => {
  const headers = await createAkskAuth({ type: 'aksk', accessKey: 'AK-1', secretKey: 'sk-secret' }, () => AT).headers(request);
  expect(headers).toEqual({
    'X-Sdk-Date': '20250819T065342Z',
    Authorization: 'SDK-HMAC-SHA256 Access=AK-1, SignedHeaders=content-type;host;x-sdk-date, Signature=c7d4f0e20214a451e4fe524bfd5975dbd8a1206c6008486634b758242dc22e33',
  });
});

test('a temporary AK/SK sends and signs X-Security-Token; the secret key and token are credentials', async () => {
  const auth = createAkskAuth({ type: 'aksk', accessKey: 'AK-1', secretKey: 'sk-secret', securityToken: 'sec-token' }, () => AT);
  const headers = await auth.headers(request);
  expect(headers['X-Security-Token']).toBe('sec-token');
  expect(headers.Authorization).toMatch(/SignedHeaders=content-type;host;x-sdk-date;x-security-token, Signature=[0-9a-f]{64}$/);
  expect(auth.secretHeaders).toEqual(['Authorization', 'X-Security-Token']);
  expect(auth.secrets()).toEqual(['sk-secret', 'sec-token']);
});

test('dry-run shows the signature as *** and never the secret key', () => {
  const gateway = gatewayFor('s', {
    vendor: 'huawei-secmaster', baseUrl: 'https://secmaster.example.com', projectId: 'p1', workspaceId: 'w1', timeoutMs: 2000,
    auth: { type: 'aksk', accessKey: 'AK-1', secretKey: 'sk-secret-value' },
  });
  const answer = gateway.dryRun({ backend: 's', taskId: 't1', action: 'approve' });
  expect(answer.vendorRequests[0].headers.Authorization).toBe('***');
  expect(JSON.stringify(answer)).not.toContain('sk-secret-value');
});
