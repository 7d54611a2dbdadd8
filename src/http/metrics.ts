// Prometheus metrics (prom-client): requests, latency, in-flight, rate limiting, vendor calls and failures, circuit state,
// audit writes, the build, and prom-client's default process_* and nodejs_* metrics.
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { version } from '../../package.json';
import type { Backend } from '../core/gateway';
import type { CallTimer, VendorFailure } from '../transport/metered';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const WRITE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** Circuit states as gauge values. */
export const CIRCUIT_VALUES: Record<string, number> = { closed: 0, 'half-open': 1, open: 2 };


export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'taskgate_http_requests_total', help: 'HTTP requests answered, by route, method, backend, action and status',
    labelNames: ['route', 'method', 'backend', 'action', 'status'] as const, registers: [this.registry],
  });
  // No action label: with a dozen buckets per series it would multiply the series; the counter has it.
  readonly requestDuration = new Histogram({
    name: 'taskgate_http_request_duration_seconds', help: 'Time to answer an HTTP request, by route, method, backend and status',
    labelNames: ['route', 'method', 'backend', 'status'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'taskgate_rate_limited_total', help: 'Requests refused with 429 RATE_LIMITED, by API key name',
    labelNames: ['key'] as const, registers: [this.registry],
  });
  readonly inFlight = new Gauge({ name: 'taskgate_http_requests_in_flight', help: 'HTTP requests being served', registers: [this.registry] });
  readonly vendorDuration = new Histogram({
    name: 'taskgate_vendor_call_duration_seconds',
    help: 'Vendor calls by backend and outcome (HTTP status class such as 2xx, or the gateway error code when no answer came)',
    labelNames: ['backend', 'outcome'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry],
  });
  readonly auditWrite = new Histogram({
    name: 'taskgate_audit_write_duration_seconds', help: 'Time to commit one audit record, by store and outcome (ok, error)',
    labelNames: ['store', 'outcome'] as const, buckets: WRITE_BUCKETS, registers: [this.registry],
  });
  readonly idempotency = new Counter({
    name: 'taskgate_idempotency_total', help: 'Requests with an Idempotency-Key, by outcome (executed, replayed, reused, in_progress)',
    labelNames: ['outcome'] as const, registers: [this.registry],
  });

  readonly vendorFailureTime = new Gauge({
    name: 'taskgate_vendor_last_failure_timestamp_seconds', help: 'When a backend\'s vendor last failed a call (no answer, a timeout or a 5xx), by backend',
    labelNames: ['backend'] as const, registers: [this.registry],
  });
  private readonly lastFailures = new Map<string, VendorFailure>();

  constructor(backends: () => Backend[]) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'taskgate_build_info', help: 'Always 1; the running version of taskgate and of Node.js as labels',
      labelNames: ['version', 'node_version'] as const, registers: [this.registry],
    }).set({ version, node_version: process.versions.node }, 1);
    new Gauge({
      name: 'taskgate_circuit_state', help: 'Circuit breaker state per backend: 0 closed, 1 half-open, 2 open',
      labelNames: ['backend'] as const, registers: [this.registry],
      collect() {
        this.reset();
        for (const backend of backends()) {
          const state = backend.circuit?.state();
          if (state !== undefined && state in CIRCUIT_VALUES) this.set({ backend: backend.name }, CIRCUIT_VALUES[state]);
        }
      },
    });
  }

  /**
   * Counts a request once it is done (or the client went away). Labels are bounded: the route pattern, and
   * backend and action only when they are configured or canonical names (see `labels`), read at the end.
   */
  track(method: string, res: ServerResponse, labels: () => { route: string; backend: string; action: string }): void {
    const started = process.hrtime.bigint();
    this.inFlight.inc();
    res.once('close', () => {
      this.inFlight.dec();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const { action, ...rest } = labels();
      const values = { ...rest, method, status: String(res.statusCode) };
      this.requests.inc({ ...values, action });
      this.requestDuration.observe(values, seconds);
    });
  }

  /** `track` for every request express serves. */
  middleware(labels: (req: Request, res: Response) => { route: string; backend: string; action: string }) {
    return (req: Request, res: Response, next: NextFunction) => {
      this.track(req.method, res, () => labels(req, res));
      next();
    };
  }

  /** Times one backend's vendor calls (the transport's metered decorator), labelled by outcome. */
  vendorCallTimer(backend: string): CallTimer {
    return () => {
      const end = this.vendorDuration.startTimer({ backend });
      return (outcome) => end({ outcome });
    };
  }

  /** Records a backend's vendor failure (the transport's failure recorder), for /readyz and the gauge. */
  vendorFailed(backend: string, failure: VendorFailure): void {
    this.lastFailures.set(backend, failure);
    this.vendorFailureTime.set({ backend }, failure.at / 1000);
  }

  /** The backend's last vendor failure since start, if any. */
  lastVendorFailure(backend: string): VendorFailure | undefined {
    return this.lastFailures.get(backend);
  }

  async timeAuditWrite<T>(store: string, write: () => Promise<T>): Promise<T> {
    const end = this.auditWrite.startTimer({ store });
    try {
      const result = await write();
      end({ outcome: 'ok' });
      return result;
    } catch (error) {
      end({ outcome: 'error' });
      throw error;
    }
  }
}
