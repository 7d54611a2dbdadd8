// The interfaces that cross layers: the core defines them, the transport and the adapters implement them.
import type { VendorRequest, VendorResponse } from './adapter';

/** A request about to leave, as outbound auth sees it (AK/SK signing needs all of it). */
export interface OutgoingRequest {
  method: string;
  /** Absolute URL, query included. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** A backend's outbound credentials: the headers to add to each request, and which values are secret. */
export interface OutboundAuth {
  /** Headers to add to this request (a token, a signature). */
  headers(request: OutgoingRequest): Promise<Record<string, string>>;
  /** Names of headers whose values are credentials (shown as *** in dry-run). */
  readonly secretHeaders: readonly string[];
  /** Drops a cached token so the next headers() fetches a fresh one; false where nothing can be refreshed. */
  refresh(): Promise<boolean>;
  /** Every credential value known now (configured ones and tokens fetched since), to scrub from anything shown. */
  secrets(): string[];
}

/** A vendor request as dry-run shows it: absolute URL, credential headers masked. */
export interface DescribedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Moves bytes to one backend and back; never interprets a body. Failures are GatewayErrors. */
export interface Transport {
  send(request: VendorRequest): Promise<VendorResponse>;
  describe(request: VendorRequest): DescribedRequest;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

/** What /readyz and /metrics read of a backend's circuit breaker, without the means to change it. */
export interface CircuitView {
  state(): CircuitState;
}

/** What an adapter's auth hook may use to build its vendor's credentials. */
export interface AuthContext {
  /** The backend's name, for error messages that name a config key. */
  backend: string;
  /** The backend's own deadline for one call; a token fetch must not outlive it. */
  timeoutMs: number;
  /** The standard scheme for the configured auth (basic, bearer), where it is one; undefined for vendor types. */
  standard?: OutboundAuth;
  /** A transport to another host with no auth of its own (an IAM endpoint, say). */
  connect(baseUrl: string): Transport;
  /** Reaches this backend with the standard credentials only (a login call that fetches a vendor token). */
  send(request: VendorRequest): Promise<VendorResponse>;
}
