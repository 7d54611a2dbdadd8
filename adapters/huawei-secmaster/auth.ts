// Huawei Cloud's own auth schemes: a static IAM token, IAM password auth (a project-scoped token fetched,
// cached until shortly before expiry, one fetch shared by every waiting call), or AK/SK request signing.
// Vendor docs: support.huaweicloud.com/api-iam/iam_30_0001.html (POST /v3/auth/tokens; token in X-Subject-Token);
// support.huaweicloud.com/devg-apisign/api-sign-algorithm-005.html (SDK-HMAC-SHA256: canonical request, string to sign).
import { createHash, createHmac } from 'node:crypto';
import type { AuthConfig } from '../../src/core/adapter';
import { staticAuth, type AuthTypeSchema } from '../../src/core/auth';
import { GatewayError } from '../../src/core/errors';
import type { AuthContext, OutboundAuth, Transport } from '../../src/core/ports';

const TEXT = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });

/** The auth types SecMaster backends take besides the standard ones. */
export const HUAWEI_AUTH_TYPES: Record<string, AuthTypeSchema> = {
  token: { properties: { token: TEXT(16384) }, required: ['token'] },
  'iam-password': {
    properties: {
      iamUrl: { type: 'string', pattern: '^https?://[^\\s?#]{1,2040}$' },
      domain: TEXT(256), username: TEXT(256), password: TEXT(1024), project: TEXT(256),
    },
    required: ['iamUrl', 'domain', 'username', 'password', 'project'],
  },
  aksk: {
    properties: { accessKey: TEXT(256), secretKey: TEXT(1024), securityToken: TEXT(16384) },
    required: ['accessKey', 'secretKey'],
  },
};

/** The backend's auth: Huawei's types here; basic and bearer as the gateway builds them. */
export function huaweiAuth(config: AuthConfig, ctx: AuthContext, now?: () => number): OutboundAuth {
  switch (config.type) {
    case 'token':
      // A static IAM token travels in X-Auth-Token.
      return staticAuth({ 'X-Auth-Token': (config as unknown as { token: string }).token });
    case 'iam-password':
      return createIamAuth(config as unknown as IamPasswordConfig, ctx.connect((config as unknown as IamPasswordConfig).iamUrl), now);
    case 'aksk':
      return createAkskAuth(config as unknown as AkskConfig, now);
    default:
      if (!ctx.standard) throw new Error(`backends.${ctx.backend}.auth.type: '${config.type}' is not an auth type of huawei-secmaster`);
      return ctx.standard;
  }
}

export interface IamPasswordConfig {
  type: 'iam-password';
  iamUrl: string;
  domain: string;
  username: string;
  password: string;
  project: string;
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

/** `iam` reaches the IAM endpoint with no auth of its own. */
export function createIamAuth(config: IamPasswordConfig, iam: Transport, now: () => number = Date.now): OutboundAuth {
  let cached: { token: string; validUntil: number; fetchedAt: number; afterRefresh: boolean } | undefined;
  let pending: Promise<string> | undefined;
  let refreshing = false;

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
    secrets: () => (cached ? [config.password, cached.token] : [config.password]),
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

export interface AkskConfig {
  type: 'aksk';
  accessKey: string;
  secretKey: string;
  /** A temporary AK/SK's security token, sent (and signed) as X-Security-Token. */
  securityToken?: string;
}

export const AKSK_ALGORITHM = 'SDK-HMAC-SHA256';

/** RFC 3986 percent-encoding: everything but unreserved characters, as the APIG signer encodes. */
export function apigEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `YYYYMMDDTHHMMSSZ` in UTC, the X-Sdk-Date form. */
export function sdkDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function decodeSafely(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The canonical request of the APIG signer: method, the path with each segment encoded and a trailing '/',
 * the query sorted by name (then value), each signed header as `name:value` (lower-case name, trimmed value),
 * the signed header names, and the hex SHA-256 of the body.
 */
export function canonicalRequest(method: string, url: URL, headers: Record<string, string>, signed: string[], body: string): string {
  const segments = url.pathname.split('/').map((s) => apigEncode(decodeSafely(s)));
  let path = segments.join('/');
  if (!path.endsWith('/')) path += '/';
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => [apigEncode(k), apigEncode(v)])
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = signed.map((name) => `${name}:${(lower[name] ?? '').trim()}\n`).join('');
  const bodyHash = createHash('sha256').update(body, 'utf8').digest('hex');
  return [method.toUpperCase(), path, query, canonicalHeaders, signed.join(';'), bodyHash].join('\n');
}

/** The signature over a canonical request: HMAC-SHA256(secretKey, "SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex sha256 of it>"). */
export function akskSignature(secretKey: string, date: string, canonical: string): string {
  const stringToSign = `${AKSK_ALGORITHM}\n${date}\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
  return createHmac('sha256', secretKey).update(stringToSign, 'utf8').digest('hex');
}

/**
 * Every request signed: X-Sdk-Date (signed, now), X-Security-Token for a temporary AK/SK (signed), and
 * `Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<names>, Signature=<hex>`. Signed headers: the
 * request's Content-Type (SecMaster sends one on every call), host, x-sdk-date, x-security-token.
 */
export function createAkskAuth(config: AkskConfig, now: () => number = Date.now): OutboundAuth {
  const secretHeaders = config.securityToken ? ['Authorization', 'X-Security-Token'] : ['Authorization'];
  return {
    secretHeaders,
    secrets: () => [config.secretKey, ...(config.securityToken ? [config.securityToken] : [])],
    refresh: async () => false,
    async headers(request) {
      const url = new URL(request.url);
      const date = sdkDate(now());
      const added: Record<string, string> = { 'X-Sdk-Date': date };
      if (config.securityToken) added['X-Security-Token'] = config.securityToken;
      const all: Record<string, string> = { ...request.headers, ...added, host: url.host };
      const present = new Set(Object.keys(all).map((k) => k.toLowerCase()));
      const signed = ['content-type', 'host', 'x-sdk-date', 'x-security-token'].filter((name) => present.has(name));
      const signature = akskSignature(config.secretKey, date, canonicalRequest(request.method, url, all, signed, request.body ?? ''));
      return { ...added, Authorization: `${AKSK_ALGORITHM} Access=${config.accessKey}, SignedHeaders=${signed.join(';')}, Signature=${signature}` };
    },
  };
}
