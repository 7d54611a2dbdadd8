// Builds the gateway's backends from config: adapter, typed options, outbound auth and transport for each.
import { ADAPTERS } from '../../adapters';
import type { Backend } from '../core/gateway';
import { createAuth, secretsOf } from '../transport/auth';
import { HttpTransport } from '../transport/http';
import type { CircuitState } from '../transport/circuit-breaker';
import { ResilientTransport } from '../transport/resilient-transport';
import { ConfigError, type RawBackendConfig } from './load';

export interface BackendHooks {
  /** Called when a backend's circuit changes state (for the log). */
  onCircuitChange?(backend: string, from: CircuitState, to: CircuitState): void;
}

export function createBackend(name: string, raw: RawBackendConfig, hooks: BackendHooks = {}): Backend {
  const adapter = ADAPTERS[raw.vendor];
  if (!adapter) throw new ConfigError(`backends.${name}.vendor: no adapter for '${raw.vendor}'`);
  let options: unknown;
  try {
    options = adapter.options({ ...raw, name });
  } catch (error) {
    // Adapters check what a schema cannot (a time zone's existence, say) and name the key in the message.
    throw new ConfigError((error as Error).message);
  }
  if (raw.auth.type === 'iam-password' && raw.vendor !== 'huawei-secmaster') {
    throw new ConfigError(`backends.${name}.auth.type: iam-password (Huawei IAM) is for huawei-secmaster backends only`);
  }
  const timeoutMs = raw.timeoutMs ?? 10_000;
  const connectTimeoutMs = Math.min(raw.connectTimeoutMs ?? 3000, timeoutMs);
  const transportOptions = { baseUrl: raw.baseUrl, timeoutMs, connectTimeoutMs, maxResponseBytes: adapter.maxResponseBytes };
  const secrets = secretsOf(raw.auth);
  const configured = createAuth(raw.auth, { timeoutMs, connectTimeoutMs, secrets });
  let auth = configured;
  if (adapter.wrapAuth) {
    const plain = new HttpTransport({ ...transportOptions, auth: configured });
    auth = adapter.wrapAuth(configured, options, (request) => plain.send(request));
  }
  const transport = new ResilientTransport(new HttpTransport({ ...transportOptions, auth }), {
    backend: name,
    timeoutMs,
    tryTimeoutMs: raw.tryTimeoutMs,
    concurrency: raw.concurrency ?? 1024,
    maxQueue: raw.maxQueue,
    circuitBreaker: {
      failureThreshold: raw.circuitBreaker?.failureThreshold ?? 5,
      openMs: raw.circuitBreaker?.openMs ?? 30_000,
      onChange: (from, to) => hooks.onCircuitChange?.(name, from, to),
    },
    retry: {
      maxRetries: raw.retries?.max ?? 2,
      baseDelayMs: raw.retries?.baseDelayMs ?? 100,
      maxDelayMs: raw.retries?.maxDelayMs ?? 2000,
      budgetRatio: (raw.retries?.budgetPercent ?? 20) / 100,
    },
  });
  return {
    name,
    vendor: raw.vendor,
    adapter,
    options,
    auth,
    transport,
    circuit: transport.circuit,
    secrets,
  };
}

export function createBackends(backends: Record<string, RawBackendConfig>, hooks: BackendHooks = {}): Backend[] {
  return Object.entries(backends).map(([name, raw]) => createBackend(name, raw, hooks));
}
