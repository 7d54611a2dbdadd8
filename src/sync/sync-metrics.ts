// Sync metrics on the gateway's registry: cycles and their duration, vendor calls per cycle, tasks listed, last success.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CycleResult } from './cycle';

const CYCLE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const CALL_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** Returns the function that records one finished cycle. */
export function syncMetrics(registry: Registry): (result: CycleResult) => void {
  const cycles = new Counter({
    name: 'taskgate_sync_cycles_total', help: 'Sync cycles by backend, kind (full, partial) and outcome (ok, error)',
    labelNames: ['backend', 'kind', 'outcome'] as const, registers: [registry],
  });
  const duration = new Histogram({
    name: 'taskgate_sync_cycle_duration_seconds', help: 'Time one sync cycle took, by backend',
    labelNames: ['backend'] as const, buckets: CYCLE_BUCKETS, registers: [registry],
  });
  const calls = new Histogram({
    name: 'taskgate_sync_vendor_calls', help: 'Vendor calls one sync cycle made, by backend',
    labelNames: ['backend'] as const, buckets: CALL_BUCKETS, registers: [registry],
  });
  const listed = new Gauge({ name: 'taskgate_sync_tasks_listed', help: "Tasks in the vendor's list at the last cycle, by backend", labelNames: ['backend'] as const, registers: [registry] });
  const lastOk = new Gauge({
    name: 'taskgate_sync_last_success_timestamp_seconds', help: 'When the last successful sync cycle of a backend ended (Unix seconds)',
    labelNames: ['backend'] as const, registers: [registry],
  });
  return (result) => {
    const { backend } = result;
    cycles.inc({ backend, kind: result.full ? 'full' : 'partial', outcome: result.ok ? 'ok' : 'error' });
    duration.observe({ backend }, result.durationMs / 1000);
    calls.observe({ backend }, result.vendorCalls);
    if (!result.ok) return;
    if (result.complete) listed.set({ backend }, result.listed);
    lastOk.setToCurrentTime({ backend });
  };
}
