// Loads the gateway config: YAML or JSON, ${ENV} interpolation, ajv validation naming the bad key path.
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import configSchema from '../../schemas/config.schema.json';
import { ADAPTERS } from '../../adapters';
import type { AuthConfig } from '../core/adapter';
import { STANDARD_AUTH_TYPES, type AuthTypeSchema } from '../core/auth';

export interface ApiKeyConfig {
  name: string;
  key: string;
  backends: string[];
  scopes: string[];
  rateLimit?: { perMinute: number };
}

export interface RawBackendConfig {
  vendor: string;
  baseUrl: string;
  auth: AuthConfig;
  timeoutMs: number;
  concurrency: number;
  maxQueue?: number;
  connectTimeoutMs: number;
  tryTimeoutMs?: number;
  retries: { max: number; baseDelayMs: number; maxDelayMs: number; budgetPercent: number };
  circuitBreaker: { failureThreshold: number; openMs: number };
  [vendorKey: string]: unknown;
}

export interface GatewayConfig {
  server: { host: string; port: number; bodyLimit: string; drainMs: number };
  store?: { type: 'sqlite' | 'postgres'; path?: string; url?: string; schema?: string };
  log: { level: 'error' | 'warn' | 'info' | 'debug' };
  /** The task index (contract section 9); defaults filled in by the schema. */
  sync: { intervalMs: number; backends: string[]; fullPassEvery: number; maxTasksPerBackend: number };
  /** Change events and webhooks (contract section 10); defaults filled in by the schema. */
  events: EventsConfig;
  auth: { apiKeys: ApiKeyConfig[] };
  backends: Record<string, RawBackendConfig>;
}

export interface WebhookConfig {
  name: string;
  url: string;
  /** `whsec_...`: never logged, shown or stored. */
  secret: string;
  /** Event type prefixes; absent: every type. */
  types?: string[];
  backends: string[];
}

export interface EventsConfig {
  retentionHours: number;
  /** Delays in ms before each retry of a failed delivery. */
  retrySchedule: number[];
  webhooks: WebhookConfig[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The config schema with every adapter's own backend keys added, keyed on `vendor`. */
export function fullConfigSchema(): object {
  const schema = structuredClone(configSchema) as any;
  const backend = schema.$defs.backend;
  backend.properties.vendor = { enum: Object.keys(ADAPTERS) };
  backend.allOf = Object.values(ADAPTERS).map((adapter) => ({
    if: { properties: { vendor: { const: adapter.vendor } }, required: ['vendor'] },
    then: {
      properties: { ...adapter.optionsSchema.properties, auth: authSchema({ ...STANDARD_AUTH_TYPES, ...adapter.authTypes }) },
      required: adapter.optionsSchema.required ?? [],
    },
  }));
  return schema;
}

/** The `auth` object of one vendor's backends: the standard types and the vendor's own, each with its keys. */
function authSchema(types: Record<string, AuthTypeSchema>): object {
  return {
    type: 'object',
    required: ['type'],
    properties: { type: { enum: Object.keys(types) } },
    allOf: Object.entries(types).map(([type, keys]) => ({
      if: { properties: { type: { const: type } } },
      then: { properties: keys.properties, required: keys.required },
    })),
    unevaluatedProperties: false,
  };
}

let validator: ReturnType<Ajv2020['compile']> | undefined;

function validate(config: unknown): ErrorObject[] {
  // coerceTypes: `port: ${PORT}` is text after interpolation; "8080" for an integer key is read as 8080.
  validator ??= new Ajv2020({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false }).compile(fullConfigSchema());
  return validator(config) ? [] : (validator.errors ?? []);
}

/** `/backends/ibm/auth` -> `backends.ibm.auth`; the offending property is appended where ajv names one. */
function keyPath(error: ErrorObject): string {
  const parts = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  const extra = params.additionalProperty ?? params.unevaluatedProperty ?? params.missingProperty;
  if (typeof extra === 'string') parts.push(extra);
  return parts.join('.') || '(root)';
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties') return 'unknown key';
  if (error.keyword === 'required') return 'is required';
  if (error.keyword === 'enum') return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return error.message ?? error.keyword;
}

/** Replaces every `${NAME}` in string values; a missing variable is an error naming it and the key. */
export function interpolate(value: unknown, env: NodeJS.ProcessEnv, path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const resolved = env[name];
      if (resolved === undefined) throw new ConfigError(`${path || '(root)'}: environment variable ${name} is not set`);
      return resolved;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${path}.${i}`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, path ? `${path}.${k}` : k)]));
  }
  return value;
}

/** Validates an already-parsed config and fills in defaults; throws ConfigError listing every bad key path. */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = interpolate(raw, env);
  const errors = validate(config);
  // if/then branches repeat their own failures as "must match then schema": those add nothing.
  const useful = errors.filter((e) => e.keyword !== 'if');
  if (useful.length > 0) {
    const lines = [...new Set(useful.map((e) => `${keyPath(e)}: ${describe(e)}`))];
    throw new ConfigError(`invalid config:\n  ${lines.join('\n  ')}`);
  }
  const typed = config as GatewayConfig;
  const names = new Set<string>();
  typed.auth.apiKeys.forEach((k, i) => {
    if (names.has(k.name)) throw new ConfigError(`auth.apiKeys.${i}.name: duplicate key name '${k.name}'`);
    names.add(k.name);
  });
  checkWebhooks(typed);
  typed.sync.backends.forEach((name, i) => {
    if (name !== '*' && !(name in typed.backends)) throw new ConfigError(`sync.backends.${i}: no backend is named '${name}'`);
  });
  return typed;
}

/** Unique webhook names, secrets of 24-64 bytes, backends that exist (the secret itself is never in a message). */
function checkWebhooks(config: GatewayConfig): void {
  const names = new Set<string>();
  config.events.webhooks.forEach((hook, i) => {
    if (names.has(hook.name)) throw new ConfigError(`events.webhooks.${i}.name: duplicate webhook name '${hook.name}'`);
    names.add(hook.name);
    const bytes = Buffer.from(hook.secret.slice('whsec_'.length), 'base64').length;
    if (bytes < 24 || bytes > 64) throw new ConfigError(`events.webhooks.${i}.secret: must be whsec_ and the base64 of 24-64 random bytes (it decodes to ${bytes})`);
    hook.backends.forEach((name, j) => {
      if (name !== '*' && !(name in config.backends)) throw new ConfigError(`events.webhooks.${i}.backends.${j}: no backend is named '${name}'`);
    });
  });
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid YAML or JSON: ${(error as Error).message}`);
  }
  return parseConfig(raw, env);
}
