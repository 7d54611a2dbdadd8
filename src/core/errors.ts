// The one error catalogue: every code of contract section 7, its HTTP status and title.

export const ERROR_CATALOGUE = {
  INVALID_REQUEST: { status: 400, title: 'The request is invalid' },
  NOT_FOUND: { status: 404, title: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed on this route' },
  UNAUTHENTICATED: { status: 401, title: 'Missing or unknown API key' },
  FORBIDDEN: { status: 403, title: 'The API key may not do this' },
  BACKEND_NOT_FOUND: { status: 404, title: 'No such backend' },
  TASK_NOT_FOUND: { status: 404, title: 'The vendor says the task does not exist' },
  CONFLICT: { status: 409, title: "The task's state does not allow this" },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The body is over the limit' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The body is not JSON' },
  UNSUPPORTED_ACTION: { status: 422, title: 'The backend cannot do this action' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'The Idempotency-Key was used with another body' },
  RATE_LIMITED: { status: 429, title: 'Rate limit exhausted' },
  BACKEND_REJECTED: { status: 422, title: 'The vendor refused the request' },
  BACKEND_AUTH_FAILED: { status: 502, title: "The vendor refused the gateway's credentials" },
  BACKEND_ERROR: { status: 502, title: 'The vendor failed or answered something unusable' },
  BACKEND_UNAVAILABLE: { status: 503, title: 'The vendor cannot be reached now' },
  SHUTTING_DOWN: { status: 503, title: 'The gateway is shutting down' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error' },
  BACKEND_TIMEOUT: { status: 504, title: 'The vendor did not answer in time' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** What a vendor said when it refused: sanitized before it leaves the gateway. */
export interface VendorErrorInfo {
  status?: number;
  code?: string;
  message?: string;
}

/** Extra members of the problem document, where known. */
export interface ErrorContext {
  backend?: string;
  taskId?: string;
  action?: string;
  supportedActions?: string[];
  vendor?: VendorErrorInfo;
  /** Steps of a multi-call action that the vendor had already applied before this error. */
  applied?: string[];
  /** Seconds, sent as the Retry-After header. */
  retryAfter?: number;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, detail: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = 'GatewayError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.context = context;
  }

  /** Network trouble and vendor overload may clear up; everything else will not by itself. */
  get retryable(): boolean {
    return ['BACKEND_UNAVAILABLE', 'BACKEND_TIMEOUT', 'RATE_LIMITED', 'SHUTTING_DOWN'].includes(this.code);
  }

  withContext(more: ErrorContext): GatewayError {
    Object.assign(this.context, more);
    return this;
  }
}

/** Problem type URI for a code, e.g. https://taskgate.dev/problems/task-not-found. */
export function problemType(code: ErrorCode): string {
  return `https://taskgate.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`;
}
