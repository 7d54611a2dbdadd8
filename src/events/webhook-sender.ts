// One webhook POST: the event signed the Standard Webhooks way (standardwebhooks), sent with one axios instance.
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { Webhook } from 'standardwebhooks';
import { USER_AGENT } from '../transport/http';

/** Any 2xx within this time is a delivery (contract section 10). */
export const DELIVERY_TIMEOUT_MS = 15_000;

export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

export interface AttemptResult {
  ok: boolean;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why it is not a delivery: `HTTP 500`, `redirect (302) not followed`, `timeout`, `ECONNREFUSED`... (never a secret). */
  error?: string;
}

/** The webhook-id, webhook-timestamp and webhook-signature headers of one attempt (a fresh timestamp each time). */
export function signedRequest(secret: string, eventId: string, payload: string, at: Date): SignedRequest {
  return {
    headers: {
      'Content-Type': 'application/cloudevents+json',
      'User-Agent': USER_AGENT,
      'webhook-id': eventId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(eventId, at, payload),
    },
    body: payload,
  };
}

export class WebhookSender {
  private readonly client: AxiosInstance;

  constructor(timeoutMs = DELIVERY_TIMEOUT_MS) {
    this.client = axios.create({
      timeout: timeoutMs,
      maxRedirects: 0,
      validateStatus: () => true,
      maxContentLength: 1024 * 1024,
      responseType: 'text',
      transformResponse: (data: unknown) => data,
      // No proxy from the environment: webhook targets are named in config, and a proxy would see every payload.
      proxy: false,
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 64 }),
    });
  }

  async send(url: string, request: SignedRequest): Promise<AttemptResult> {
    try {
      const res = await this.client.post(url, request.body, { headers: request.headers });
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
      const error = res.status >= 300 && res.status < 400 ? `redirect (${res.status}) not followed` : `HTTP ${res.status}`;
      return { ok: false, status: res.status, error };
    } catch (error) {
      return { ok: false, error: describe(error) };
    }
  }

  close(): void {
    this.client.defaults.httpAgent?.destroy();
    this.client.defaults.httpsAgent?.destroy();
  }
}

/** A network failure in a few words, never the URL (it may carry a token) nor a header. */
function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT') return 'timeout: no answer in time';
  if (e.code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED' || e.code === 'ERR_BAD_RESPONSE') return 'the answer could not be read';
  return typeof e.code === 'string' && /^[A-Z_]{2,40}$/.test(e.code) ? e.code : 'request failed';
}
