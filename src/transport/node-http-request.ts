// A vendor call as one node:http(s) request on the backend's keep-alive agent, sending what axios sent before;
// axios's per-call config merging and adapter cost more than the rest of the call (docs/performance.md).
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

/**
 * A failed call, with axios's codes (see nodeHttpRequest) so the error mapping is the same on both paths;
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

  /** An error of node:http or zlib: the given code, else its own (ECONNRESET...), as AxiosError.from did. */
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

export interface NodeHttpTarget {
  /** The backend's base URL without trailing slashes; a call's path is appended to it. */
  baseUrl: string;
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
  /** Largest answer accepted, in bytes after decoding. */
  maxContentLength: number;
  /** baseUrl parsed on first use, with its path, and whether the parser left it exactly as written. */
  parsed?: { url: URL; basePath: string; canonical: boolean };
}

export interface NodeHttpCall {
  method: string;
  path: string;
  /** Later sources win, names compared case-insensitively: axios's default Accept, the adapter's, the auth's. */
  headers: Record<string, string>[];
  body?: string;
  timeoutMs: number;
}

export interface NodeHttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

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
export function locate(target: NodeHttpTarget, path: string): URL | { protocol: string; hostname: string; port: string; pathname: string; search: string; username: string; password: string } {
  const relative = `/${path.replace(/^\/+/, '')}`;
  target.parsed ??= parseBase(target.baseUrl);
  const { url: base, basePath, canonical } = target.parsed;
  if (!canonical || !CANONICAL_PATH.test(relative) || DOT_SEGMENT.test(relative)) {
    // As axios did: the path appended to the base, then read as a URL (so its pathname is what is sent).
    return new URL(`${target.baseUrl}${relative}`);
  }
  const query = relative.indexOf('?');
  return {
    protocol: base.protocol, hostname: base.hostname, port: base.port, username: '', password: '',
    pathname: basePath + (query < 0 ? relative : relative.slice(0, query)),
    search: query < 0 || query === relative.length - 1 ? '' : relative.slice(query),
  };
}

/** Canonical: written as the parser writes it (no credentials, query, backslash, default port...). */
function parseBase(baseUrl: string): NonNullable<NodeHttpTarget['parsed']> {
  const url = new URL(baseUrl);
  const basePath = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
  return { url, basePath, canonical: baseUrl === url.origin + basePath };
}

/**
 * Sends one call and reads the whole answer as text (gzip, deflate and br decoded, the size limit applied to the
 * decoded bytes). Failures are TransportErrors with axios's codes: ECONNABORTED for the try timeout,
 * ERR_BAD_RESPONSE for an answer too large or cut short, and the socket's own code otherwise.
 */
export function nodeHttpRequest(target: NodeHttpTarget, call: NodeHttpCall): Promise<NodeHttpAnswer> {
  return new Promise<NodeHttpAnswer>((resolve, reject) => {
    let url: ReturnType<typeof locate>;
    let headers: Record<string, string>;
    try {
      url = locate(target, call.path);
      headers = outgoingHeaders(call.headers, call.body === undefined ? undefined : Buffer.byteLength(call.body));
    } catch (error) {
      return reject(TransportError.from(error, TransportError.ERR_BAD_REQUEST));
    }
    const isHttps = url.protocol === 'https:';
    if (!isHttps && url.protocol !== 'http:') return reject(new TransportError(`Unsupported protocol ${url.protocol}`, TransportError.ERR_BAD_REQUEST));
    const method = call.method.toUpperCase();
    const limit = target.maxContentLength;
    const options: http.RequestOptions = {
      protocol: url.protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      method,
      headers,
      agent: isHttps ? target.httpsAgent : target.httpAgent,
    };
    if (url.username || url.password) options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;

    let done = false;
    let req: http.ClientRequest | undefined;
    const finish = (error: unknown, answer?: NodeHttpAnswer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error !== undefined) reject(error);
      else resolve(answer!);
    };
    const fail = (error: unknown) => {
      finish(error);
      req?.destroy();
    };
    const tooLarge = () => new TransportError(`maxContentLength size of ${limit} exceeded`, TransportError.ERR_BAD_RESPONSE);
    const timer = setTimeout(() => fail(new TransportError(`timeout of ${call.timeoutMs}ms exceeded`, TransportError.ECONNABORTED)), call.timeoutMs);

    try {
      req = (isHttps ? https : http).request(options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) return fail(tooLarge());
          chunks.push(chunk);
        });
        res.on('error', (error) => finish(TransportError.from(error)));
        res.on('close', () => {
          if (!res.complete) finish(new TransportError('stream has been aborted', TransportError.ERR_BAD_RESPONSE));
        });
        res.on('end', () => {
          const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
          const status = res.statusCode ?? 0;
          const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
          const bodiless = method === 'HEAD' || status === 204;
          if (encoding && bodiless) delete res.headers['content-encoding'];
          const decoding = encoding && !bodiless ? decode(raw, encoding, limit + 1) : Promise.resolve({ body: raw, decoded: false });
          decoding.then(
            ({ body: decoded, decoded: wasDecoded }) => {
              if (decoded.length > limit) return finish(tooLarge());
              if (wasDecoded) delete res.headers['content-encoding'];
              let text = decoded.toString('utf8');
              if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
              finish(undefined, { status, headers: res.headers, body: text });
            },
            (error: NodeJS.ErrnoException) => finish(error.code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge() : TransportError.from(error)),
          );
        });
      });
    } catch (error) {
      // node:http refuses some requests outright (a header it cannot send, say).
      return fail(TransportError.from(error, TransportError.ERR_BAD_REQUEST));
    }
    req.on('error', (error) => finish(TransportError.from(error)));
    // A string body leaves in the same write as the headers.
    req.end(call.body);
  });
}
