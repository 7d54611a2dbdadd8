// What every vendor emulator provides, and how one is served on loopback.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Emulator {
  readonly vendor: string;
  /** The request handler (an Express app). */
  readonly handler: http.RequestListener;
  /** Vendor calls received so far, for tests that count them (e.g. "no second vendor call"). */
  readonly calls: { method: string; path: string }[];
}

export interface RunningEmulator {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

export async function listen(emulator: Emulator, port = 0, host = '127.0.0.1'): Promise<RunningEmulator> {
  const server = http.createServer(emulator.handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
