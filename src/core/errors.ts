// The one error catalogue: every code of contract section 7, its HTTP status, whether a retry may help, and its title.

export const ERROR_CATALOGUE = {
  INVALID_REQUEST: { status: 400, retryable: false, title: 'The request is invalid' },
  NOT_FOUND: { status: 404, retryable: false, title: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false, title: 'Method not allowed on this route' },
  UNAUTHENTICATED: { status: 401, retryable: false, title: 'Missing or unknown API key' },
  FORBIDDEN: { status: 403, retryable: false, title: 'The API key may not do this' },
  BACKEND_NOT_FOUND: { status: 404, retryable: false, title: 'No such backend' },
  TASK_NOT_FOUND: { status: 404, retryable: false, title: 'The vendor says the task does not exist' },
  CONFLICT: { status: 409, retryable: false, title: "The task's state does not allow this" },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, title: 'The body is over the limit' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, title: 'The body is not JSON' },
  UNSUPPORTED_ACTION: { status: 422, retryable: false, title: 'The backend cannot do this action' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, retryable: false, title: 'The Idempotency-Key was used with another body' },
  IDEMPOTENCY_KEY_IN_USE: { status: 409, retryable: true, title: 'A request with this Idempotency-Key is still running or was cut off' },
  RATE_LIMITED: { status: 429, retryable: true, title: 'Rate limit exhausted' },
  BACKEND_REJECTED: { status: 422, retryable: false, title: 'The vendor refused the request' },
  BACKEND_AUTH_FAILED: { status: 502, retryable: false, title: "The vendor refused the gateway's credentials" },
  BACKEND_ERROR: { status: 502, retryable: false, title: 'The vendor failed or answered something unusable' },
  BACKEND_UNAVAILABLE: { status: 503, retryable: true, title: 'The vendor cannot be reached now' },
  SHUTTING_DOWN: { status: 503, retryable: true, title: 'The gateway is shutting down' },
  INTERNAL_ERROR: { status: 500, retryable: false, title: 'Internal error' },
  BACKEND_TIMEOUT: { status: 504, retryable: true, title: 'The vendor did not answer in time' },
} as const satisfies Record<string, { status: number; retryable: boolean; title: string }>;

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

  /**
   * Set by the gateway on an action's failure: true when a vendor call may have reached the vendor (it answered,
   * or the outcome is unknown), so the failure must be replayed, never retried behind the client's back.
   */
  mayHaveActed = false;

  /**
   * Set where the gateway knows no byte of the request reached the vendor: refused before sending (an open circuit,
   * a full queue, an unsafe path, no credentials to send with) or a connection that never opened.
   */
  notSent = false;

  /** Marks this error as one whose request never reached the vendor (see notSent). */
  unsent(): this {
    this.notSent = true;
    return this;
  }

  /** From the catalogue: network trouble, overload and a busy Idempotency-Key may clear up; the rest will not by itself. */
  get retryable(): boolean {
    return ERROR_CATALOGUE[this.code].retryable;
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

/** An RFC 9457 problem document (contract section 7). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  [member: string]: unknown;
}

/** The problem document of an error: the catalogue's type, title and status, the error's detail and context. */
export function problemOf(error: GatewayError, requestId: string): Problem {
  const { retryAfter: _sentAsHeader, ...context } = error.context;
  const problem: Problem = {
    type: problemType(error.code),
    title: ERROR_CATALOGUE[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    requestId,
  };
  for (const [key, value] of Object.entries(context)) if (value !== undefined) problem[key] = value;
  return problem;
}
