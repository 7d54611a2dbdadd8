// The composition root: builds each backend (adapter, options, auth, transport, resilience, metrics) from config.
import { ADAPTERS } from '../adapters';
import type { VendorRequest } from './core/adapter';
import { standardAuth } from './core/auth';
import type { Backend } from './core/gateway';
import type { AuthContext, CircuitState, OutboundAuth } from './core/ports';
import { ConfigError, type RawBackendConfig } from './config/load';
import { HttpTransport } from './transport/http';
import { meteredTransport, type CallTimer } from './transport/metered';
import { ResilientTransport } from './transport/resilient-transport';

export interface BackendHooks {
  /** Called when a backend's circuit changes state (for the log). */
  onCircuitChange?(backend: string, from: CircuitState, to: CircuitState): void;
  /** Times each vendor call of a backend (for /metrics). */
  vendorCallTimer?(backend: string): CallTimer;
}

const NO_AUTH: OutboundAuth = { headers: async () => ({}), secretHeaders: [], refresh: async () => false, secrets: () => [] };

/** One backend from its validated config (defaults already filled in by the config schema). */
export function createBackend(name: string, raw: RawBackendConfig, hooks: BackendHooks = {}): Backend {
  const adapter = ADAPTERS[raw.vendor];
  if (!adapter) throw new ConfigError(`backends.${name}.vendor: no adapter for '${raw.vendor}'`);
  const { timeoutMs } = raw;
  const link = { timeoutMs, connectTimeoutMs: Math.min(raw.connectTimeoutMs, timeoutMs), maxResponseBytes: adapter.maxResponseBytes };
  let options: unknown;
  let auth: OutboundAuth;
  try {
    // Adapters check what a schema cannot (a time zone's existence, say) and name the key in the message.
    options = adapter.options({ ...raw, name });
    const standard = standardAuth(raw.auth);
    const plain = standard && new HttpTransport({ ...link, baseUrl: raw.baseUrl, auth: standard });
    const ctx: AuthContext = {
      backend: name,
      timeoutMs,
      standard,
      connect: (baseUrl) => new HttpTransport({ ...link, baseUrl, auth: NO_AUTH }),
      send: (request: VendorRequest) => {
        if (!plain) throw new Error(`backends.${name}.auth: no standard credentials to send with`);
        return plain.send(request);
      },
    };
    const built = adapter.auth ? adapter.auth(raw.auth, options, ctx) : standard;
    if (!built) throw new Error(`backends.${name}.auth.type: '${raw.auth.type}' is not an auth type of ${raw.vendor}`);
    auth = built;
  } catch (error) {
    throw error instanceof ConfigError ? error : new ConfigError((error as Error).message);
  }
  const resilient = new ResilientTransport(new HttpTransport({ ...link, baseUrl: raw.baseUrl, auth }), {
    backend: name,
    timeoutMs,
    tryTimeoutMs: raw.tryTimeoutMs,
    concurrency: raw.concurrency,
    maxQueue: raw.maxQueue,
    circuitBreaker: {
      failureThreshold: raw.circuitBreaker.failureThreshold,
      openMs: raw.circuitBreaker.openMs,
      onChange: (from, to) => hooks.onCircuitChange?.(name, from, to),
    },
    retry: {
      maxRetries: raw.retries.max,
      baseDelayMs: raw.retries.baseDelayMs,
      maxDelayMs: raw.retries.maxDelayMs,
      budgetRatio: raw.retries.budgetPercent / 100,
    },
  });
  const timer = hooks.vendorCallTimer?.(name);
  return {
    name,
    vendor: raw.vendor,
    adapter,
    options,
    auth,
    transport: timer ? meteredTransport(resilient, timer) : resilient,
    circuit: resilient.circuit,
  };
}

export function createBackends(backends: Record<string, RawBackendConfig>, hooks: BackendHooks = {}): Backend[] {
  return Object.entries(backends).map(([name, raw]) => createBackend(name, raw, hooks));
}
