// `npm run bench`: what taskgate costs next to one bare proxy hop, measured in one run on this machine.
// Processes: this one drives the load (autocannon and an open-loop generator); a "vendor" child runs the
// stub vendor and the pass-through proxy; a "gateway" child runs taskgate with its full default pipeline.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { ADAPTERS } from '../adapters';
import { parseConfig } from '../src/config/load';
import { startGateway } from '../src/server';
import { createLogger } from '../src/log';
import { startPassThrough } from './pass-through';
import { BENCH_PROJECT, BENCH_TASK, BENCH_WORKSPACE, K2_PATH, SECMASTER_PATH, startStubVendor } from './stub-vendor';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const OPEN_LOOP_RATE = 1000;
const IN_FLIGHT = 2000;
const KEY = 'bench-key-12345';

type Ports = { stub: number; slowStub: number; proxy: number; gateway: number };

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

// ---- children ------------------------------------------------------------------------------------

async function vendorChild(ports: Ports): Promise<void> {
  await startStubVendor(ports.stub);
  await startStubVendor(ports.slowStub, 200);
  await startPassThrough(ports.proxy, { host: '127.0.0.1', port: ports.stub });
}

async function gatewayChild(ports: Ports): Promise<void> {
  const stub = `http://127.0.0.1:${ports.stub}`;
  const secmaster = (baseUrl: string) => ({
    vendor: 'huawei-secmaster', baseUrl, projectId: BENCH_PROJECT, workspaceId: BENCH_WORKSPACE,
    auth: { type: 'token', token: 'bench-vendor-token' }, timeoutMs: 10_000,
  });
  const backends: Record<string, unknown> = {
    secmaster: secmaster(stub),
    'secmaster-slow': secmaster(`http://127.0.0.1:${ports.slowStub}`),
  };
  if (ADAPTERS.k2) {
    backends.k2 = { vendor: 'k2', baseUrl: `${stub}/K2Services/SyncREST.svc`, auth: { type: 'basic', username: 'bench', password: 'bench-pass' } };
  }
  const config = parseConfig({ server: { port: ports.gateway }, auth: { apiKeys: [{ name: 'bench', key: KEY }] }, backends }, {});
  // The default pipeline, logging included: JSON lines to stdout (this child's stdout goes to /dev/null).
  await startGateway(config, createLogger(config.log.level));
}

// ---- measurements --------------------------------------------------------------------------------

interface Row { name: string; rps: number; p50: number; p99: number; errors: number }

async function cannon(name: string, url: string, init: { method: 'POST' | 'PUT'; headers: Record<string, string>; body: string }): Promise<Row> {
  const options = { url, connections: CONNECTIONS, method: init.method, headers: init.headers, body: init.body };
  await autocannon({ ...options, duration: WARMUP });
  const result = await autocannon({ ...options, duration: DURATION });
  return {
    name,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** Open loop: requests leave on schedule whether or not earlier ones came back; latency counts from the schedule. */
async function openLoop(url: URL, init: { method: string; headers: Record<string, string>; body: string }, seconds: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const total = OPEN_LOOP_RATE * seconds;
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const sent: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / OPEN_LOOP_RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    sent.push(
      new Promise<void>((resolve) => {
        const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: init.method, headers: init.headers, agent }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) errors++;
            latencies.push(performance.now() - due);
            resolve();
          });
        });
        req.on('error', () => {
          errors++;
          resolve();
        });
        req.end(init.body);
      }),
    );
  }
  await Promise.all(sent);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), errors, requests: total };
}

/** Fires IN_FLIGHT requests at once against a vendor that answers after 200 ms; samples the gateway's RSS. */
async function inFlight(gateway: ChildProcess, url: string, init: { headers: Record<string, string>; body: string }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  let maxRss = 0;
  const sample = (message: unknown) => {
    const m = message as { rss?: number };
    if (m.rss) maxRss = Math.max(maxRss, m.rss);
  };
  gateway.on('message', sample);
  const timer = setInterval(() => gateway.send('rss'), 25);
  const target = new URL(url);
  let ok = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, () =>
      new Promise<void>((resolve) => {
        const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: init.headers, agent }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) ok++;
            else failed++;
            resolve();
          });
        });
        req.on('error', () => {
          failed++;
          resolve();
        });
        req.end(init.body);
      }),
    ),
  );
  clearInterval(timer);
  gateway.send('rss');
  await new Promise((r) => setTimeout(r, 100));
  gateway.off('message', sample);
  agent.destroy();
  return { inFlight: IN_FLIGHT, ok, failed, maxRssMb: round(maxRss / 1024 / 1024) };
}

const round = (n: number) => Math.round(n * 100) / 100;

function startChild(role: string, ports: Ports): Promise<ChildProcess> {
  const child = fork(__filename, ['child', role, JSON.stringify(ports)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => (m === 'ready' ? resolve(child) : reject(new Error(String(m)))));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const ports: Ports = { stub: await freePort(), slowStub: await freePort(), proxy: await freePort(), gateway: await freePort() };
  const vendor = await startChild('vendor', ports);
  const gateway = await startChild('gateway', ports);
  const at = (port: number, p: string) => `http://127.0.0.1:${port}${p}`;
  const json = { 'Content-Type': 'application/json' };
  const vendorPut = { method: 'PUT' as const, headers: { 'Content-Type': 'application/json;charset=UTF-8', 'X-Auth-Token': 'bench-vendor-token' }, body: '{"action":"CONTINUE"}' };
  const k2Post = { method: 'POST' as const, headers: { 'Content-Type': 'application/xml' }, body: '<t:UpdateTask xmlns:t="http://schemas.k2.com/task/d1" Action="a:Approve"><t:Task SerialNumber="2_24"/></t:UpdateTask>' };
  const approve = { method: 'POST' as const, headers: { ...json, 'X-API-Key': KEY }, body: '{"action":"approve"}' };
  const actionPath = (backend: string, task: string) => `/v1/backends/${backend}/tasks/${task}/actions`;

  console.log(`taskgate benchmark: Node ${process.version}, ${os.cpus().length} cores, ${CONNECTIONS} connections, ${DURATION} s per run after ${WARMUP} s warm-up`);
  const routes: Record<string, Row[]> = {
    secmaster: [
      await cannon('stub direct', at(ports.stub, SECMASTER_PATH), vendorPut),
      await cannon('pass-through', at(ports.proxy, SECMASTER_PATH), vendorPut),
      await cannon('taskgate', at(ports.gateway, actionPath('secmaster', BENCH_TASK)), approve),
    ],
  };
  if (ADAPTERS.k2) {
    routes.k2 = [
      await cannon('stub direct', at(ports.stub, K2_PATH), k2Post),
      await cannon('pass-through', at(ports.proxy, K2_PATH), k2Post),
      await cannon('taskgate', at(ports.gateway, actionPath('k2', '2_24')), approve),
    ];
  }
  const openDirect = await openLoop(new URL(at(ports.stub, SECMASTER_PATH)), vendorPut, DURATION);
  const openGateway = await openLoop(new URL(at(ports.gateway, actionPath('secmaster', BENCH_TASK))), approve, DURATION);
  const memory = await inFlight(gateway, at(ports.gateway, actionPath('secmaster-slow', BENCH_TASK)), approve);

  const summary = Object.fromEntries(
    Object.entries(routes).map(([route, [direct, proxy, tg]]) => [route, {
      rows: [direct, proxy, tg],
      ratioToPassThrough: round(tg.rps / proxy.rps),
      addedP50Ms: round(tg.p50 - direct.p50),
      addedP99Ms: round(tg.p99 - direct.p99),
    }]),
  );
  const results = {
    node: process.version, cores: os.cpus().length, connections: CONNECTIONS, durationSeconds: DURATION, date: new Date().toISOString(),
    routes: summary,
    openLoop: { rate: OPEN_LOOP_RATE, direct: openDirect, taskgate: openGateway, addedP99Ms: round(openGateway.p99 - openDirect.p99) },
    memory,
  };

  for (const [route, s] of Object.entries(summary)) {
    console.log(`\n${route} route`);
    console.table(s.rows.map((r) => ({ target: r.name, 'req/s': r.rps, 'p50 ms': r.p50, 'p99 ms': r.p99, errors: r.errors })));
    console.log(`taskgate / pass-through: ${(s.ratioToPassThrough * 100).toFixed(1)}%   added latency over the stub: p50 ${s.addedP50Ms} ms, p99 ${s.addedP99Ms} ms`);
  }
  console.log(`\nopen loop at ${OPEN_LOOP_RATE} req/s for ${DURATION} s: stub p99 ${openDirect.p99} ms, taskgate p99 ${openGateway.p99} ms (added ${results.openLoop.addedP99Ms} ms), errors ${openGateway.errors}`);
  console.log(`${IN_FLIGHT} in flight against a 200 ms vendor: ${memory.ok} ok, ${memory.failed} failed, gateway RSS max ${memory.maxRssMb} MB`);
  const file = path.join(__dirname, '../../bench/results.json');
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwritten: bench/results.json`);
  vendor.kill();
  gateway.kill();
}

if (process.argv[2] === 'child') {
  const role = process.argv[3];
  const ports = JSON.parse(process.argv[4]) as Ports;
  (role === 'vendor' ? vendorChild(ports) : gatewayChild(ports)).then(
    () => {
      process.on('message', (m) => m === 'rss' && process.send?.({ rss: process.memoryUsage().rss }));
      process.send?.('ready');
    },
    (error: unknown) => process.send?.(String(error)),
  );
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
