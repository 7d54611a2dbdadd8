// Moves bytes between the gateway and one backend: undici on a keep-alive pool (axios where a proxy is set).
import type { AxiosInstance, AxiosStatic } from 'axios';
import type { VendorRequest, VendorResponse } from '../core/adapter';
import { GatewayError } from '../core/errors';
import type { OutboundAuth } from '../core/ports';
import { connectTimeoutAgents, NOT_SENT_CODES } from './connect-timeout';
import { AXIOS_ACCEPT, envProxyFor, vendorAgent, vendorRequest, type VendorTarget } from './undici-request';
import { assertSafePath } from './safe-path';

export interface TransportOptions {
  baseUrl: string;
  timeoutMs: number;
  auth: OutboundAuth;
  /** Largest vendor answer accepted, in bytes. */
  maxResponseBytes?: number;
  /** A new connection must be established within this (default: timeoutMs). */
  connectTimeoutMs?: number;
}

/** Per-try limits set by the resilience layer: this try's timeout (never beyond the call's deadline). */
export interface SendOptions {
  timeoutMs?: number;
}

/** A vendor request as dry-run shows it: absolute URL, credential headers masked. */
export interface DescribedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

const DEFAULT_MAX_RESPONSE = 10 * 1024 * 1024;
const DEFAULT_ACCEPT = { Accept: AXIOS_ACCEPT };
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT']);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED']);
const NOT_SENT = Symbol('request not sent');

/** True when the call failed before any byte of the request could reach the vendor (safe to send again). */
export function neverSent(error: unknown): boolean {
  return error instanceof GatewayError && error.cause === NOT_SENT;
}

export class HttpTransport {
  /** axios with its own http adapter: only where the environment sets a proxy, which only it reads. */
  private readonly client?: AxiosInstance;
  /** Otherwise calls go straight over undici (undici-request.ts), sending what axios sent. */
  private readonly target?: VendorTarget;
  private readonly baseUrl: string;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const connectTimeoutMs = options.connectTimeoutMs ?? options.timeoutMs;
    const maxContentLength = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE;
    if (!envProxyFor(this.baseUrl)) {
      this.target = { baseUrl: this.baseUrl, dispatcher: vendorAgent(connectTimeoutMs), maxContentLength };
      return;
    }
    // Loaded only here: axios and what it brings cost every gateway ~9 MB of memory (docs/performance.md).
    const axios = require('axios') as AxiosStatic;
    this.client = axios.create({
      baseURL: this.baseUrl,
      timeout: options.timeoutMs,
      ...connectTimeoutAgents(connectTimeoutMs),
      // A path is always relative to baseUrl: a task id such as `http://evil` can never pick the host.
      allowAbsoluteUrls: false,
      maxRedirects: 0,
      maxContentLength,
      // Bytes in, bytes out: no JSON guessing on either side, every status handed back to the adapter.
      responseType: 'text',
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      decompress: true,
    });
  }

  async send(request: VendorRequest, limits: SendOptions = {}): Promise<VendorResponse> {
    assertSafePath(request.path);
    const timeoutMs = limits.timeoutMs ?? this.options.timeoutMs;
    const started = performance.now();
    const auth = await this.options.auth.headers({ method: request.method, url: this.baseUrl + request.path, headers: request.headers, body: request.body });
    // Fetching a token (IAM, a CSRF token) is part of the try: the call gets what is left of its time.
    const callMs = Math.floor(timeoutMs - (performance.now() - started));
    if (callMs <= 0) throw new GatewayError('BACKEND_TIMEOUT', `The vendor did not answer within ${timeoutMs} ms`);
    if (this.target) {
      try {
        const res = await vendorRequest(this.target, {
          method: request.method, path: request.path, headers: [DEFAULT_ACCEPT, request.headers, auth], body: request.body, timeoutMs: callMs,
        });
        return { status: res.status, headers: flatHeaders(res.headers), body: res.body };
      } catch (error) {
        throw this.networkError(error, timeoutMs);
      }
    }
    const headers: Record<string, string | null> = { ...request.headers, ...auth };
    // axios gives a bodiless PUT/POST a form Content-Type of its own; a request without a body carries none.
    if (request.body === undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['Content-Type'] = null;
    try {
      const res = await this.client!.request<string>({
        method: request.method,
        url: request.path,
        headers,
        data: request.body,
        timeout: callMs,
      });
      return { status: res.status, headers: flatHeaders(res.headers as Record<string, unknown>), body: typeof res.data === 'string' ? res.data : '' };
    } catch (error) {
      throw this.networkError(error, timeoutMs);
    }
  }

  describe(request: VendorRequest): DescribedRequest {
    assertSafePath(request.path);
    const headers = { ...request.headers };
    for (const name of this.options.auth.secretHeaders) headers[name] = '***';
    // The exact text that would be sent: empty where the call has no body (contract section 4, dry-run).
    return { method: request.method, url: this.baseUrl + request.path, headers, body: request.body ?? '' };
  }

  /** Maps a failed call (an AxiosError, or undici-request's TransportError with the same codes). */
  private networkError(error: unknown, timeoutMs: number): GatewayError {
    const failed = error as { code?: string; cause?: { code?: unknown }; message?: string } | undefined;
    const code = typeof failed?.code === 'string' ? failed.code : '';
    const cause = typeof failed?.cause?.code === 'string' ? failed.cause.code : '';
    if (NOT_SENT_CODES.has(code) || NOT_SENT_CODES.has(cause)) {
      // Tagged so the retry policy knows no byte of the request left the gateway.
      return new GatewayError('BACKEND_UNAVAILABLE', `The vendor cannot be reached (${code || cause})`, {}, { cause: NOT_SENT });
    }
    if (TIMEOUT_CODES.has(code) || TIMEOUT_CODES.has(cause)) {
      return new GatewayError('BACKEND_TIMEOUT', `The vendor did not answer within ${timeoutMs} ms`);
    }
    if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(failed?.message ?? '')) {
      return new GatewayError('BACKEND_ERROR', 'The vendor answer is larger than the gateway accepts');
    }
    if (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_CODES.has(cause)) {
      return new GatewayError('BACKEND_UNAVAILABLE', `The vendor cannot be reached (${code || cause})`);
    }
    return new GatewayError('BACKEND_UNAVAILABLE', `The vendor call failed (${code || cause || 'network error'})`);
  }
}

/** Headers of which node:http keeps the first when repeated (its IncomingMessage); undici hands all of them. */
const FIRST_ONLY = new Set(['content-type', 'content-length', 'user-agent', 'referer', 'host', 'authorization', 'proxy-authorization',
  'if-modified-since', 'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag', 'last-modified', 'server', 'age', 'expires']);

/** Response headers as lower-case names and single string values (repeated ones joined, as node:http did). */
function flatHeaders(headers: Record<string, unknown>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    const lower = name.toLowerCase();
    if (value === undefined || value === null) continue;
    flat[lower] = !Array.isArray(value) ? String(value) : FIRST_ONLY.has(lower) ? String(value[0]) : value.join(lower === 'cookie' ? '; ' : ', ');
  }
  return flat;
}
