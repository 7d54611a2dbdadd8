// Change-event metrics on the gateway's registry: events by type, deliveries by outcome, latency, oldest pending.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DeliveryObserver } from './delivery-worker';

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 36000];

/** `oldest` reads each webhook's oldest pending delivery (epoch ms) when /metrics is scraped. */
export function eventMetrics(registry: Registry, webhooks: string[], oldest: () => Promise<Map<string, number | undefined>>): DeliveryObserver {
  const recorded = new Counter({
    name: 'taskgate_events_recorded_total', help: 'Change events recorded, by type (counted by the gateway that relays them to the outbox)',
    labelNames: ['type'] as const, registers: [registry],
  });
  const deliveries = new Counter({
    name: 'taskgate_webhook_deliveries_total', help: 'Webhook delivery attempts by webhook and outcome (delivered, retrying, failed)',
    labelNames: ['webhook', 'outcome'] as const, registers: [registry],
  });
  const latency = new Histogram({
    name: 'taskgate_webhook_delivery_latency_seconds', help: 'From the change to its delivery (a 2xx), by webhook, retries included',
    labelNames: ['webhook'] as const, buckets: LATENCY_BUCKETS, registers: [registry],
  });
  new Gauge({
    name: 'taskgate_webhook_oldest_pending_seconds', help: 'Age of the oldest delivery not yet delivered nor failed, by webhook (0: none)',
    labelNames: ['webhook'] as const, registers: [registry],
    async collect() {
      const ages = await oldest().catch(() => new Map<string, number | undefined>());
      const now = Date.now();
      for (const name of webhooks) {
        const since = ages.get(name);
        this.set({ webhook: name }, since === undefined ? 0 : Math.max(0, (now - since) / 1000));
      }
    },
  });
  return {
    recorded: (type) => recorded.inc({ type }),
    attempted: (webhook, outcome, _result, info) => {
      deliveries.inc({ webhook, outcome });
      if (outcome === 'delivered') latency.observe({ webhook }, Math.max(0, info.latencyMs) / 1000);
    },
  };
}
