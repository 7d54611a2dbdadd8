// Maps a vendor's refusal (HTTP status plus what its body said) to the catalogue; shared by all adapters.
import { GatewayError, type ErrorCode, type VendorErrorInfo } from './errors';
import type { VendorResponse } from './adapter';

const MAX_MESSAGE = 500;

/** Trims a vendor message to one bounded line: never a stack trace, never unbounded. */
export function sanitizeMessage(message: unknown): string | undefined {
  if (typeof message !== 'string' || message.trim() === '') return undefined;
  const firstLine = message.split(/\r?\n/, 1)[0].trim();
  return firstLine.length > MAX_MESSAGE ? `${firstLine.slice(0, MAX_MESSAGE)}...` : firstLine;
}

/** The code for a vendor status when the adapter knows nothing more specific (contract section 7). */
export function codeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'BACKEND_AUTH_FAILED';
  if (status === 404) return 'TASK_NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 429) return 'BACKEND_UNAVAILABLE';
  if (status >= 500) return 'BACKEND_ERROR';
  if (status >= 400) return 'BACKEND_REJECTED';
  return 'BACKEND_ERROR';
}

/** Builds the error for a non-success vendor answer; `Retry-After` of a 429 is passed on. */
export function vendorError(
  res: VendorResponse,
  info: { code?: unknown; message?: unknown } = {},
  code: ErrorCode = codeForStatus(res.status),
): GatewayError {
  const vendor: VendorErrorInfo = { status: res.status };
  if (typeof info.code === 'string' && info.code !== '') vendor.code = info.code.slice(0, 100);
  const message = sanitizeMessage(info.message);
  if (message) vendor.message = message;
  const detail = `The vendor answered ${res.status}${vendor.code ? ` ${vendor.code}` : ''}${message ? `: ${message}` : ''}`;
  const error = new GatewayError(code, detail, { vendor });
  if (res.status === 429) error.context.retryAfter = retryAfterSeconds(res.headers['retry-after']);
  return error;
}

function retryAfterSeconds(header: string | undefined): number {
  if (!header) return 1;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - Date.now()) / 1000)) : 1;
}

/** Parses a JSON vendor body; an unparseable one is a 502, never a crash. */
export function parseJsonBody(res: VendorResponse): unknown {
  try {
    return JSON.parse(res.body);
  } catch {
    throw new GatewayError('BACKEND_ERROR', `The vendor answered ${res.status} with a body that is not valid JSON`, {
      vendor: { status: res.status },
    });
  }
}

/** Parses a JSON error body if there is one; anything else yields no detail. */
export function tryParseJson(body: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Reads a JSON object the vendor must send, or throws 502 naming what was wrong. */
export function expectObject(value: unknown, what: string, status: number): Record<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new GatewayError('BACKEND_ERROR', `The vendor answered ${status} without ${what}`, { vendor: { status } });
}
