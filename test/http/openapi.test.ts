// /openapi.json cannot drift: every route and schema is in it, it validates as OpenAPI 3.1, and real answers match it. /docs works offline.
import { createGatewayApp } from '../../src/compose';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ERROR_CATALOGUE } from '../../src/core/errors';
import { Gateway } from '../../src/core/gateway';
import { SCHEMA_FILES } from '../../src/http/openapi';
import { createLogger } from '../../src/log';
import { startStack, type Stack } from '../helpers/stack';

const SECMASTER_TASK = '3e4c170e-7cc9-11f0-9216-fa163e209978';

let stack: Stack;
let doc: any;
beforeAll(async () => {
  stack = await startStack();
  const res = await stack.request('GET', '/openapi.json', { key: null });
  expect(res.status).toBe(200);
  doc = res.body;
});
afterAll(() => stack.close());

test('the document is valid OpenAPI 3.1 (@apidevtools/swagger-parser, against the official OAS 3.1 schema)', () => {
  expect(doc.openapi).toBe('3.1.0');
  // swagger-parser's dependencies are ES modules, which jest 29 (CommonJS) cannot load: validate in a plain Node process.
  const script = `let t = ''; process.stdin.on('data', (c) => (t += c)).on('end', () => require('@apidevtools/swagger-parser')
    .validate(JSON.parse(t)).then(() => console.log('valid'), (e) => { console.error(e.message); process.exit(1); }));`;
  const res = spawnSync(process.execPath, ['-e', script], { input: JSON.stringify(doc), encoding: 'utf8', cwd: __dirname, timeout: 30_000 });
  expect({ status: res.status, stderr: res.stderr.trim(), stdout: res.stdout.trim() }).toEqual({ status: 0, stderr: '', stdout: 'valid' });
});

test('the validator does reject a broken document', () => {
  const broken = { ...doc, paths: { '/x': { get: { responses: { '200': { content: 'nope' } } } } } };
  const script = `let t = ''; process.stdin.on('data', (c) => (t += c)).on('end', () => require('@apidevtools/swagger-parser')
    .validate(JSON.parse(t)).then(() => console.log('valid'), () => process.exit(1)));`;
  expect(spawnSync(process.execPath, ['-e', script], { input: JSON.stringify(broken), encoding: 'utf8', cwd: __dirname, timeout: 30_000 }).status).toBe(1);
});

/** Problems Redocly's linter (@redocly/openapi-core, an ES module: run in a plain Node process) finds under its recommended rules. */
function lint(document: unknown): string[] {
  const script = `let t = ''; process.stdin.on('data', (c) => (t += c)).on('end', async () => {
    const { createConfig, lintFromString } = await import('@redocly/openapi-core');
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: t, absoluteRef: '/openapi.json', config });
    console.log(JSON.stringify(problems.map((p) => p.severity + ' ' + p.ruleId + ': ' + p.message + ' ' + p.location.map((l) => l.pointer).join(' '))));
  });`;
  const res = spawnSync(process.execPath, ['-e', script], { input: JSON.stringify(document), encoding: 'utf8', cwd: __dirname, timeout: 60_000 });
  expect({ status: res.status, stderr: res.stderr.trim() }).toEqual({ status: 0, stderr: '' });
  return JSON.parse(res.stdout) as string[];
}

test('the document is lint clean under the recommended rules of Redocly\'s OpenAPI linter', () => {
  expect(lint(doc)).toEqual([]);
});

test('the linter does flag what it should', () => {
  const { license: _l, ...info } = doc.info;
  const problems = lint({ ...doc, info, tags: [...doc.tags, { name: 'unused' }] });
  expect(problems).toEqual([expect.stringMatching(/^warn info-license: /), expect.stringMatching(/^warn tag-description: /)]);
});

test('info: the version is package.json\'s, the license Apache-2.0', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
  expect(doc.info.version).toBe(pkg.version);
  expect(doc.info.license).toEqual({ name: 'Apache License 2.0', identifier: pkg.license });
});

test('the action request is a oneOf with a discriminator on `action`, one branch per action, exclusive as JSON Schema too', () => {
  const request = doc.components.schemas.ActionRequest;
  expect(request.allOf).toBeUndefined();
  const names: string[] = request.properties.action.enum;
  expect(request.discriminator).toEqual({
    propertyName: 'action',
    mapping: Object.fromEntries(names.map((n) => [n, `#/components/schemas/ActionRequest_${n}`])),
  });
  expect(request.oneOf).toEqual(names.map((n) => ({ $ref: `#/components/schemas/ActionRequest_${n}` })));
  // Each branch's schema pins its action (what the discriminator and Swagger UI read).
  for (const n of names) expect([n, doc.components.schemas[`ActionRequest_${n}`]]).toEqual([n, expect.objectContaining({ required: expect.arrayContaining(['action']), properties: expect.objectContaining({ action: { const: n } }) })]);
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  const validate = ajv.compile({ $ref: '#/components/schemas/ActionRequest', components: doc.components });
  // claim, release and resume have the same parameters (none): only the const tells them apart.
  for (const body of [{ action: 'claim' }, { action: 'approve', comment: 'x' }, { action: 'suspend', durationSeconds: 60 }]) expect([body, validate(body)]).toEqual([body, true]);
  for (const body of [{ action: 'claim', comment: 'x' }, { action: 'nope' }, { action: 'suspend', durationSeconds: 60, until: '2030-01-01T00:00:00Z' }, {}]) {
    expect([body, validate(body)]).toEqual([body, false]);
  }
});

test('every route the app serves is described, with every method', () => {
  const app = createGatewayApp({ config: stack.config, gateway: new Gateway([]), store: stack.gateway.store, logger: createLogger('error') });
  // Top-level routes and those of mounted routers (the /docs router).
  const flatten = (stack: any[]): any[] => stack.flatMap((layer) => (layer.route ? [layer] : layer.handle?.stack ? flatten(layer.handle.stack) : []));
  const layers = flatten((app as unknown as { router: { stack: any[] } }).router.stack);
  const routes = layers.map((layer): { path: string; methods: string[] } => ({
    path: (layer.route.path as string).replace(/:(\w+)/g, '{$1}'),
    methods: Object.keys(layer.route.methods).filter((m) => m !== '_all'),
  }));
  expect(routes.length).toBeGreaterThan(10);
  for (const { path: p, methods } of routes) {
    if (p.startsWith('/docs/')) continue; // the page's own assets
    const described = doc.paths[p];
    expect([p, described ? 'described' : 'missing']).toEqual([p, 'described']);
    for (const m of methods) expect([p, m, Boolean(described[m])]).toEqual([p, m, true]);
  }
  expect(Object.keys(doc.paths).sort()).toEqual([...new Set(routes.map((r) => r.path).filter((p) => !p.startsWith('/docs/')))].sort());
});

test('every schema file but the config is a component, unchanged but for its references (the audit query: its route\'s parameters)', () => {
  const files = fs.readdirSync(path.join(__dirname, '../../schemas')).filter((f) => f !== 'config.schema.json');
  expect(SCHEMA_FILES.map((s) => s.file).sort()).toEqual(files.sort());
  const action = JSON.parse(fs.readFileSync(path.join(__dirname, '../../schemas/action-request.schema.json'), 'utf8'));
  expect(doc.components.schemas.ActionRequest.properties).toEqual(action.properties);
  for (const name of Object.keys(action.$defs)) expect(doc.components.schemas[`ActionRequest_${name}`]).toBeDefined();
  expect(JSON.stringify(doc)).not.toMatch(/"\$ref":"(?!#\/components\/)/);
  expect([...doc.components.schemas.Problem.properties.code.enum].sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
  const auditQuery = JSON.parse(fs.readFileSync(path.join(__dirname, '../../schemas/audit-query.schema.json'), 'utf8'));
  expect(doc.paths['/v1/audit'].get.parameters.map((p: { name: string; schema: unknown }) => [p.name, p.schema])).toEqual(Object.entries(auditQuery.properties));
});

describe('real answers match the documented schemas', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const check = (component: string, body: unknown) => {
    const validate = ajv.compile({ $ref: `#/components/schemas/${component}`, components: doc.components });
    const ok = validate(body);
    expect([component, ok ? [] : validate.errors]).toEqual([component, []]);
  };

  test('backends, manifest, tasks, a task', async () => {
    check('BackendList', (await stack.request('GET', '/v1/backends')).body);
    check('BackendManifest', (await stack.request('GET', '/v1/backends/secmaster')).body);
    check('TaskPage', (await stack.request('GET', '/v1/backends/secmaster/tasks')).body);
    check('Task', (await stack.request('GET', `/v1/backends/secmaster/tasks/${SECMASTER_TASK}`)).body);
  });

  test('the inbox and the sync route', async () => {
    const sync = await stack.request('POST', '/v1/backends/oracle/sync');
    expect(sync.status).toBe(202);
    check('SyncAccepted', sync.body);
    const inbox = await stack.request('GET', '/v1/tasks?limit=5');
    expect(inbox.status).toBe(200);
    check('InboxPage', inbox.body);
  });

  test('action, dry-run, problem, batch, audit, health, ready', async () => {
    const route = `/v1/backends/secmaster/tasks/${SECMASTER_TASK}/actions`;
    check('DryRunResponse', (await stack.request('POST', `${route}?dryRun=true`, { body: { action: 'approve', comment: 'x' } })).body);
    check('ActionResponse', (await stack.request('POST', route, { body: { action: 'approve', comment: 'x' } })).body);
    check('Problem', (await stack.request('POST', route, { body: { action: 'approve' } })).body);
    check('Problem', (await stack.request('POST', route, { body: { action: 'nope' } })).body);
    check('BatchResponse', (await stack.request('POST', '/v1/actions/batch', { body: { items: [{ backend: 'secmaster', taskId: 'x', action: 'claim' }, { backend: 'secmaster', taskId: SECMASTER_TASK, action: 'add_comment', comment: 'c' }] } })).body);
    const audit = (await stack.request('GET', '/v1/audit')).body;
    expect(audit.items.length).toBeGreaterThan(2);
    check('AuditPage', audit);
    check('Health', (await stack.request('GET', '/healthz', { key: null })).body);
    check('Ready', (await stack.request('GET', '/readyz', { key: null })).body);
  });
});

test('/docs renders from this gateway only: every asset it loads is served here, nothing from elsewhere', async () => {
  const page = await stack.request('GET', '/docs', { key: null });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  expect(assets.length).toBeGreaterThanOrEqual(3);
  for (const asset of assets) {
    expect(asset).toMatch(/^\/docs\//);
    const res = await fetch(stack.url + asset);
    expect([asset, res.status]).toEqual([asset, 200]);
    const text = await res.text();
    if (asset.endsWith('init.js')) {
      expect(text).toContain("url: '/openapi.json'");
      expect(text).toContain('validatorUrl: null');
    }
  }
  expect((await stack.request('GET', '/docs/assets/package.json', { key: null })).status).toBe(404);
});
