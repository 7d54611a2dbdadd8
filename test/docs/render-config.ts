// Renders docs/configuration.md from the config schema as the loader merges it (adapters' own keys included).
import { fullConfigSchema } from '../../src/config/load';

type Schema = Record<string, any>;

interface Row {
  key: string;
  type: string;
  def: string;
  notes: string;
}

const code = (text: string) => `\`${text.replace(/\|/g, '\\|')}\``;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function resolve(root: Schema, schema: Schema): Schema {
  if (typeof schema.$ref !== 'string') return schema;
  const target = schema.$ref.replace(/^#\//, '').split('/').reduce((node: Schema, part: string) => node[part], root);
  return resolve(root, target);
}

function range(schema: Schema, min: string, max: string): string {
  const lo = schema[min];
  const hi = schema[max];
  if (lo !== undefined && hi !== undefined) return `${lo}-${hi}`;
  if (lo !== undefined) return `at least ${lo}`;
  if (hi !== undefined) return `at most ${hi}`;
  return '';
}

/** A short type: `integer, 1-300000`, `"sqlite" | "postgres"`, `array of string, at most 1000`. */
function typeOf(root: Schema, raw: Schema): string {
  const schema = resolve(root, raw);
  if (schema.const !== undefined) return code(JSON.stringify(schema.const));
  if (Array.isArray(schema.enum)) return schema.enum.map((v: unknown) => code(JSON.stringify(v))).join(' or ');
  const type: string = schema.type ?? 'any';
  const parts: string[] = [];
  if (type === 'integer' || type === 'number') parts.push(type, range(schema, 'minimum', 'maximum'));
  else if (type === 'string') {
    const length = range(schema, 'minLength', 'maxLength');
    parts.push('string', length && `${length} characters`, schema.pattern ? `matching ${code(schema.pattern)}` : '');
  } else if (type === 'array') {
    const count = range(schema, 'minItems', 'maxItems');
    const item = schema.items ? typeOf(root, schema.items) : 'any';
    parts.push(`array of ${item.includes(',') ? `(${item})` : item}`, count && `${count} items`);
  } else if (type === 'object' && isMap(schema)) {
    const count = range(schema, 'minProperties', 'maxProperties');
    parts.push('map of name to object', count && `${count} entries`);
  } else parts.push(type);
  return parts.filter(Boolean).join(', ');
}

function isMap(schema: Schema): boolean {
  return typeof schema.additionalProperties === 'object' && !schema.properties;
}

function defaultOf(schema: Schema): string {
  if (schema.default === undefined) return '';
  return code(JSON.stringify(schema.default));
}

/**
 * Every leaf key under `schema`, dotted from `prefix`; objects with their own keys are walked, not listed
 * (their notes go to their first key). `within` names the optional object a required key belongs to.
 */
function rows(root: Schema, raw: Schema, prefix: string, required: string[] = [], extra = '', within = ''): Row[] {
  const schema = resolve(root, raw);
  const out: Row[] = [];
  for (const [name, propRaw] of Object.entries<Schema>(schema.properties ?? {})) {
    const prop = resolve(root, propRaw);
    const key = `${prefix}${name}`;
    const must = required.includes(name) ? (within ? `required in ${code(within)}` : 'required') : '';
    const said = prop.description ?? MEANING[key];
    if (!prop.description && MEANING[key] !== undefined) used.add(key);
    const notes = [...new Set([must, said ?? '', name === Object.keys(schema.properties)[0] ? extra : ''].filter(Boolean))];
    if (prop.type === 'object' && prop.properties) {
      const optional = !required.includes(name);
      out.push(...rows(root, prop, `${key}.`, prop.required ?? [], optional ? (prop.description ?? '') : notes.join('; '), optional ? key : within));
    } else if (prop.type === 'array' && resolve(root, prop.items ?? {}).properties) {
      const items = resolve(root, prop.items);
      const count = range(prop, 'minItems', 'maxItems');
      out.push({ key: code(key), type: `array of objects${count ? `, ${count} items` : ''}`, def: '', notes: cell(notes.join('; ')) });
      out.push(...rows(root, items, `${key}[].`, items.required ?? []));
    } else if (prop.type === 'object' && isMap(prop) && resolve(root, prop.additionalProperties).properties) {
      const entry = resolve(root, prop.additionalProperties);
      if (entry.minProperties) notes.push(`each entry has at least ${entry.minProperties} of the keys below`);
      out.push({ key: code(key), type: typeOf(root, prop), def: defaultOf(prop), notes: cell(notes.join('; ')) });
      out.push(...rows(root, entry, `${key}.<${name.replace(/s$/, '')}>.`, entry.required ?? []));
    } else {
      out.push({ key: code(key), type: typeOf(root, prop), def: defaultOf(prop), notes: cell(notes.join('; ')) });
    }
  }
  return out;
}

/**
 * What a key is for, where the schema has no `description` of its own. The schema's description wins; a
 * meaning for a key the schema does not have (or already describes) fails the render, so none goes stale.
 */
const MEANING: Record<string, string> = {
  'server.host': 'address the gateway listens on',
  'server.port': 'port the gateway listens on (0: any free port)',
  'server.bodyLimit': 'largest request body (`b`, `kb` or `mb`; no unit: bytes); beyond: `413 PAYLOAD_TOO_LARGE`',
  'server.drainMs': 'after SIGTERM, how long `/readyz` answers 503 while requests are still served, before the gateway stops accepting',
  'log.level': 'the least severe level written to stdout (`info`: info, warn and error)',
  'auth.apiKeys': 'inbound API keys; a `/v1` request needs one of them',
  'auth.apiKeys[].name': 'shown in logs and the audit trail instead of the key',
  'auth.apiKeys[].key': 'the secret sent as `Authorization: Bearer` or `X-API-Key`; compared in constant time',
  'auth.apiKeys[].backends': 'backend names this key may use (`*`: all); others answer `403 FORBIDDEN`',
  'auth.apiKeys[].scopes': '`audit`: may read `GET /v1/audit`',
  'auth.apiKeys[].rateLimit.perMinute': 'token bucket size, refilled continuously; without `rateLimit` the key is unlimited',
  'store.type': 'where the audit trail and Idempotency-Key records live',
  'store.path': 'sqlite only: the database file (default `./data/taskgate.db`)',
  'store.url': 'postgres only: the connection URL',
  'backends.<name>.vendor': 'which adapter speaks to this backend',
  'backends.<name>.baseUrl': "the vendor's root URL; the adapter appends its own paths",
  'backends.<name>.timeoutMs': 'deadline of one vendor call, queueing, tries and backoff included',
  'backends.<name>.concurrency': 'vendor calls in flight at most',
  'backends.<name>.retries.baseDelayMs': 'backoff: a random wait up to `baseDelayMs * 2^attempt`',
  'backends.<name>.retries.maxDelayMs': 'longest backoff wait (a longer `Retry-After` from the vendor wins)',
  'backends.<name>.circuitBreaker.failureThreshold': 'consecutive failures (network, timeout, 5xx) that open the circuit',
  'backends.<name>.circuitBreaker.openMs': 'how long an open circuit fails calls at once before one probe goes through',
  'backends.<name>.auth.type': 'how the gateway authenticates to the vendor (keys below, by type)',
  'backends.<name>.projectId': 'the Huawei Cloud project id in the API path',
  'backends.<name>.workspaceId': 'the SecMaster workspace id in the API path',
  'backends.<name>.actionNames.approve': 'the process action `approve` sends (`a:<name>`)',
  'backends.<name>.actionNames.reject': 'the process action `reject` sends (`a:<name>`)',
  'backends.<name>.securityLabel': 'prefixed to user and group names (FQNs) that have none',
  'backends.<name>.timeZone': "IANA zone of the vendor's zone-less dates",
};

/** Keys of MEANING the render used; checked at its end. */
let used = new Set<string>();

function table(list: Row[]): string {
  return [
    '| key | type | default | notes |',
    '|---|---|---|---|',
    ...list.map((r) => `| ${r.key} | ${r.type} | ${r.def || '-'} | ${r.notes} |`),
  ].join('\n');
}

/** Branches of an `allOf` of `if: { properties: { <name>: { const } } }, then: {...}`, by that const. */
function branches(schema: Schema, name: string): Array<{ value: string; then: Schema }> {
  return (schema.allOf ?? []).map((branch: Schema) => ({ value: branch.if.properties[name].const, then: branch.then }));
}

const INTRO = `# Configuration

<!-- Generated by \`npm run docs\` (test/docs/render-config.ts) from schemas/config.schema.json and each
adapter's \`optionsSchema\`, merged as src/config/load.ts merges them. Do not edit: a test fails when this
file and the generator disagree. -->

A config file is YAML or JSON (a JSON file is valid YAML): \`config/sandbox.yaml\` is the sandbox's,
\`config/example.yaml\` a production-shaped one. Start the gateway with
\`taskgate serve --config <file>\` (or \`TASKGATE_CONFIG=<file>\`).

- String values may use \`\${NAME}\` from the environment; a missing variable stops startup, naming it
  and the key.
- The file is validated against \`schemas/config.schema.json\` plus the keys of each backend's
  adapter (chosen by its \`vendor\`). An unknown key or a wrong type stops startup with the key's path
  (\`backends.secmaster.colour: unknown key\`). Every key is enforced; none is accepted and ignored.
- API key names (\`auth.apiKeys[].name\`) are unique.
- A number given as text (\`port: "\${PORT}"\`) is read as a number.
- Credentials live only in the config and the environment: they are never logged, never in an
  answer, an error, a metric label or an audit record, and show as \`***\` in dry-run output.

In the tables, \`backends.<name>\` is any backend name (1 to 64 letters, digits, \`_\` and \`-\`,
starting with a letter or digit); \`-\` means no default (the key is optional unless marked required).
`;

const STORE_NOTE = `\`store\` holds the audit trail and the Idempotency-Key records. Absent, it is SQLite at
\`./data/taskgate.db\` (relative to the working directory; the directory is created): nothing to set
up, fine for one instance. \`type: postgres\` needs \`url\` (a \`postgres://\` URL; \`\${DATABASE_URL}\` keeps
its password out of the file) and takes an optional \`schema\` (default \`public\`, created when missing);
several gateway instances can then share one trail and one idempotency store (see
[operations](operations.md#several-instances-on-postgresql)). \`path\` is for SQLite only.`;

const AUTH_NOTE = `Outbound \`auth.type\` is \`token\` (SecMaster's \`X-Auth-Token\`), \`basic\`, \`bearer\`,
\`iam-password\` (Huawei IAM: \`POST {iamUrl}/v3/auth/tokens\` with the password method and project scope;
the token from \`X-Subject-Token\` is cached until 5 minutes before its \`expires_at\`, concurrent requests
share one fetch, and after SecMaster's \`401 APIG.0301\` it is fetched again and the request sent once
more) or \`aksk\` (\`accessKey\`, \`secretKey\`, \`securityToken?\`: every request signed \`SDK-HMAC-SHA256\`
with a signed \`X-Sdk-Date\`, as Huawei Cloud's API gateway wants). Which types a vendor takes is on its page.`;

const VENDOR_PAGES: Record<string, string> = {
  'huawei-secmaster': '../adapters/huawei-secmaster/README.md',
  'ibm-bpm': '../adapters/ibm-bpm/README.md',
  'oracle-bpm': '../adapters/oracle-bpm/README.md',
  k2: '../adapters/k2/README.md',
};

export function renderConfigDoc(): string {
  used = new Set<string>();
  const root = fullConfigSchema() as Schema;
  const backend = root.$defs.backend;
  const auth = root.$defs.outboundAuth;
  const top = { ...root, properties: { ...root.properties } };
  delete top.properties.backends;
  delete top.properties.store;
  const store = root.properties.store;
  const storeConditions = [store.then?.required ?? []].flat().map((k: string) => `\`${k}\` is required when \`type\` is \`${store.if.properties.type.const}\``);
  const common = { ...backend, properties: { ...backend.properties } };
  delete common.properties.auth;

  const sections: string[] = [INTRO];
  sections.push('## server, log, auth\n', table(rows(root, top, '', root.required ?? [])), '');
  sections.push('## store\n', STORE_NOTE, '', table(rows(root, store, 'store.', store.required ?? [], storeConditions.join('; '))), '');
  sections.push(
    '## backends\n',
    `\`backends\` is a map of backend name to backend (${range(root.properties.backends, 'minProperties', 'maxProperties')} backends). ` +
      'These keys apply to every backend; the resilience keys are explained in [operations](operations.md#resilience).',
    '',
    table(rows(root, common, 'backends.<name>.', backend.required ?? [])),
    '',
  );
  sections.push('### backends.<name>.auth\n', AUTH_NOTE, '');
  sections.push(table(rows(root, { properties: auth.properties }, 'backends.<name>.auth.', auth.required ?? [])), '');
  for (const { value, then } of branches(auth, 'type')) {
    sections.push(`With \`type: ${value}\`:\n`, table(rows(root, then, 'backends.<name>.auth.', then.required ?? [])), '');
  }
  sections.push('### Vendor keys\n', "Each adapter adds its own keys to a backend whose `vendor` names it; they are unknown keys on any other backend.\n");
  for (const { value, then } of branches(backend, 'vendor')) {
    const page = VENDOR_PAGES[value];
    sections.push(`#### vendor: ${value}\n`, page ? `See [${value}](${page}).\n` : '');
    sections.push(Object.keys(then.properties ?? {}).length ? table(rows(root, then, 'backends.<name>.', then.required ?? [])) : 'No keys of its own.', '');
  }
  const stale = Object.keys(MEANING).filter((key) => !used.has(key));
  if (stale.length > 0) throw new Error(`test/docs/render-config.ts: MEANING of keys the schema lacks or already describes: ${stale.join(', ')}`);
  return `${sections.filter((s, i, all) => !(s === '' && all[i - 1] === '')).join('\n').trimEnd()}\n`;
}

if (require.main === module) process.stdout.write(renderConfigDoc());
