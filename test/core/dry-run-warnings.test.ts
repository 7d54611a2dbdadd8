// Dry-run answers carry the warnings the live action would give (contract section 4), and send nothing.
import { gatewayFor } from '../helpers/gateway';
import { useVendorMock } from '../helpers/vendor-mock';

useVendorMock();

const k2 = { vendor: 'k2', baseUrl: 'https://k2.gateway.test/K2Services/SyncREST.svc', auth: { type: 'basic', username: 'u', password: 'p' }, timeoutMs: 2000 };

test('a comment K2 cannot carry is a warning of the dry-run too', () => {
  const answer = gatewayFor('k', k2).dryRun({ backend: 'k', taskId: '2_24', action: 'approve', comment: 'fine' });
  expect(answer.warnings).toEqual(['K2 task updates have no comment field: `comment` was not sent']);
  expect(answer.vendorRequests).toHaveLength(1);
});

test('a dry-run the vendor can carry in full has no warnings', () => {
  expect(gatewayFor('k', k2).dryRun({ backend: 'k', taskId: '2_24', action: 'approve' }).warnings).toEqual([]);
});
