// Moves bytes between the gateway and one backend: one axios instance with a keep-alive agent per backend.
import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import type { VendorRequest, VendorResponse } from '../core/adapter';
import { GatewayError } from '../core/errors';
import type { OutboundAuth } from './auth';

export interface TransportOptions {
  baseUrl: string;
  timeoutMs: number;
  auth: OutboundAuth;
  /** Largest vendor answer accepted, in bytes. */
  maxResponseBytes?: number;
}

/** A vendor request as dry-run shows it: absolute URL, credential headers masked. */
export interface DescribedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

const DEFAULT_MAX_RESPONSE = 10 * 1024 * 1024;
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT']);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED']);

export class HttpTransport {
  private readonly client: AxiosInstance;
  private readonly baseUrl: string;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.client = axios.create({
      baseURL: this.baseUrl,
      timeout: options.timeoutMs,
      httpAgent: new http.Agent({ keepAlive: true }),
      httpsAgent: new https.Agent({ keepAlive: true }),
      maxRedirects: 0,
      maxContentLength: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE,
      // Bytes in, bytes out: no JSON guessing on either side, every status handed back to the adapter.
      responseType: 'text',
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      decompress: true,
    });
  }

  async send(request: VendorRequest): Promise<VendorResponse> {
    const headers: Record<string, string | null> = { ...request.headers, ...(await this.options.auth.headers()) };
    // axios gives a bodiless PUT/POST a form Content-Type of its own; a request without a body carries none.
    if (request.body === undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['Content-Type'] = null;
    try {
      const res = await this.client.request<string>({
        method: request.method,
        url: request.path,
        headers,
        data: request.body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const responseHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined && value !== null) responseHeaders[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      }
      return { status: res.status, headers: responseHeaders, body: typeof res.data === 'string' ? res.data : '' };
    } catch (error) {
      throw this.networkError(error);
    }
  }

  describe(request: VendorRequest): DescribedRequest {
    const headers = { ...request.headers };
    for (const name of this.options.auth.secretHeaders) headers[name] = '***';
    const described: DescribedRequest = { method: request.method, url: this.baseUrl + request.path, headers };
    if (request.body !== undefined) described.body = request.body;
    return described;
  }

  private networkError(error: unknown): GatewayError {
    const code = error instanceof AxiosError ? error.code ?? '' : '';
    const cause = error instanceof AxiosError ? (error.cause as NodeJS.ErrnoException | undefined)?.code ?? '' : '';
    if (TIMEOUT_CODES.has(code) || TIMEOUT_CODES.has(cause)) {
      return new GatewayError('BACKEND_TIMEOUT', `The vendor did not answer within ${this.options.timeoutMs} ms`);
    }
    if (code === 'ERR_BAD_RESPONSE' && error instanceof AxiosError && /maxContentLength/.test(error.message)) {
      return new GatewayError('BACKEND_ERROR', 'The vendor answer is larger than the gateway accepts');
    }
    if (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_CODES.has(cause)) {
      return new GatewayError('BACKEND_UNAVAILABLE', `The vendor cannot be reached (${code || cause})`);
    }
    return new GatewayError('BACKEND_UNAVAILABLE', `The vendor call failed (${code || cause || 'network error'})`);
  }
}
