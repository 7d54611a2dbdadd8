// The spec every vendor adapter implements: a capability manifest plus pure translate/parse functions.
import type { ActionCommand, ActionName } from './actions';
import type { Task, TaskListQuery, TaskPage } from './task';
import type { AuthTypeSchema } from './auth';
import type { GatewayError } from './errors';
import type { AuthContext, OutboundAuth } from './ports';

/** A request to a vendor, relative to the backend's baseUrl. Bodies are exact text (JSON or XML). */
export interface VendorRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path and query, appended to baseUrl; every user value in it is already encodeURIComponent-ed. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** What came back, bytes only: the transport never interprets it. */
export interface VendorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One vendor call of a canonical action; `step` names what it applies (e.g. add_comment, approve). */
export interface VendorCall {
  step: ActionName;
  request: VendorRequest;
}

export interface ActionSupport {
  /** How the vendor names it, shown in the capability manifest (e.g. CONTINUE, ?action=claim, a:Approve). */
  vendorAction: string;
}

/** What the adapter concluded from a successful vendor answer. */
export interface CallOutcome {
  result: 'applied' | 'accepted';
  task?: Task;
  warnings?: string[];
}

/** The common backend keys every adapter receives alongside its own (contract section 2). */
export interface BackendConfig {
  name: string;
  vendor: string;
  baseUrl: string;
  auth: AuthConfig;
  timeoutMs: number;
  [vendorKey: string]: unknown;
}

/** A backend's configured auth: `type` plus that type's keys (standard ones in core/auth.ts, vendor ones in the adapter). */
export interface AuthConfig {
  type: string;
  [key: string]: unknown;
}

export interface Adapter<Options = BackendConfig> {
  readonly vendor: string;
  /** The capability manifest: absent actions are unsupported (422 before any vendor call). */
  readonly actions: Partial<Record<ActionName, ActionSupport>>;
  /**
   * Narrows the static manifest for one backend's options (e.g. IBM `reject` only with a configured mapping).
   * Never widens it: an action absent from `actions` stays unsupported. Absent hook: every manifest action is supported.
   */
  supports?(action: ActionName, opts: Options): boolean;
  /** JSON Schema (2020-12) properties of the vendor's own backend keys; merged into the config schema. */
  readonly optionsSchema: { properties: Record<string, unknown>; required?: string[] };
  /** Vendor list filters: canonical query name -> schema of its value (strings). */
  readonly listFilters: Record<string, { maxLength?: number; enum?: string[]; pattern?: string }>;
  /** Canonical statuses the list route can filter by. */
  readonly listStatuses: readonly string[];
  /** When the vendor answers an action with no task (IBM's empty 200), the gateway re-reads it. */
  readonly rereadAfterAction: boolean;

  /** Config keys (already schema-valid) to typed options; may add defaults. */
  options(backend: BackendConfig): Options;
  /** Canonical command to the vendor calls, in order. Pure. */
  translate(cmd: ActionCommand, opts: Options): VendorCall[];
  /** Vendor answer to one call's outcome; throws GatewayError for any refusal. Pure. */
  parse(res: VendorResponse, call: VendorCall, cmd: ActionCommand, opts: Options): CallOutcome;
  /** Fields of the command the vendor cannot carry: reported in `warnings`, never dropped silently. */
  warnings(cmd: ActionCommand, opts: Options): string[];

  getTaskRequest(taskId: string, opts: Options): VendorRequest;
  parseTask(res: VendorResponse, taskId: string, opts: Options): Task;
  listTasksRequest(query: TaskListQuery, opts: Options): VendorRequest;
  parseTaskList(res: VendorResponse, opts: Options): TaskPage;
  /** The vendor's own task object to the canonical task. Pure. */
  toTask(raw: unknown, opts: Options): Task;
  /**
   * Where the vendor's get-one call may not exist (a 404 from it is no proof), the list queries that find a
   * task instead: the gateway sends each, looks for the id, and passes the page back so the search can stop.
   */
  searchTask?(taskId: string, opts: Options): Generator<TaskListQuery, void, TaskPage>;
  /** True when the vendor refused because the gateway's token expired: one refresh-and-retry is safe. */
  isAuthExpired?(res: VendorResponse): boolean;
  /** Auth types of this vendor's own, besides the standard basic and bearer (config schema per type). */
  readonly authTypes?: Record<string, AuthTypeSchema>;
  /**
   * The vendor's auth scheme: builds the backend's outbound auth from its config, for the vendor's own types or
   * on top of the standard one (IBM's BPMCSRFToken). Absent: the standard scheme.
   */
  auth?(config: AuthConfig, opts: Options, ctx: AuthContext): OutboundAuth;
  /** Largest vendor answer this adapter accepts, in bytes (default 10 MiB). */
  readonly maxResponseBytes?: number;
}

export type AnyAdapter = Adapter<any>;
export type { GatewayError };
