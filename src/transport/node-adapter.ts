// A small axios adapter on node:http/https's public API: one request, the whole answer as text (decoded, size-limited).
// About half the CPU per call of axios's own http adapter (docs/performance.md), which still serves proxied calls.
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { AxiosError, CanceledError, getAdapter, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';

const axiosHttp = getAdapter('http');
const ACCEPT_ENCODING = 'gzip, compress, deflate, br';
const unzip = promisify(zlib.unzip);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);

/** The variables axios's own adapter reads a proxy from (it applies NO_PROXY to them itself). */
const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'all_proxy', 'npm_config_proxy', 'npm_config_http_proxy', 'npm_config_https_proxy'];

export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return PROXY_VARIABLES.some((name) => Boolean(env[name] || env[name.toUpperCase()]));
}

/**
 * The adapter of a backend's axios instance, chosen once when it is built (the environment is read at startup, not
 * per call): where it names a proxy, axios's own http adapter (proxies, NO_PROXY, CONNECT tunnels); otherwise this
 * one, with the same failure codes: ECONNABORTED for a timeout, ERR_CANCELED for an abort, ERR_BAD_RESPONSE for an
 * answer too large or cut short (with `response` set: the vendor had answered), the socket's own code otherwise.
 * Only the options taskgate uses are read (http.ts sets them all).
 */
export function vendorAdapter(env: NodeJS.ProcessEnv = process.env): AxiosAdapter {
  return proxyConfigured(env) ? axiosHttp : send;
}

function send(config: InternalAxiosRequestConfig): Promise<AxiosResponse<string>> {
  return new Promise((resolve, reject) => {
    // http.ts makes every path relative and safe (safe-path.ts): appending it is what axios's buildFullPath does.
    const url = new URL(`${config.baseURL ?? ''}${config.url ?? ''}`);
    const secure = url.protocol === 'https:';
    const headers = byteStrings(config.headers.toJSON(true) as Record<string, string>);
    const body = typeof config.data === 'string' ? Buffer.from(config.data) : undefined;
    if (!hasHeader(headers, 'accept-encoding')) headers['Accept-Encoding'] = ACCEPT_ENCODING;
    if (body && !hasHeader(headers, 'content-length')) headers['Content-Length'] = String(body.length);
    const limit = config.maxContentLength ?? -1;
    const method = (config.method ?? 'get').toUpperCase();
    let settled = false;
    const fail = (error: AxiosError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      config.signal?.removeEventListener?.('abort', onAbort);
      req.destroy();
      reject(error);
    };
    const onAbort = () => fail(new CanceledError(undefined, config, req));

    const req = (secure ? https : http).request(url, {
      method,
      headers,
      agent: secure ? config.httpsAgent : config.httpAgent,
      auth: url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
    }, (res) => {
      const response: AxiosResponse<string> = { data: '', status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, config, request: req };
      const tooLarge = () => new AxiosError(`maxContentLength size of ${limit} exceeded`, AxiosError.ERR_BAD_RESPONSE, config, req, response);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (limit > -1 && size > limit) return fail(tooLarge());
        chunks.push(chunk);
      });
      res.on('error', (error) => fail(AxiosError.from(error, AxiosError.ERR_BAD_RESPONSE, config, req, response)));
      res.on('close', () => {
        if (!res.complete) fail(new AxiosError('stream has been aborted', AxiosError.ERR_BAD_RESPONSE, config, req, response));
      });
      res.on('end', () => {
        if (settled) return;
        decode(Buffer.concat(chunks, size), response, method, limit).then((text) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          config.signal?.removeEventListener?.('abort', onAbort);
          response.data = text;
          resolve(response);
        }, (error: NodeJS.ErrnoException) => fail(error.code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge() : AxiosError.from(error, AxiosError.ERR_BAD_RESPONSE, config, req, response)));
      });
    });
    req.on('error', (error) => fail(AxiosError.from(error, undefined, config, req)));
    const timer = config.timeout ? setTimeout(() => fail(new AxiosError(`timeout of ${config.timeout}ms exceeded`, AxiosError.ECONNABORTED, config, req)), config.timeout) : undefined;
    if (config.signal?.aborted) return onAbort();
    config.signal?.addEventListener?.('abort', onAbort, { once: true });
    req.end(body);
  });
}

/** Characters a header value cannot carry on the wire (axios's own adapter drops them too): controls but tab, non-latin1. */
const NOT_BYTE_STRING = /[^\u0009\u0020-\u007e\u0080-\u00ff]+/g;

function byteStrings(headers: Record<string, string>): Record<string, string> {
  for (const name of Object.keys(headers)) headers[name] = String(headers[name]).replace(NOT_BYTE_STRING, '').replace(/^[ \t]+|[ \t]+$/g, '');
  return headers;
}

function hasHeader(headers: Record<string, string>, lower: string): boolean {
  return Object.keys(headers).some((name) => name.toLowerCase() === lower);
}

/** The answer as text: gzip, deflate (with or without its zlib header) and br decoded, the limit on the decoded bytes. */
async function decode(raw: Buffer, response: AxiosResponse<string>, method: string, limit: number): Promise<string> {
  const headers = response.headers as http.IncomingHttpHeaders;
  const encoding = String(headers['content-encoding'] ?? '').toLowerCase();
  let body = raw;
  if (encoding && (method === 'HEAD' || response.status === 204)) delete headers['content-encoding'];
  else if (encoding) {
    const options = limit > -1 ? { maxOutputLength: limit + 1 } : {};
    if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'compress' || encoding === 'x-compress') body = await unzip(raw, options);
    else if (encoding === 'deflate') body = await unzip(raw, options).catch(() => inflateRaw(raw, options));
    else if (encoding === 'br') body = await brotli(raw, options);
    else return text(raw);
    if (limit > -1 && body.length > limit) throw Object.assign(new Error('decoded answer too large'), { code: 'ERR_BUFFER_TOO_LARGE' });
    delete headers['content-encoding'];
  }
  return text(body);
}

/** UTF-8, a leading byte-order mark dropped (as axios does). */
function text(body: Buffer): string {
  const decoded = body.toString('utf8');
  return decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
}
