// Prometheus metrics (prom-client): requests, latency, in-flight, vendor calls, circuit state, audit writes.
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Backend } from '../core/gateway';
import type { CallTimer } from '../transport/metered';

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
  readonly requestDuration = new Histogram({
    name: 'taskgate_http_request_duration_seconds', help: 'Time to answer an HTTP request, by route, method, backend, action and status',
    labelNames: ['route', 'method', 'backend', 'action', 'status'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry],
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

  constructor(backends: () => Backend[]) {
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
      const values = { ...labels(), method, status: String(res.statusCode) };
      this.requests.inc(values);
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
