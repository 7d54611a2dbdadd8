// The shape of adapters/<vendor>/fixtures/contract.json, read by the shared contract suite.
import type { ActionCommand } from '../../src/core/actions';

export interface FixtureRequest {
  method: string;
  /** Path and query relative to baseUrl, exactly as sent. */
  path: string;
  /** Headers that must be present with these values (a subset; names case-insensitive). */
  headers?: Record<string, string>;
  /** Expected body, compared by meaning: exactly one of json / xml / text, or none for no body. */
  json?: unknown;
  xml?: string;
  text?: string;
}

export interface FixtureResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string;
}

export interface FixtureCall {
  request: FixtureRequest;
  response: FixtureResponse;
}

export interface ActionCase {
  name: string;
  command: Omit<ActionCommand, 'backend'>;
  /** The calls translate() must produce, in order, each with the vendor's canned answer. */
  calls: FixtureCall[];
  /** Extra calls the gateway makes afterwards (a re-read), matched only in the end-to-end (mocked vendor, nock) run. */
  followUps?: FixtureCall[];
  expect:
    | { result: 'applied' | 'accepted'; warnings?: string[]; task?: Record<string, unknown>; vendorStatus?: number }
    | { error: { code: string; status: number; applied?: string[]; vendor?: Record<string, unknown> } };
}

export interface TaskCase {
  name: string;
  raw: unknown;
  /** Subset of the canonical task. */
  expect: Record<string, unknown>;
}

export interface ListCase {
  name: string;
  query: { limit: number; offset: number; status?: string; filters: Record<string, string> };
  request: FixtureRequest;
  response: FixtureResponse;
  expect: { ids: string[]; total?: number };
}

export interface ContractFixture {
  /** A backend config for this vendor: name, vendor, baseUrl, auth, timeoutMs and the vendor's own keys. */
  backend: Record<string, unknown> & { name: string; vendor: string; baseUrl: string };
  /** A single-call action used by the generated error matrix, and the request it produces. */
  probe: { command: Omit<ActionCommand, 'backend'>; request: { method: string; path: string } };
  /** The get-task request for probe.command.taskId (the matrix's garbled-body row uses it). */
  getTask: { request: FixtureRequest; response: FixtureResponse; expect: Record<string, unknown> };
  actions: ActionCase[];
  tasks: TaskCase[];
  lists: ListCase[];
}
