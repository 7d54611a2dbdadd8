// IBM's BPMCSRFToken: fetched with POST /bpm/system/login, cached, sent on every request, dropped when IBM says it expired.
// Source: IBM docs "Preventing cross site request forgery" (stdrest_xsrf): body {"refresh-groups":false,
// "requested-lifetime":7200}; the answer's `csrf_token` string is the token; an expired one gives 403 CWTBG0651E.
import type { VendorRequest, VendorResponse } from '../../src/core/adapter';
import { GatewayError, type ErrorCode } from '../../src/core/errors';
import { expectObject, parseJsonBody, vendorError } from '../../src/core/vendor-errors';
import type { OutboundAuth } from '../../src/core/ports';
import { htmErrorInfo } from './parse';
import { CSRF_MAX_LIFETIME, type CsrfLoginRequest } from './vendor-types';

export const CSRF_HEADER = 'BPMCSRFToken';
export const LOGIN_PATH = '/bpm/system/login';
/** Refetch this long before IBM's own expiry, so a token never runs out between headers() and the vendor. */
const EXPIRY_MARGIN_SECONDS = 60;

export function loginRequest(): VendorRequest {
  // refresh-groups false spares the server a group-membership refresh; 7200 s is the maximum lifetime.
  const body: CsrfLoginRequest = { 'refresh-groups': false, 'requested-lifetime': CSRF_MAX_LIFETIME };
  return {
    method: 'POST',
    path: LOGIN_PATH,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  };
}

/** The token from a login answer; any refusal is the gateway's credentials failing, never the task's fault. */
export function readCsrfToken(res: VendorResponse): string {
  if (res.status < 200 || res.status >= 300) {
    const code: ErrorCode = res.status === 401 || res.status === 403 ? 'BACKEND_AUTH_FAILED' : res.status === 429 ? 'BACKEND_UNAVAILABLE' : 'BACKEND_ERROR';
    const error = vendorError(res, htmErrorInfo(res.body), code);
    throw new GatewayError(code, `Fetching the BPMCSRFToken failed. ${error.message}`, error.context);
  }
  const token = expectObject(parseJsonBody(res), 'a login answer', res.status).csrf_token;
  if (typeof token !== 'string' || token === '') {
    throw new GatewayError('BACKEND_ERROR', `The vendor answered ${res.status} to ${LOGIN_PATH} without a csrf_token`, { vendor: { status: res.status } });
  }
  return token;
}

/**
 * The configured (Basic) auth plus a cached BPMCSRFToken. Concurrent requests share one login call;
 * refresh() drops the cached token (a login already under way is kept: its token is fresh).
 */
export function withCsrfToken(
  auth: OutboundAuth,
  send: (req: VendorRequest) => Promise<VendorResponse>,
  now: () => number = Date.now,
): OutboundAuth {
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const token = (): Promise<string> => {
    if (cached && cached.expiresAt > now()) return Promise.resolve(cached.token);
    pending ??= send(loginRequest())
      .then((res) => {
        const fresh = readCsrfToken(res);
        cached = { token: fresh, expiresAt: now() + (CSRF_MAX_LIFETIME - EXPIRY_MARGIN_SECONDS) * 1000 };
        return fresh;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  return {
    headers: async (request) => {
      const [base, csrf] = await Promise.all([auth.headers(request), token()]);
      return { ...base, [CSRF_HEADER]: csrf };
    },
    secretHeaders: [...auth.secretHeaders, CSRF_HEADER],
    secrets: () => (cached ? [...auth.secrets(), cached.token] : auth.secrets()),
    refresh: async () => {
      cached = undefined;
      return true;
    },
  };
}
