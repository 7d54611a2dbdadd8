// Huawei IAM password auth: fetches a project-scoped token, caches it until shortly before expiry, shares one fetch.
// Vendor doc: support.huaweicloud.com/api-iam/iam_30_0001.html (POST /v3/auth/tokens; token in X-Subject-Token).
import { GatewayError } from '../core/errors';
import type { OutboundAuth } from './auth';
import { HttpTransport } from './http';

export interface IamPasswordConfig {
  type: 'iam-password';
  iamUrl: string;
  domain: string;
  username: string;
  password: string;
  project: string;
}

export interface IamAuthOptions {
  timeoutMs: number;
  connectTimeoutMs?: number;
  /** Every token fetched is added here (and the one it replaces removed), so errors can be scrubbed of it. */
  secrets?: string[];
  now?: () => number;
}

/** A token is replaced this long before IAM says it expires (tokens live 24 h). */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** When IAM gives no readable expires_at, the token is kept this long. */
const FALLBACK_LIFETIME_MS = 60 * 60_000;
/**
 * refresh() within this long after a refresh-triggered fetch keeps that new token: a burst of 401s for the old
 * token causes one fetch, not one each.
 */
const FRESH_MS = 1000;

const NO_AUTH: OutboundAuth = { headers: async () => ({}), secretHeaders: [], refresh: async () => false };

export function createIamAuth(config: IamPasswordConfig, options: IamAuthOptions): OutboundAuth {
  const now = options.now ?? Date.now;
  const iam = new HttpTransport({ baseUrl: config.iamUrl, timeoutMs: options.timeoutMs, connectTimeoutMs: options.connectTimeoutMs, auth: NO_AUTH, maxResponseBytes: 4 * 1024 * 1024 });
  let cached: { token: string; validUntil: number; fetchedAt: number; afterRefresh: boolean } | undefined;
  let pending: Promise<string> | undefined;
  let refreshing = false;

  const remember = (token: string) => {
    if (!options.secrets) return;
    const previous = cached?.token;
    if (previous && previous !== token) {
      const index = options.secrets.indexOf(previous);
      if (index >= 0) options.secrets.splice(index, 1);
    }
    if (!options.secrets.includes(token)) options.secrets.push(token);
  };

  const fetchToken = async (): Promise<string> => {
    const res = await iam.send({
      method: 'POST',
      path: '/v3/auth/tokens?nocatalog=true',
      headers: { 'Content-Type': 'application/json;charset=utf8' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { domain: { name: config.domain }, name: config.username, password: config.password } } },
          scope: { project: { name: config.project } },
        },
      }),
    });
    const token = res.headers['x-subject-token'];
    if ((res.status === 201 || res.status === 200) && token) {
      let expiresAt = NaN;
      try {
        expiresAt = Date.parse(JSON.parse(res.body)?.token?.expires_at);
      } catch {
        // no readable expiry: the fallback lifetime applies
      }
      const fetchedAt = now();
      const validUntil = Number.isFinite(expiresAt) ? Math.max(fetchedAt, expiresAt - REFRESH_MARGIN_MS) : fetchedAt + FALLBACK_LIFETIME_MS;
      remember(token);
      cached = { token, validUntil, fetchedAt, afterRefresh: refreshing };
      refreshing = false;
      return token;
    }
    // Nothing of IAM's answer is passed on: it may name the account.
    if (res.status === 401 || res.status === 403) {
      throw new GatewayError('BACKEND_AUTH_FAILED', `IAM refused the gateway's credentials (${res.status})`, { vendor: { status: res.status } });
    }
    if (res.status === 429) {
      throw new GatewayError('BACKEND_UNAVAILABLE', 'IAM is rate limiting token requests', { vendor: { status: 429 }, retryAfter: 1 });
    }
    throw new GatewayError('BACKEND_ERROR', `IAM answered ${res.status} without a token`, { vendor: { status: res.status } });
  };

  /** One fetch at a time; every caller waiting meanwhile gets its token. */
  const shared = (): Promise<string> => {
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  };

  return {
    secretHeaders: ['X-Auth-Token'],
    async headers() {
      const token = cached && now() < cached.validUntil ? cached.token : await shared();
      return { 'X-Auth-Token': token };
    },
    async refresh() {
      if (pending) {
        await pending.catch(() => undefined);
        return true;
      }
      if (cached?.afterRefresh && now() - cached.fetchedAt < FRESH_MS) return true;
      if (cached) cached.validUntil = 0;
      refreshing = true;
      return true;
    },
  };
}
