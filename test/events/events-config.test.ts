// The `events` config: defaults, webhook keys checked with their paths, secrets never in a message.
import { parseConfig } from '../../src/config/load';
import { DEFAULT_RETRY_SCHEDULE } from '../../src/events/delivery-worker';
import { SECRET } from './helpers';

const base = { auth: { apiKeys: [{ name: 'a', key: 'abcdefgh1', scopes: ['events'] }] }, backends: { k2: { vendor: 'k2', baseUrl: 'http://127.0.0.1:1', auth: { type: 'basic', username: 'u', password: 'p' } } } };
const withHooks = (webhooks: unknown[], more: Record<string, unknown> = {}) => parseConfig({ ...base, events: { webhooks, ...more } }, {});

test('defaults: 168 hours, the standard retry schedule, no webhooks; a webhook covers every backend by default', () => {
  const config = parseConfig(base, {});
  expect(config.events).toEqual({ retentionHours: 168, retrySchedule: DEFAULT_RETRY_SCHEDULE, webhooks: [] });
  expect(config.auth.apiKeys[0].scopes).toEqual(['events']);
  const [hook] = withHooks([{ name: 'erp', url: 'https://erp.example/hook', secret: SECRET }]).events.webhooks;
  expect(hook).toEqual({ name: 'erp', url: 'https://erp.example/hook', secret: SECRET, backends: ['*'] });
  expect(withHooks([], { retrySchedule: [10, 20], retentionHours: 1 }).events).toMatchObject({ retrySchedule: [10, 20], retentionHours: 1 });
});

test('bad webhooks are startup errors naming the key; the secret is never quoted', () => {
  const hook = { name: 'erp', url: 'https://erp.example/hook', secret: SECRET };
  expect(() => withHooks([{ ...hook, secret: 'plain-secret-value' }])).toThrow(/events\.webhooks\.0\.secret: must match/);
  const long = `whsec_${Buffer.alloc(66, 1).toString('base64')}`;
  expect(() => withHooks([{ ...hook, secret: long }])).toThrow(/events\.webhooks\.0\.secret: .*24-64 random bytes/);
  try {
    withHooks([{ ...hook, secret: long }]);
  } catch (error) {
    expect((error as Error).message).not.toContain(long.slice(6));
  }
  expect(() => withHooks([hook, { ...hook }])).toThrow("events.webhooks.1.name: duplicate webhook name 'erp'");
  expect(() => withHooks([{ ...hook, backends: ['nope'] }])).toThrow("events.webhooks.0.backends.0: no backend is named 'nope'");
  expect(() => withHooks([{ ...hook, url: 'ftp://x' }])).toThrow(/events\.webhooks\.0\.url/);
  expect(() => withHooks([{ ...hook, extra: 1 }])).toThrow('events.webhooks.0.extra: unknown key');
  expect(() => withHooks([], { retentionHours: 0 })).toThrow(/events\.retentionHours/);
  expect(() => withHooks([], { retrySchedule: [-1] })).toThrow(/events\.retrySchedule\.0/);
  expect(() => parseConfig({ ...base, events: { hooks: [] } }, {})).toThrow('events.hooks: unknown key');
});
