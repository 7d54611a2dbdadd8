// A vendor call as one undici request on the backend's keep-alive pool, sending what axios sent before;
// axios, then node:http, cost more than the rest of the call (docs/performance.md).
import type net from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Agent as AgentClass, buildConnector as buildConnectorType, Dispatcher } from 'undici';
import { CONNECT_TIMEOUT_CODE, limitConnect, NOT_SENT_CODES } from './connect-timeout';

/**
 * A failed call, with axios's codes (see vendorRequest) so the error mapping is the same on both paths;
 * axios itself is loaded only where a proxy is set (http.ts).
 */
export class TransportError extends Error {
  static readonly ECONNABORTED = 'ECONNABORTED';
  static readonly ERR_BAD_RESPONSE = 'ERR_BAD_RESPONSE';
  static readonly ERR_BAD_REQUEST = 'ERR_BAD_REQUEST';

  constructor(message: string, readonly code?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
  }

  /** An error of undici or zlib: the given code, else its own (ECONNRESET...), as AxiosError.from did. */
  static from(error: unknown, code?: string): TransportError {
    const own = (error as NodeJS.ErrnoException | undefined)?.code;
    return new TransportError(error instanceof Error ? error.message : String(error), code ?? own, { cause: error });
  }
}

/** The headers axios added to every call, so a vendor sees the same request as before. */
export const AXIOS_ACCEPT = 'application/json, text/plain, */*';
const ACCEPT_ENCODING = 'gzip, compress, deflate, br';
const USER_AGENT = `axios/${(require('axios/package.json') as { version: string }).version}`;
/** Characters axios removed from header values (controls other than tab, and anything outside latin1). */
const BAD_HEADER_CHARS = /[^\u0009\u0020-\u007e\u0080-\u00ff]+/g;

const unzip = promisify(zlib.unzip);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);

/** True when axios's own adapter would send calls to this URL through a proxy from the environment. */
export function envProxyFor(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const proto = new URL(url).protocol.replace(/:$/, '');
  return [`npm_config_${proto}_proxy`, `${proto}_proxy`, 'npm_config_proxy', 'all_proxy'].some((name) => Boolean(env[name] || env[name.toUpperCase()]));
}

async function decode(body: Buffer, encoding: string, maxOutputLength: number | undefined): Promise<{ body: Buffer; decoded: boolean }> {
  const options = maxOutputLength === undefined ? {} : { maxOutputLength };
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
    case 'compress':
    case 'x-compress':
      return { body: await unzip(body, options), decoded: true };
    case 'deflate':
      // Servers send deflate with or without its zlib header.
      return { body: await unzip(body, options).catch(() => inflateRaw(body, options)), decoded: true };
    case 'br':
      return { body: await brotli(body, options), decoded: true };
    default:
      return { body, decoded: false };
  }
}

export interface VendorTarget {
  /** The backend's base URL without trailing slashes; a call's path is appended to it. */
  baseUrl: string;
  /** The backend's own keep-alive connection pool (vendorAgent). */
  dispatcher: Dispatcher;
  /** Largest answer accepted, in bytes after decoding. */
  maxContentLength: number;
  /** baseUrl parsed on first use, with its path, and whether the parser left it exactly as written. */
  parsed?: { url: URL; basePath: string; canonical: boolean };
}

export interface VendorCall {
  method: string;
  path: string;
  /** Later sources win, names compared case-insensitively: axios's default Accept, the adapter's, the auth's. */
  headers: Record<string, string>[];
  body?: string;
  timeoutMs: number;
}

export interface VendorAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let testDispatcher: Dispatcher | undefined;

/**
 * Tests only: every vendor call goes through this dispatcher (an undici MockAgent) until it is set back to
 * undefined, the way nock once replaced node:http's sockets. The rest of the transport runs as in production.
 */
export function routeVendorCallsThrough(dispatcher: Dispatcher | undefined): void {
  testDispatcher = dispatcher;
}

/** One backend's keep-alive pool: a new connection must be made within connectTimeoutMs (nothing sent otherwise). */
export function vendorAgent(connectTimeoutMs: number): Dispatcher {
  // undici's own connect timeout runs on its coarse timers (~0.5 s late): the try's timer could fire first and
  // turn "never connected" (safe to retry) into a timeout (not). Node's exact timer bounds the connect instead.
  const connector = buildConnector({ timeout: 0 });
  return new Agent({
    connect: (options, callback) => {
      // The connector returns the socket it opened (lib/core/connect.js), though its type says void.
      const socket = connector(options, callback) as unknown as net.Socket;
      limitConnect(socket, connectTimeoutMs);
      return socket;
    },
  });
}

/*
 * Only the Agent and its connector: `require('undici')` loads fetch, WebSocket, caches and mocks too, ~14 MB more
 * resident memory in every gateway (docs/performance.md). undici has no `exports` map, so the paths are
 * reachable; every test of the transport fails if an upgrade moves them.
 */
const Agent = require('undici/lib/dispatcher/agent.js') as typeof AgentClass;
const buildConnector = require('undici/lib/core/connect.js') as typeof buildConnectorType;

/** A value axios would have sent unchanged: printable ASCII, no space at either end. */
const CLEAN_HEADER_VALUE = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/;

function headerValue(value: string): string {
  if (CLEAN_HEADER_VALUE.test(value)) return value;
  const clean = String(value).replace(BAD_HEADER_CHARS, '');
  return clean.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** The outgoing headers: merged case-insensitively, then axios's User-Agent, Accept-Encoding and Content-Length. */
function outgoingHeaders(sources: Record<string, string>[], bodyLength: number | undefined): Record<string, string> {
  const merged = new Map<string, [string, string]>();
  for (const source of sources) {
    for (const name in source) merged.set(name.toLowerCase(), [name, headerValue(source[name])]);
  }
  if (!merged.has('user-agent')) merged.set('user-agent', ['User-Agent', USER_AGENT]);
  if (!merged.has('accept-encoding')) merged.set('accept-encoding', ['Accept-Encoding', ACCEPT_ENCODING]);
  if (bodyLength !== undefined && !merged.has('content-length')) merged.set('content-length', ['Content-Length', String(bodyLength)]);
  const headers: Record<string, string> = {};
  for (const [name, value] of merged.values()) headers[name] = value;
  return headers;
}

/**
 * A path the URL parser would leave exactly as it is: only characters it never encodes in a path or a query
 * (`'` is encoded in a query), and no dot segment to resolve. Anything else goes through `new URL`.
 */
const CANONICAL_PATH = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*$/;
const DOT_SEGMENT = /\/(?:\.|%2e)/i;

/** Where a call goes: the base URL parsed once per target, the call's path appended as axios did. */
export function locate(target: VendorTarget, path: string): URL | { protocol: string; host: string; hostname: string; port: string; pathname: string; search: string; username: string; password: string } {
  const relative = `/${path.replace(/^\/+/, '')}`;
  target.parsed ??= parseBase(target.baseUrl);
  const { url: base, basePath, canonical } = target.parsed;
  if (!canonical || !CANONICAL_PATH.test(relative) || DOT_SEGMENT.test(relative)) {
    // As axios did: the path appended to the base, then read as a URL (so its pathname is what is sent).
    return new URL(`${target.baseUrl}${relative}`);
  }
  const query = relative.indexOf('?');
  return {
    protocol: base.protocol, host: base.host, hostname: base.hostname, port: base.port, username: '', password: '',
    pathname: basePath + (query < 0 ? relative : relative.slice(0, query)),
    search: query < 0 || query === relative.length - 1 ? '' : relative.slice(query),
  };
}

/** Canonical: written as the parser writes it (no credentials, query, backslash, default port...). */
function parseBase(baseUrl: string): NonNullable<VendorTarget['parsed']> {
  const url = new URL(baseUrl);
  const basePath = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
  return { url, basePath, canonical: baseUrl === url.origin + basePath };
}

/** undici's codes mapped to the ones the error mapping (http.ts) knows from axios and node:http. */
const UNDICI_CODES: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: CONNECT_TIMEOUT_CODE,
  UND_ERR_HEADERS_TIMEOUT: TransportError.ECONNABORTED,
  UND_ERR_BODY_TIMEOUT: TransportError.ECONNABORTED,
  UND_ERR_INVALID_ARG: TransportError.ERR_BAD_REQUEST,
  UND_ERR_NOT_SUPPORTED: TransportError.ERR_BAD_REQUEST,
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: TransportError.ERR_BAD_REQUEST,
};

/**
 * A failure of undici: our own errors (timeout, size) as they are; a closed socket is a reset before the answer,
 * a cut answer after it.
 */
function undiciFailure(error: unknown, started: boolean, answered: boolean): TransportError {
  if (error instanceof TransportError) return error;
  const code = (error as { code?: string } | undefined)?.code ?? '';
  // Once undici started writing the request, the vendor may have it: a later EHOSTUNREACH is not "never sent".
  // (Without the cause: the error mapping would read its code.)
  if (started && NOT_SENT_CODES.has(code)) return new TransportError(`${(error as Error).message} after the request was sent`, 'ECONNRESET');
  if (code === 'UND_ERR_SOCKET' || code === 'UND_ERR_ABORTED' || code === 'ECONNRESET' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
    return answered
      ? new TransportError('stream has been aborted', TransportError.ERR_BAD_RESPONSE, { cause: error })
      : TransportError.from(error, 'ECONNRESET');
  }
  return TransportError.from(error, UNDICI_CODES[code]);
}

/**
 * Sends one call on the backend's undici pool and reads the whole answer as text (gzip, deflate and br decoded,
 * the size limit applied to the decoded bytes). undici, not node:http: a call costs about half the CPU here
 * (docs/performance.md). Its dispatch API with a handler of our own, not `request()`: no Readable stream, async
 * resource or AbortSignal per call, which was ~10 MB of heap with 2,000 calls in flight. Failures are
 * TransportErrors with axios's codes: ECONNABORTED for the try timeout, ERR_BAD_RESPONSE for an answer too large
 * or cut short, ECONNRESET for a connection closed before the answer, ERR_SOCKET_CONNECTION_TIMEOUT for a
 * connection not made in time, and the socket's own code otherwise.
 */
export function vendorRequest(target: VendorTarget, call: VendorCall): Promise<VendorAnswer> {
  let url: ReturnType<typeof locate>;
  let headers: Record<string, string>;
  try {
    url = locate(target, call.path);
    headers = outgoingHeaders(call.headers, call.body === undefined ? undefined : Buffer.byteLength(call.body));
  } catch (error) {
    return Promise.reject(TransportError.from(error, TransportError.ERR_BAD_REQUEST));
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return Promise.reject(new TransportError(`Unsupported protocol ${url.protocol}`, TransportError.ERR_BAD_REQUEST));
  // Credentials in the base URL travel as Basic, as node:http's `auth` option sent them (never over a configured one).
  if ((url.username || url.password) && !Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
    headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  }
  const method = call.method.toUpperCase();
  const limit = target.maxContentLength;
  const tooLarge = () => new TransportError(`maxContentLength size of ${limit} exceeded`, TransportError.ERR_BAD_RESPONSE);

  return new Promise<VendorAnswer>((resolve, reject) => {
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    /** Why the call was given up before undici started it: it is aborted as soon as it starts. */
    let givenUp: Error | undefined;
    let status = 0;
    let answerHeaders: VendorAnswer['headers'] = {};
    const chunks: Buffer[] = [];
    let size = 0;

    const settle = (error: unknown, answer?: VendorAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error === undefined) resolve(answer!);
      else reject(error);
    };
    const giveUp = (error: TransportError) => {
      settle(error);
      if (controller) controller.abort(error);
      else givenUp = error;
    };
    const timer = setTimeout(() => giveUp(new TransportError(`timeout of ${call.timeoutMs}ms exceeded`, TransportError.ECONNABORTED)), call.timeoutMs);

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        if (givenUp) return started.abort(givenUp);
        controller = started;
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        // An informational answer (103) is not the answer. (An unsolicited 100 never gets here: undici drops
        // the connection, a reset after the request was sent; no vendor documented here sends one.)
        if (statusCode < 200) return;
        status = statusCode;
        answerHeaders = responseHeaders;
      },
      onResponseData(_controller, chunk) {
        if (settled) return;
        size += chunk.length;
        if (size > limit) return giveUp(tooLarge());
        chunks.push(chunk);
      },
      onResponseEnd() {
        if (settled) return;
        const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
        finish(raw, status, answerHeaders, method, limit, tooLarge).then((answer) => settle(undefined, answer), settle);
      },
      onResponseError(_controller, error) {
        settle(undiciFailure(error, controller !== undefined, status !== 0));
      },
    };
    try {
      (testDispatcher ?? target.dispatcher).dispatch({
        origin: `${url.protocol}//${url.host}`,
        path: url.pathname + url.search,
        method: method as Dispatcher.HttpMethod,
        headers,
        body: call.body,
        // The try's own timer above bounds the whole call; undici's per-phase timers would only cut it shorter.
        headersTimeout: 0,
        bodyTimeout: 0,
      }, handler);
    } catch (error) {
      settle(undiciFailure(error, false, false));
    }
  });
}

/** The answer as text: decoded when compressed (the limit on the decoded bytes), a leading BOM dropped. */
async function finish(
  raw: Buffer, status: number, headers: VendorAnswer['headers'], method: string, limit: number, tooLarge: () => TransportError,
): Promise<VendorAnswer> {
  const encoding = String(headers['content-encoding'] ?? '').toLowerCase();
  const bodiless = method === 'HEAD' || status === 204;
  if (encoding && bodiless) delete headers['content-encoding'];
  let body = raw;
  if (encoding && !bodiless) {
    const decoded = await decode(raw, encoding, limit + 1).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge() : TransportError.from(error);
    });
    if (decoded.body.length > limit) throw tooLarge();
    if (decoded.decoded) delete headers['content-encoding'];
    body = decoded.body;
  }
  let text = body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { status, headers, body: text };
}
