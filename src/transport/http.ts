// Moves bytes between the gateway and one backend: one axios instance per backend, on keep-alive agents.
import axios, { AxiosError, type AxiosInstance } from 'axios';
import type { VendorRequest, VendorResponse } from '../core/adapter';
import { GatewayError } from '../core/errors';
import { version } from '../../package.json';
import type { DescribedRequest, OutboundAuth } from '../core/ports';
import { connectTimeoutAgents, NOT_SENT_CODES } from './connect-timeout';
import { vendorAdapter } from './node-adapter';
import { assertSafePath } from './safe-path';

export interface TransportOptions {
  baseUrl: string;
  timeoutMs: number;
  auth: OutboundAuth;
  /** Largest vendor answer accepted, in bytes after decoding. */
  maxResponseBytes?: number;
  /** A new connection must be established within this (default: timeoutMs). */
  connectTimeoutMs?: number;
}

/** Per-try limits set by the resilience layer: this try's timeout, and the call's deadline as a signal. */
export interface SendOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}


/** What every vendor sees the gateway as (contract section 1). */
export const USER_AGENT = `taskgate/${version}`;
const DEFAULT_MAX_RESPONSE = 10 * 1024 * 1024;
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED']);
const NOT_SENT = Symbol('request not sent');

/** True when the call failed before any byte of the request could reach the vendor (safe to send again). */
export function neverSent(error: unknown): boolean {
  return error instanceof GatewayError && error.cause === NOT_SENT;
}

export class HttpTransport {
  private readonly client: AxiosInstance;
  private readonly baseUrl: string;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.client = axios.create({
      // A small adapter on node:http (nock sees its sockets); axios's own where the environment names a proxy.
      adapter: vendorAdapter(),
      baseURL: this.baseUrl,
      timeout: options.timeoutMs,
      ...connectTimeoutAgents(options.connectTimeoutMs ?? options.timeoutMs),
      // A path is always relative to baseUrl: a task id such as `http://evil` can never pick the host.
      allowAbsoluteUrls: false,
      maxRedirects: 0,
      // Applied by axios to the decoded bytes, so a small gzip bomb is refused too.
      maxContentLength: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE,
      // Bytes in, bytes out: no JSON guessing on either side, every status handed back to the adapter.
      responseType: 'text',
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      decompress: true,
      headers: { 'User-Agent': USER_AGENT },
    });
  }

  async send(request: VendorRequest, limits: SendOptions = {}): Promise<VendorResponse> {
    const timeoutMs = limits.timeoutMs ?? this.options.timeoutMs;
    const started = performance.now();
    let auth: Record<string, string>;
    try {
      assertSafePath(request.path);
      auth = await this.options.auth.headers({ method: request.method, url: this.baseUrl + request.path, headers: request.headers, body: request.body });
    } catch (error) {
      // An unsafe path or no credentials to send with (a token fetch refused): the vendor was never called.
      throw error instanceof GatewayError ? error.unsent() : error;
    }
    // Fetching a token (IAM, a CSRF token) is part of the try: the call gets what is left of its time.
    const callMs = Math.floor(timeoutMs - (performance.now() - started));
    if (callMs <= 0) throw new GatewayError('BACKEND_TIMEOUT', `The vendor did not answer within ${timeoutMs} ms`).unsent();
    const headers: Record<string, string | null> = {};
    // The configured credential wins over an adapter's header of the same name, whatever its case.
    const authNames = new Set(Object.keys(auth).map((name) => name.toLowerCase()));
    for (const name of Object.keys(request.headers)) if (!authNames.has(name.toLowerCase())) headers[name] = request.headers[name];
    Object.assign(headers, auth);
    // A request without a body carries no Content-Type.
    if (request.body === undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['Content-Type'] = null;
    try {
      const res = await this.client.request<string>({
        method: request.method,
        url: request.path,
        headers,
        data: request.body,
        timeout: callMs,
        signal: limits.signal,
      });
      return { status: res.status, headers: flatHeaders(res.headers as Record<string, unknown>), body: typeof res.data === 'string' ? res.data : '' };
    } catch (error) {
      throw networkError(error, timeoutMs);
    }
  }

  describe(request: VendorRequest): DescribedRequest {
    assertSafePath(request.path);
    const headers = { ...request.headers };
    for (const name of this.options.auth.secretHeaders) headers[name] = '***';
    // The exact text that would be sent: empty where the call has no body (contract section 4, dry-run).
    return { method: request.method, url: this.baseUrl + request.path, headers, body: request.body ?? '' };
  }
}

/**
 * A failed axios call as a gateway error. Once the vendor's answer has begun (status line read), the vendor may
 * have acted: whatever goes wrong reading the rest (cut, corrupt, too large) is 502, never 503 (contract section 8).
 */
function networkError(error: unknown, timeoutMs: number): GatewayError {
  const failed = error instanceof AxiosError ? error : undefined;
  const code = failed?.code ?? (error as { code?: string } | undefined)?.code ?? '';
  const causeCode = (failed?.cause as { code?: unknown } | undefined)?.code;
  const cause = typeof causeCode === 'string' ? causeCode : '';
  const request = failed?.request as { res?: unknown; reusedSocket?: boolean } | undefined;
  const answered = failed?.response != null || request?.res != null;
  if (TIMEOUT_CODES.has(code)) {
    return new GatewayError('BACKEND_TIMEOUT', `The vendor did not answer within ${timeoutMs} ms`);
  }
  if (answered) {
    const tooLarge = /maxContentLength/.test(failed?.message ?? '') || code === 'ERR_BUFFER_TOO_LARGE';
    return new GatewayError('BACKEND_ERROR', tooLarge ? 'The vendor answer is larger than the gateway accepts' : `The vendor answer cannot be read (${code || cause || 'unreadable'})`);
  }
  // A kept-alive socket was connected before: a failure on it may come after the request left.
  if ((NOT_SENT_CODES.has(code) || NOT_SENT_CODES.has(cause)) && !request?.reusedSocket) {
    // Tagged so the retry policy knows no byte of the request left the gateway.
    return new GatewayError('BACKEND_UNAVAILABLE', `The vendor cannot be reached (${code || cause})`, {}, { cause: NOT_SENT }).unsent();
  }
  if (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_CODES.has(cause)) {
    return new GatewayError('BACKEND_UNAVAILABLE', `The vendor cannot be reached (${code || cause})`);
  }
  return new GatewayError('BACKEND_UNAVAILABLE', `The vendor call failed (${code || cause || 'network error'})`);
}

/** Headers of which node:http keeps the first when repeated (its IncomingMessage). */
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
