// The single bridge from errors to HTTP: any error becomes a catalogue error, sent as application/problem+json.
import type { Response } from 'express';
import { GatewayError, problemOf } from '../core/errors';

/** Logs what is a bug; `requestId` is all a client learns of it. */
export type BugLog = (requestId: string, error: unknown) => void;

/** Any error as a catalogue error: ours as they are, the client's faults the framework reports, the rest a 500. */
export function toGatewayError(error: unknown, requestId: string, logBug: BugLog): GatewayError {
  if (error instanceof GatewayError && !(error.code === 'INTERNAL_ERROR' && error.cause !== undefined)) return error;
  const known = fromFrameworkError(error);
  if (known) return known;
  logBug(requestId, error instanceof GatewayError ? error.cause : error);
  return new GatewayError('INTERNAL_ERROR', `An internal error occurred; quote request id ${requestId}`);
}

export function sendProblem(res: Response, error: GatewayError): void {
  const requestId = String(res.locals.requestId ?? '');
  res.locals.errorCode = error.code;
  if (error.context.retryAfter !== undefined) res.set('Retry-After', String(error.context.retryAfter));
  res.status(error.status).type('application/problem+json').send(JSON.stringify(problemOf(error, requestId)));
}

/** Body-parser and router errors that are the client's fault, mapped to the catalogue. */
function fromFrameworkError(error: unknown): GatewayError | undefined {
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
