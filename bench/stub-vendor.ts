// A minimal vendor stand-in for the benchmark: answers like SecMaster (JSON envelope) and like K2 (empty 200).
import http from 'node:http';

export const BENCH_TASK = '3e4c170e-7cc9-11f0-9216-fa163e209978';
export const BENCH_PROJECT = 'p1';
export const BENCH_WORKSPACE = 'w1';
export const SECMASTER_PATH = `/v1/${BENCH_PROJECT}/workspaces/${BENCH_WORKSPACE}/soc/tasks/${BENCH_TASK}`;
export const K2_PATH = '/K2Services/SyncREST.svc/Task/Items/UpdateTask';

const SECMASTER_BODY = JSON.stringify({
  code: '00000000', message: '', request_id: '', success: true,
  data: {
    id: BENCH_TASK, name: 'bench task', create_time: '2025-08-19T14:53:42.424Z+0800', update_time: '2025-08-19T16:50:23.743Z+0800',
    due_date: '2025-09-03T14:53:42.398Z+0800', business_type: 'PLAYBOOKNODEAPPROVE', attachment_id_list: [], comments: [], status: 'finished',
  },
});

/** Starts the stub; every answer waits `delayMs` first (0: answer at once). */
export function startStubVendor(port: number, delayMs = 0): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = () => {
        if (req.url === K2_PATH) {
          res.writeHead(200, { 'Content-Length': '0' });
          return res.end();
        }
        res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(SECMASTER_BODY) });
        res.end(SECMASTER_BODY);
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
