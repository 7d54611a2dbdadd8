// The benchmark's open-loop generator: HTTP/1.1 over raw keep-alive sockets, one prebuilt request, next to no
// allocation per request, so that its own pauses (GC, timers) stay out of the tail it measures.
import net from 'node:net';

export interface OpenLoopRequest { method: string; path: string; headers: Record<string, string>; body?: string }

export interface OpenLoopRun {
  /** Latency of each request answered 200 (ms from its due time), in the order they came back. */
  latenciesMs: Float64Array;
  errors: number;
  /** How late this generator sent at worst: time from a request's due time to its write. */
  maxSendLagMs: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * One connection, one request at a time (no pipelining). The answer must carry Content-Length: the stub, the
 * pass-through and taskgate all frame their answers so; anything else is counted as an error, never guessed.
 */
class Connection {
  /** When the request in flight was due; undefined while the connection is idle. */
  due?: number;
  /** The server has closed its side: not to be reused. */
  ended = false;
  private pending?: Buffer;

  constructor(readonly socket: net.Socket, private readonly done: (c: Connection, ok: boolean) => void) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('end', () => (this.ended = true));
    socket.on('error', () => undefined);
    socket.on('close', () => this.done(this, false));
  }

  get reusable(): boolean {
    return !this.ended && !this.socket.destroyed;
  }

  private read(chunk: Buffer): void {
    if (this.due === undefined) return void this.socket.destroy(); // bytes nobody asked for
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    const headerEnd = data.indexOf(HEADER_END);
    if (headerEnd < 0) return void (this.pending = data);
    const head = data.toString('latin1', 0, headerEnd).toLowerCase();
    const length = /\r\ncontent-length: *(\d+)/.exec(head);
    if (!length) return void this.socket.destroy();
    const total = headerEnd + HEADER_END.length + Number(length[1]);
    if (data.length < total) return void (this.pending = data);
    if (data.length > total) return void this.socket.destroy(); // more than one answer
    this.pending = undefined;
    this.done(this, head.startsWith('http/1.1 200 '));
  }
}

/** A pool of keep-alive connections to one target; `run` may be called more than once (warm-up, then the run). */
export class OpenLoop {
  private readonly request: Buffer;
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private onAnswer: (latencyMs: number, ok: boolean) => void = () => undefined;

  /** `drainMs`: requests still unanswered this long after the last one was sent count as errors, and the run ends. */
  constructor(private readonly host: string, private readonly port: number, init: OpenLoopRequest, private readonly drainMs = 30_000) {
    const body = init.body ?? '';
    const headers = { ...init.headers, Host: `${host}:${port}`, Connection: 'keep-alive', 'Content-Length': String(Buffer.byteLength(body)) };
    const head = `${init.method} ${init.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
    this.request = Buffer.from(head + body);
  }

  /** Sends `rate` requests a second for `seconds`: request i is due at start + i/rate and leaves then, whatever came back. */
  run(rate: number, seconds: number): Promise<OpenLoopRun> {
    const total = Math.round(rate * seconds);
    const interval = 1000 / rate;
    const latenciesMs = new Float64Array(total);
    let answered = 0;
    let errors = 0;
    let maxSendLagMs = 0;
    let sent = 0;
    return new Promise((resolve) => {
      let drain: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(drain);
        this.onAnswer = () => undefined;
        resolve({ latenciesMs: latenciesMs.subarray(0, answered), errors: total - answered, maxSendLagMs });
      };
      const allBack = () => sent === total && answered + errors >= total;
      this.onAnswer = (latencyMs, ok) => {
        if (ok) latenciesMs[answered++] = latencyMs;
        else errors++;
        if (allBack()) finish();
      };
      const start = performance.now();
      const tick = () => {
        const now = performance.now();
        for (; sent < total && start + sent * interval <= now; sent++) {
          const due = start + sent * interval;
          maxSendLagMs = Math.max(maxSendLagMs, now - due);
          this.send(due);
        }
        if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
        else if (allBack()) finish(); // nothing to send at all
        else drain = setTimeout(() => {
          // The requests still out count as errors; their connections go, so nothing of theirs reaches a later run.
          this.close();
          finish();
        }, this.drainMs);
      };
      tick();
    });
  }

  close(): void {
    for (const c of this.all) {
      c.due = undefined;
      c.socket.destroy();
    }
    this.all.clear();
    this.idle.length = 0;
  }

  private send(due: number): void {
    let c = this.idle.pop();
    while (c && !c.reusable) c = this.idle.pop();
    if (!c) {
      c = new Connection(net.connect(this.port, this.host), (conn, ok) => this.answered(conn, ok));
      this.all.add(c);
    }
    c.due = due;
    c.socket.write(this.request);
  }

  private answered(c: Connection, ok: boolean): void {
    if (c.socket.destroyed) this.all.delete(c);
    if (c.due === undefined) { // closed while idle: no request lost
      const i = this.idle.indexOf(c);
      if (i >= 0) this.idle.splice(i, 1);
      return;
    }
    const latencyMs = performance.now() - c.due;
    c.due = undefined;
    if (c.reusable) this.idle.push(c);
    this.onAnswer(latencyMs, ok);
  }
}
