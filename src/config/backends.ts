// Builds the gateway's backends from config: adapter, typed options, outbound auth and transport for each.
import { ADAPTERS } from '../../adapters';
import type { Backend } from '../core/gateway';
import { createAuth, secretsOf } from '../transport/auth';
import { HttpTransport } from '../transport/http';
import type { RawBackendConfig } from './load';

export function createBackend(name: string, raw: RawBackendConfig): Backend {
  const adapter = ADAPTERS[raw.vendor];
  if (!adapter) throw new Error(`backends.${name}.vendor: no adapter for '${raw.vendor}'`);
  const options = adapter.options({ ...raw, name });
  const transportOptions = { baseUrl: raw.baseUrl, timeoutMs: raw.timeoutMs ?? 10_000, maxResponseBytes: adapter.maxResponseBytes };
  const configured = createAuth(raw.auth);
  let auth = configured;
  if (adapter.wrapAuth) {
    const plain = new HttpTransport({ ...transportOptions, auth: configured });
    auth = adapter.wrapAuth(configured, options, (request) => plain.send(request));
  }
  return {
    name,
    vendor: raw.vendor,
    adapter,
    options,
    auth,
    transport: new HttpTransport({ ...transportOptions, auth }),
    secrets: secretsOf(raw.auth),
  };
}

export function createBackends(backends: Record<string, RawBackendConfig>): Backend[] {
  return Object.entries(backends).map(([name, raw]) => createBackend(name, raw));
}
