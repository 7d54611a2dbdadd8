// `npm run bench`: what taskgate costs next to one bare proxy hop and next to the naive gateway a team would write,
// measured in one run on this machine.
// Processes: this one drives the load (autocannon and an open-loop generator); a "stub" child runs the stub
// vendor (fast and 200 ms slow), a "proxy" child the bare pass-through, a "naive" child the naive gateway
// (bench/naive-gateway.ts), and a "gateway" child taskgate with
// its full default pipeline: default config (SQLite audit store under its working directory, winston JSON
// lines on stdout, metrics, validation), its stdout going to a log file as a service manager would keep it.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import type autocannonType from 'autocannon';
import { ADAPTERS } from '../adapters';
import { parseConfig } from '../src/config/load';
import { startGateway, type RunningGateway } from '../src/server';
import { createLogger } from '../src/log';
import { DEFAULT_SQLITE_PATH } from '../src/store/open';
import { IndexService } from '../src/sync/index-service';
import { Metrics } from '../src/http/metrics';
import { launcherNodeFlags } from '../src/launch';
import { OpenLoop } from './open-loop';
import { eventFigures } from './events-figures';
import { INBOX_QUERIES, startInboxGateway } from './inbox-figures';
import { startNaiveGateway } from './naive-gateway';
import { startPassThrough } from './pass-through';
import { BENCH_PROJECT, BENCH_TASK, BENCH_WORKSPACE, K2_PATH, SECMASTER_PATH, startStubVendor } from './stub-vendor';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const OPEN_LOOP_RATE = Number(process.env.BENCH_RATE ?? 1000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 2000);
/** Closed loop: rounds of pass-through then taskgate, alternated; the median round's ratio is reported. */
const ROUNDS = Math.max(1, Number.parseInt(process.env.BENCH_ROUNDS ?? '3', 10) || 1);
/** Comma-separated parts to run (secmaster, k2, open, memory, inbox, events; ladder only when named); all six by default. */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'secmaster,k2,open,memory,inbox,events').split(',').map((s) => s.trim()));
/** Tasks in the index of the inbox figures, and PostgreSQL for its second run (skipped when unset or unreachable). */
const INBOX_TASKS = Number(process.env.BENCH_INBOX_TASKS ?? 100_000);
const INBOX_POSTGRES = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** A directory: the gateway child runs with --cpu-prof and writes its profile there on exit. */
const PROFILE_DIR = process.env.BENCH_PROFILE;
/** Extra node flags for the gateway child only (space-separated), to try a V8 setting; the launcher's own
 * flags (package.json's `start` script, src/launch.ts) always come first. */
const GATEWAY_ARGS = (process.env.BENCH_GATEWAY_ARGS ?? '').split(' ').filter(Boolean);
const KEY = 'bench-key-12345';

type Ports = { stub: number; slowStub: number; proxy: number; naive: number; gateway: number; inbox: number };
interface Probe { rss: number; heapUsed: number; external: number; arrayBuffers: number; connections: number; cpuUs: number; systemUs: number; elu: number; delayP99Ms: number; delayMaxMs: number }

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

// ---- children ------------------------------------------------------------------------------------

async function stubChild(ports: Ports): Promise<void> {
  await startStubVendor(ports.stub);
  await startStubVendor(ports.slowStub, 200);
}

async function proxyChild(ports: Ports): Promise<void> {
  await startPassThrough(ports.proxy, { host: '127.0.0.1', port: ports.stub });
}

async function naiveChild(ports: Ports): Promise<void> {
  const stub = `http://127.0.0.1:${ports.stub}`;
  await startNaiveGateway(ports.naive, [
    { name: 'secmaster', vendor: 'huawei-secmaster', baseUrl: stub, headers: { 'X-Auth-Token': 'bench-vendor-token' }, config: { projectId: BENCH_PROJECT, workspaceId: BENCH_WORKSPACE } },
    { name: 'k2', vendor: 'k2', baseUrl: `${stub}/K2Services/SyncREST.svc`, headers: { Authorization: `Basic ${Buffer.from('bench:bench-pass').toString('base64')}` }, config: { actionNames: { approve: 'Approve', reject: 'Reject' } } },
  ]);
}

function gatewayConfig(ports: Ports) {
  const stub = `http://127.0.0.1:${ports.stub}`;
  const secmaster = (baseUrl: string) => ({
    vendor: 'huawei-secmaster', baseUrl, projectId: BENCH_PROJECT, workspaceId: BENCH_WORKSPACE,
    auth: { type: 'token', token: 'bench-vendor-token' },
  });
  const backends: Record<string, unknown> = {
    secmaster: secmaster(stub),
    'secmaster-slow': secmaster(`http://127.0.0.1:${ports.slowStub}`),
  };
  if (ADAPTERS.k2) {
    backends.k2 = { vendor: 'k2', baseUrl: `${stub}/K2Services/SyncREST.svc`, auth: { type: 'basic', username: 'bench', password: 'bench-pass' } };
  }
  // No store, log, timeout or concurrency keys: every default applies, as in a plain deployment.
  return parseConfig({ server: { port: ports.gateway }, auth: { apiKeys: [{ name: 'bench', key: KEY }] }, backends }, {});
}

/**
 * BENCH_ABLATE (comma-separated: log, metrics, audit, index) switches one part of the pipeline off in the gateway
 * child, to measure what it costs; never used for the reported numbers. `index` skips the index write and change
 * record of each action (no inbox update, no change event).
 */
async function gatewayChild(ports: Ports): Promise<RunningGateway> {
  const ablate = new Set((process.env.BENCH_ABLATE ?? '').split(',').filter(Boolean));
  const config = gatewayConfig(ports);
  if (ablate.has('metrics')) Metrics.prototype.track = () => undefined;
  if (ablate.has('index')) IndexService.prototype.performed = async () => undefined;
  const running = await startGateway(config, createLogger(ablate.has('log') ? 'error' : config.log.level));
  if (ablate.has('audit')) running.store.recordAudit = async () => undefined;
  return running;
}

// ---- measurements --------------------------------------------------------------------------------

/** cpuUsPerRequest: CPU time (user + system) the measured process spent per request answered. */
interface Row { name: string; rps: number; p50: number; p99: number; errors: number; cpuUsPerRequest?: number; systemUsPerRequest?: number; eventLoopUtilization?: number }
type Init = { method: 'GET' | 'POST' | 'PUT'; headers: Record<string, string>; body?: string };

async function cannon(name: string, url: string, init: Init, target: ChildProcess): Promise<Row> {
  // Loaded here, in the driver only: the children run this file too, and the gateway's memory must be its own.
  const autocannon = require('autocannon') as typeof autocannonType;
  const options = { url, connections: CONNECTIONS, method: init.method, headers: init.headers, body: init.body };
  await autocannon({ ...options, duration: WARMUP });
  const before = await probe(target);
  const result = await autocannon({ ...options, duration: DURATION });
  const after = await probe(target);
  return {
    name,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    cpuUsPerRequest: Math.round((after.cpuUs - before.cpuUs) / Math.max(1, result.requests.total)),
    systemUsPerRequest: Math.round((after.systemUs - before.systemUs) / Math.max(1, result.requests.total)),
    eventLoopUtilization: round(after.elu),
  };
}

/** 20 connections, each request the next of INBOX_QUERIES (autocannon's requests list cycles through them). */
async function inboxRun(name: string, base: string, target: ChildProcess): Promise<Row> {
  const autocannon = require('autocannon') as typeof autocannonType;
  const options = { url: base, connections: 20, headers: { 'X-API-Key': KEY }, requests: INBOX_QUERIES.map((path) => ({ method: 'GET' as const, path })) };
  await autocannon({ ...options, duration: WARMUP });
  const before = await probe(target);
  const result = await autocannon({ ...options, duration: DURATION });
  const after = await probe(target);
  return {
    name, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx,
    cpuUsPerRequest: Math.round((after.cpuUs - before.cpuUs) / Math.max(1, result.requests.total)), eventLoopUtilization: round(after.elu),
  };
}

interface ClosedLoopRoute { rows: [Row, Row, Row, Row]; roundRatios: number[]; roundNaiveRatios: number[] }

/**
 * The stub alone, then the pass-through, the naive gateway and taskgate in ROUNDS alternating rounds: the rows are
 * those of the round with the median ratio to the pass-through, so a drift of the machine between two long runs is
 * not read as taskgate's cost.
 */
async function closedLoopRoute(direct: () => Promise<Row>, passThrough: () => Promise<Row>, naive: () => Promise<Row>, taskgate: () => Promise<Row>): Promise<ClosedLoopRoute> {
  const stubRow = await direct();
  const rounds: [Row, Row, Row][] = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push([await passThrough(), await naive(), await taskgate()]);
  const ratio = ([p, , t]: [Row, Row, Row]) => t.rps / p.rps;
  // Of an even count, the lower of the two middle rounds: never the kinder reading.
  const median = [...rounds].sort((a, b) => ratio(a) - ratio(b))[Math.floor((rounds.length - 1) / 2)];
  return { rows: [stubRow, ...median], roundRatios: rounds.map((r) => round(ratio(r))), roundNaiveRatios: rounds.map(([, n, t]) => round(t.rps / n.rps)) };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;
}

/** Sends one request on `agent`; true when it was answered 200 (read to the end), false otherwise. */
function answeredOk(url: URL, init: Init, agent: http.Agent): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: init.method, headers: init.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.end(init.body);
  });
}

interface OpenLoopResult {
  rate: number; requests: number; answered: number; errors: number; p50: number; p99: number; p999: number; max: number; maxSendLagMs: number;
  cpuUsPerRequest?: number; eventLoopUtilization?: number;
  /** The target's own event-loop delay over the run (perf_hooks, 1 ms resolution): its stalls, apart from the machine's. */
  loopDelayP99Ms?: number; loopDelayMaxMs?: number;
}

/**
 * Open loop: request i is due at start + i/rate and leaves then, whether or not earlier ones came back; its
 * latency counts from when it was due, so a stall in the target (or here) shows up in the tail instead of
 * slowing the sender down. The generator (bench/open-loop.ts) writes one prebuilt request on raw keep-alive
 * sockets, so its own pauses stay small. A warm-up at the same rate comes first and is not counted.
 */
async function openLoop(url: URL, init: Init, target: ChildProcess): Promise<OpenLoopResult> {
  const generator = new OpenLoop(url.hostname, Number(url.port), { ...init, path: url.pathname });
  await generator.run(OPEN_LOOP_RATE, WARMUP);
  const before = await probe(target);
  const { latenciesMs, errors, maxSendLagMs } = await generator.run(OPEN_LOOP_RATE, DURATION);
  const after = await probe(target);
  generator.close();
  const latencies = Array.from(latenciesMs).sort((a, b) => a - b);
  const requests = latencies.length + errors;
  return {
    rate: OPEN_LOOP_RATE, requests, answered: latencies.length, errors,
    p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), p999: round(percentile(latencies, 99.9)),
    max: round(latencies[latencies.length - 1] ?? NaN), maxSendLagMs: round(maxSendLagMs),
    cpuUsPerRequest: Math.round((after.cpuUs - before.cpuUs) / requests), eventLoopUtilization: round(after.elu),
    loopDelayP99Ms: round(after.delayP99Ms), loopDelayMaxMs: round(after.delayMaxMs),
  };
}

/** Fires IN_FLIGHT requests at once against a vendor that answers after 200 ms; samples the gateway's memory. */
async function inFlight(gateway: ChildProcess, url: string, init: Init) {
  const idle = await probe(gateway);
  const agent = new http.Agent({ keepAlive: true });
  const peak: Probe = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0, connections: 0, cpuUs: 0, systemUs: 0, elu: 0, delayP99Ms: 0, delayMaxMs: 0 };
  const sample = (message: unknown) => {
    const m = message as Partial<Probe>;
    if (m.rss === undefined) return;
    for (const k of Object.keys(peak) as (keyof Probe)[]) peak[k] = Math.max(peak[k], m[k] ?? 0);
  };
  gateway.on('message', sample);
  const timer = setInterval(() => gateway.send('probe'), 20);
  const target = new URL(url);
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, () => answeredOk(target, init, agent).then((answered) => (answered ? ok++ : failed++))),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  await new Promise((r) => setTimeout(r, 100));
  gateway.off('message', sample);
  agent.destroy();
  const mb = (n: number) => round(n / 1024 / 1024);
  return {
    inFlight: IN_FLIGHT, ok, failed, seconds: round(seconds), maxConnections: peak.connections,
    idleRssMb: mb(idle.rss), maxRssMb: mb(peak.rss), maxHeapUsedMb: mb(peak.heapUsed), maxExternalMb: mb(peak.external),
  };
}

function probe(child: ChildProcess): Promise<Probe> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if ((m as Partial<Probe>).rss === undefined) return;
      child.off('message', on);
      resolve(m as Probe);
    };
    child.on('message', on);
    child.send('probe');
  });
}

const round = (n: number) => Math.round(n * 100) / 100;

function startChild(role: string, ports: Ports, options: { cwd?: string; stdout?: number; execArgv?: string[] } = {}): Promise<ChildProcess> {
  const child = fork(__filename, ['child', role, JSON.stringify(ports)], {
    cwd: options.cwd,
    execArgv: options.execArgv ?? process.execArgv,
    stdio: ['ignore', options.stdout ?? 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => (m === 'ready' ? resolve(child) : reject(new Error(String(m)))));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

/** Asks a child to exit by itself (so --cpu-prof can write its profile) and waits for it. */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.send('exit');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

async function main(): Promise<void> {
  const ports: Ports = { stub: await freePort(), slowStub: await freePort(), proxy: await freePort(), naive: await freePort(), gateway: await freePort(), inbox: await freePort() };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-bench-'));
  const logFile = path.join(work, 'gateway.log');
  const logFd = fs.openSync(logFile, 'a');
  const stub = await startChild('stub', ports);
  const proxy = await startChild('proxy', ports);
  const naive = await startChild('naive', ports);
  const profileArgs = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(PROFILE_DIR)}`] : [];
  const gateway = await startChild('gateway', ports, { cwd: work, stdout: logFd, execArgv: [...process.execArgv, ...launcherNodeFlags(), ...profileArgs, ...GATEWAY_ARGS] });
  const at = (port: number, p: string) => `http://127.0.0.1:${port}${p}`;
  const json = { 'Content-Type': 'application/json' };
  const vendorPut: Init = { method: 'PUT', headers: { 'Content-Type': 'application/json;charset=UTF-8', 'X-Auth-Token': 'bench-vendor-token' }, body: '{"action":"CONTINUE"}' };
  const k2Post: Init = { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: '<t:UpdateTask xmlns:t="http://schemas.k2.com/task/d1" Action="a:Approve"><t:Task SerialNumber="2_24"/></t:UpdateTask>' };
  const approve: Init = { method: 'POST', headers: { ...json, 'X-API-Key': KEY }, body: '{"action":"approve"}' };
  const actionPath = (backend: string, task: string) => `/v1/backends/${backend}/tasks/${task}/actions`;

  console.log(`taskgate benchmark: Node ${process.version}, ${os.cpus().length} cores, ${CONNECTIONS} connections, ${DURATION} s per run after ${WARMUP} s warm-up`);
  const routes: Record<string, ClosedLoopRoute> = {};
  if (ONLY.has('secmaster')) {
    routes.secmaster = await closedLoopRoute(
      () => cannon('stub direct', at(ports.stub, SECMASTER_PATH), vendorPut, stub),
      () => cannon('pass-through', at(ports.proxy, SECMASTER_PATH), vendorPut, proxy),
      () => cannon('naive gateway', at(ports.naive, actionPath('secmaster', BENCH_TASK)), approve, naive),
      () => cannon('taskgate', at(ports.gateway, actionPath('secmaster', BENCH_TASK)), approve, gateway),
    );
  }
  if (ADAPTERS.k2 && ONLY.has('k2')) {
    routes.k2 = await closedLoopRoute(
      () => cannon('stub direct', at(ports.stub, K2_PATH), k2Post, stub),
      () => cannon('pass-through', at(ports.proxy, K2_PATH), k2Post, proxy),
      () => cannon('naive gateway', at(ports.naive, actionPath('k2', '2_24')), approve, naive),
      () => cannon('taskgate', at(ports.gateway, actionPath('k2', '2_24')), approve, gateway),
    );
  }
  let open: Record<string, unknown> | undefined;
  if (ONLY.has('open')) {
    const direct = await openLoop(new URL(at(ports.stub, SECMASTER_PATH)), vendorPut, stub);
    const passThrough = await openLoop(new URL(at(ports.proxy, SECMASTER_PATH)), vendorPut, proxy);
    const taskgate = await openLoop(new URL(at(ports.gateway, actionPath('secmaster', BENCH_TASK))), approve, gateway);
    const passThroughAddedP99Ms = round(passThrough.p99 - direct.p99);
    const addedP99Ms = round(taskgate.p99 - direct.p99);
    open = { rate: OPEN_LOOP_RATE, direct, passThrough, taskgate, addedP99Ms, passThroughAddedP99Ms, addedP99ToPassThrough: round(addedP99Ms / Math.max(0.01, passThroughAddedP99Ms)) };
  }
  // Where taskgate's time goes: each route adds one stage of the pipeline to the one before it.
  let ladder: { rows: Row[]; addedCpuUs: number[] } | undefined;
  if (ONLY.has('ladder')) {
    const key = { 'X-API-Key': KEY };
    const rows = [
      await cannon('GET /healthz: HTTP, express, log, metrics', at(ports.gateway, '/healthz'), { method: 'GET', headers: {} }, gateway),
      await cannon('GET /v1/backends: + API key, rate limit, a list', at(ports.gateway, '/v1/backends'), { method: 'GET', headers: key }, gateway),
      await cannon('dry-run: + body, validation, translation', at(ports.gateway, `${actionPath('secmaster', BENCH_TASK)}?dryRun=true`), approve, gateway),
      await cannon('GET task: + vendor call, parse', at(ports.gateway, `/v1/backends/secmaster/tasks/${BENCH_TASK}`), { method: 'GET', headers: key }, gateway),
      await cannon('action: + action service, audit row', at(ports.gateway, actionPath('secmaster', BENCH_TASK)), approve, gateway),
    ];
    ladder = { rows, addedCpuUs: rows.map((r, i) => (r.cpuUsPerRequest ?? 0) - (i === 0 ? 0 : rows[i - 1].cpuUsPerRequest ?? 0)) };
  }
  const memory = ONLY.has('memory') ? await inFlight(gateway, at(ports.gateway, actionPath('secmaster-slow', BENCH_TASK)), approve) : undefined;
  // The inbox over INBOX_TASKS indexed tasks, 20 clients each sending filtered, sorted pages of 20 in turn.
  const inbox: Record<string, Row> = {};
  if (ONLY.has('inbox')) {
    for (const kind of ['sqlite', 'postgres'] as const) {
      const child = await startChild(`inbox-${kind}`, ports, { cwd: work }).catch((error: unknown) => {
        console.log(`inbox on ${kind}: skipped (${String(error).slice(0, 200)})`);
        return undefined;
      });
      if (!child) continue;
      inbox[kind] = await inboxRun(`inbox, ${INBOX_TASKS} tasks, ${kind}`, at(ports.inbox, ''), child);
      await stopChild(child);
    }
  }

  await stopChild(gateway);
  await Promise.all([stopChild(stub), stopChild(proxy), stopChild(naive)]);
  // Change events, in this process with the load generators stopped (targets: >= 200 deliveries/s, p99 <= 500 ms).
  const events = ONLY.has('events') ? await eventFigures() : undefined;
  fs.closeSync(logFd);
  // Evidence that the pipeline ran in full: one log line and one committed audit row per action answered.
  const logLines = fs.readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes('"message":"request"')).length;
  const db = new DatabaseSync(path.join(work, DEFAULT_SQLITE_PATH));
  const auditRows = Number(db.prepare('SELECT count(*) AS n FROM taskgate_audit').get()!.n);
  db.close();
  fs.rmSync(work, { recursive: true, force: true });

  const summary = Object.fromEntries(
    Object.entries(routes).map(([route, { rows: [direct, proxyRow, naiveRow, tg], roundRatios, roundNaiveRatios }]) => [route, {
      rows: [direct, proxyRow, naiveRow, tg],
      ratioToPassThrough: round(tg.rps / proxyRow.rps),
      ratioToNaive: round(tg.rps / naiveRow.rps),
      roundRatios,
      roundNaiveRatios,
      addedP50Ms: round(tg.p50 - direct.p50),
      addedP99Ms: round(tg.p99 - direct.p99),
    }]),
  );
  const results = {
    node: process.version, cores: os.cpus().length, connections: CONNECTIONS, durationSeconds: DURATION, warmupSeconds: WARMUP,
    date: new Date().toISOString(),
    routes: summary,
    openLoop: open,
    memory,
    inbox,
    events,
    ladder,
    gatewayEvidence: { requestLogLines: logLines, auditRows },
  };

  for (const [route, s] of Object.entries(summary)) {
    console.log(`\n${route} route (closed loop, autocannon)`);
    console.table(s.rows.map((r) => ({ target: r.name, 'req/s': r.rps, 'p50 ms': r.p50, 'p99 ms': r.p99, errors: r.errors, 'CPU µs/req': r.cpuUsPerRequest, 'of it system': r.systemUsPerRequest, 'event loop busy': r.eventLoopUtilization })));
    console.log(`taskgate / pass-through: ${(s.ratioToPassThrough * 100).toFixed(1)}% (the median of ${s.roundRatios.length} rounds: ${s.roundRatios.map((r) => `${(r * 100).toFixed(1)}%`).join(', ')})   added latency over the stub: p50 ${s.addedP50Ms} ms, p99 ${s.addedP99Ms} ms`);
    console.log(`taskgate / naive gateway: ${s.ratioToNaive.toFixed(2)} x (rounds: ${s.roundNaiveRatios.map((r) => `${r.toFixed(2)} x`).join(', ')})`);
  }
  if (open) {
    const o = open as { direct: OpenLoopResult; passThrough: OpenLoopResult; taskgate: OpenLoopResult; addedP99Ms: number; passThroughAddedP99Ms: number; addedP99ToPassThrough: number };
    console.log(`\nopen loop, SecMaster route, ${OPEN_LOOP_RATE} req/s for ${DURATION} s after ${WARMUP} s warm-up (latency from each request's due time)`);
    console.table([['stub direct', o.direct], ['pass-through', o.passThrough], ['taskgate', o.taskgate]].map(([name, r]) => {
      const x = r as OpenLoopResult;
      return { target: name, answered: x.answered, errors: x.errors, 'p50 ms': x.p50, 'p99 ms': x.p99, 'p99.9 ms': x.p999, 'max ms': x.max, 'send lag ms': x.maxSendLagMs, 'CPU µs/req': x.cpuUsPerRequest, 'event loop busy': x.eventLoopUtilization, 'loop delay p99/max ms': `${x.loopDelayP99Ms}/${x.loopDelayMaxMs}` };
    }));
    console.log(`added p99 over the stub: taskgate ${o.addedP99Ms} ms, pass-through ${o.passThroughAddedP99Ms} ms (${o.addedP99ToPassThrough} x)`);
  }
  if (ladder) {
    console.log('\nladder: the cost of each stage (closed loop, taskgate alone)');
    console.table(ladder.rows.map((r, i) => ({ route: r.name, 'req/s': r.rps, 'CPU µs/req': r.cpuUsPerRequest, 'added µs': ladder!.addedCpuUs[i], errors: r.errors })));
  }
  if (memory) {
    console.log(`\n${IN_FLIGHT} at once against a 200 ms vendor: ${memory.ok} ok, ${memory.failed} failed in ${memory.seconds} s, up to ${memory.maxConnections} client connections open;`
      + ` gateway RSS ${memory.idleRssMb} MB idle, max ${memory.maxRssMb} MB (heap used max ${memory.maxHeapUsedMb} MB)`);
  }
  if (Object.keys(inbox).length) {
    console.log('\ninbox (GET /v1/tasks, 20 clients, filtered and sorted pages of 20; target p99 <= 50 ms)');
    console.table(Object.values(inbox).map((r) => ({ target: r.name, 'req/s': r.rps, 'p50 ms': r.p50, 'p99 ms': r.p99, errors: r.errors, 'CPU µs/req': r.cpuUsPerRequest })));
  }
  if (events) {
    const e = events as { throughput: { deliveriesPerSecond: number }; latency: { p50Ms: number; p99Ms: number; maxMs: number }; outage: { events: number; delivered: number; deliveredTwice: number } };
    console.log(`\nchange events (SQLite, a receiver answering 204 at once): ${e.throughput.deliveriesPerSecond} deliveries/s (target >= 200);`
      + ` commit to delivery at 50 events/s: p50 ${e.latency.p50Ms} ms, p99 ${e.latency.p99Ms} ms, max ${e.latency.maxMs} ms (target p99 <= 500 ms);`
      + ` receiver down then back: ${e.outage.delivered} of ${e.outage.events} delivered, ${e.outage.deliveredTwice} twice`);
  }
  console.log(`\ngateway evidence: ${logLines} request log lines, ${auditRows} audit rows committed${ladder || logLines === auditRows ? '' : ' (NOT one of each per action)'}`);
  const file = path.join(__dirname, '../../bench/results.json');
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`written: bench/results.json`);
}

if (process.argv[2] === 'child') {
  const role = process.argv[3];
  const ports = JSON.parse(process.argv[4]) as Ports;
  const start = role === 'stub' ? stubChild(ports) : role === 'proxy' ? proxyChild(ports) : role === 'naive' ? naiveChild(ports)
    : role.startsWith('inbox-') ? startInboxGateway(ports.inbox, KEY, INBOX_TASKS, role === 'inbox-postgres' ? INBOX_POSTGRES : undefined)
    : gatewayChild(ports);
  start.then(
    (running) => {
      const server = (running as RunningGateway | undefined)?.server;
      /** Event-loop utilization and delay are reported for the time since the previous probe. */
      let lastElu = performance.eventLoopUtilization();
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      process.on('message', (m) => {
        if (m === 'exit') return process.exit(0);
        if (m !== 'probe') return;
        const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
        const { user, system } = process.cpuUsage();
        const cpu = {
          cpuUs: user + system, systemUs: system, elu: performance.eventLoopUtilization(lastElu).utilization,
          delayP99Ms: delay.percentile(99) / 1e6, delayMaxMs: delay.max / 1e6,
        };
        lastElu = performance.eventLoopUtilization();
        delay.reset();
        if (!server) return process.send?.({ rss, heapUsed, external, arrayBuffers, connections: 0, ...cpu });
        server.getConnections((_e, connections) => process.send?.({ rss, heapUsed, external, arrayBuffers, connections, ...cpu }));
      });
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
