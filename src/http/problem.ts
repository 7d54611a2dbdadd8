// The single bridge from errors to HTTP: every failure leaves as application/problem+json (RFC 9457).
import { ERROR_CATALOGUE, GatewayError, problemType, type ErrorCode } from '../core/errors';
import { send, type LocalsResponse } from './answer';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  [member: string]: unknown;
}

export function toProblem(error: GatewayError, requestId: string): Problem {
  const { retryAfter, ...context } = error.context;
  const problem: Problem = {
    type: problemType(error.code),
    title: ERROR_CATALOGUE[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    requestId,
  };
  for (const [key, value] of Object.entries(context)) if (value !== undefined) problem[key] = value;
  void retryAfter;
  return problem;
}

export function sendProblem(res: LocalsResponse, error: GatewayError): void {
  const requestId = String(res.locals.requestId ?? '');
  const headers: Record<string, string> = {};
  if (error.context.retryAfter !== undefined) headers['Retry-After'] = String(error.context.retryAfter);
  send(res, { status: error.status, contentType: 'application/problem+json', body: JSON.stringify(toProblem(error, requestId)), headers, errorCode: error.code });
}

/** Body-parser and other framework errors that are the client's fault, mapped to the catalogue. */
export function fromFrameworkError(error: unknown): GatewayError | undefined {
  const e = error as { type?: string; status?: number; message?: string };
  // The router could not percent-decode a path parameter (e.g. `%E0%A4%A`).
  if (error instanceof URIError && e.status === 400) return new GatewayError('INVALID_REQUEST', 'The URL path is not validly percent-encoded');
  switch (e?.type) {
    case 'entity.too.large':
      return new GatewayError('PAYLOAD_TOO_LARGE', 'The request body is over the size limit');
    case 'entity.parse.failed':
      return new GatewayError('INVALID_REQUEST', 'The request body is not valid JSON');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new GatewayError('UNSUPPORTED_MEDIA_TYPE', e.message ?? 'Unsupported body encoding');
    case 'request.aborted':
      return new GatewayError('INVALID_REQUEST', 'The request was aborted by the client');
    default:
      // Any other client error the body reader reports (a gzip body that does not inflate, say) is a 400.
      return typeof e?.status === 'number' && e.status >= 400 && e.status < 500
        ? new GatewayError('INVALID_REQUEST', 'The request body could not be read (is its Content-Encoding right?)')
        : undefined;
  }
}
