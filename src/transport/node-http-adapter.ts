// The axios adapter of vendor calls: one node:http(s) request on the backend's keep-alive agent, the answer as text.
// axios's own http adapter does much more per call (proxy lookup, redirect and stream machinery); docs/performance.md.
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import axios, { AxiosError, CanceledError, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';

/** What axios's own adapter sends, so a vendor sees the same request whichever adapter is used. */
const ACCEPT_ENCODING = 'gzip, compress, deflate, br';
const USER_AGENT = `axios/${axios.VERSION}`;

const unzip = promisify(zlib.unzip);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);

/** True when axios's own adapter would send calls to this URL through a proxy from the environment. */
export function envProxyFor(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const proto = new URL(url).protocol.replace(/:$/, '');
  return [`npm_config_${proto}_proxy`, `${proto}_proxy`, 'npm_config_proxy', 'all_proxy'].some((name) => Boolean(env[name] || env[name.toUpperCase()]));
}

/** axios's buildFullPath and combineURLs: the path is appended to baseURL (absolute URLs only where allowed). */
function fullPath(config: InternalAxiosRequestConfig): string {
  const base = config.baseURL ?? '';
  const url = config.url ?? '';
  const absolute = /^([a-z][a-z\d+\-.]*:)?\/\//i.test(url);
  if (base && (!absolute || config.allowAbsoluteUrls === false)) return url ? `${base.replace(/\/?\/$/, '')}/${url.replace(/^\/+/, '')}` : base;
  return url;
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

export const nodeHttpAdapter: AxiosAdapter = (config) => new Promise<AxiosResponse>((resolve, reject) => {
  const signal = config.signal as AbortSignal | undefined;
  if (signal?.aborted) return reject(new CanceledError(undefined, config));
  let url: URL;
  try {
    url = new URL(fullPath(config));
  } catch (error) {
    return reject(AxiosError.from(error, AxiosError.ERR_BAD_REQUEST, config));
  }
  const isHttps = url.protocol === 'https:';
  if (!isHttps && url.protocol !== 'http:') return reject(new AxiosError(`Unsupported protocol ${url.protocol}`, AxiosError.ERR_BAD_REQUEST, config));

  const headers = config.headers.toJSON(true) as Record<string, string>;
  if (!config.headers.has('User-Agent')) headers['User-Agent'] = USER_AGENT;
  const decompress = config.decompress !== false;
  if (decompress && !config.headers.has('Accept-Encoding')) headers['Accept-Encoding'] = ACCEPT_ENCODING;
  const data = config.data as string | Buffer | undefined | null;
  const body = data === undefined || data === null ? undefined : Buffer.isBuffer(data) ? data : Buffer.from(String(data));
  if (body && !config.headers.has('Content-Length')) headers['Content-Length'] = String(body.length);
  const method = (config.method ?? 'get').toUpperCase();
  const limit = config.maxContentLength !== undefined && config.maxContentLength > -1 ? config.maxContentLength : undefined;

  const options: http.RequestOptions = {
    protocol: url.protocol,
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    port: url.port,
    path: url.pathname + url.search,
    method,
    headers,
    agent: isHttps ? config.httpsAgent : config.httpAgent,
  };
  if (url.username || url.password) options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;

  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = (error: unknown, response?: AxiosResponse) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    if (error !== undefined) reject(error);
    else resolve(response!);
  };
  const fail = (error: unknown) => {
    finish(error);
    req.destroy();
  };
  const onAbort = () => fail(new CanceledError(undefined, config, req));
  const tooLarge = () => new AxiosError(`maxContentLength size of ${limit} exceeded`, AxiosError.ERR_BAD_RESPONSE, config, req);

  const req = (isHttps ? https : http).request(options, (res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (limit !== undefined && size > limit) return fail(tooLarge());
      chunks.push(chunk);
    });
    res.on('error', (error) => finish(AxiosError.from(error, undefined, config, req)));
    res.on('close', () => {
      if (!res.complete) finish(new AxiosError('stream has been aborted', AxiosError.ERR_BAD_RESPONSE, config, req));
    });
    res.on('end', () => {
      const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      const status = res.statusCode ?? 0;
      const responseHeaders = res.headers;
      const encoding = String(responseHeaders['content-encoding'] ?? '').toLowerCase();
      if (encoding && decompress && (method === 'HEAD' || status === 204)) delete responseHeaders['content-encoding'];
      const decoding = encoding && decompress && method !== 'HEAD' && status !== 204
        ? decode(raw, encoding, limit === undefined ? undefined : limit + 1)
        : Promise.resolve({ body: raw, decoded: false });
      decoding.then(
        ({ body: decoded, decoded: wasDecoded }) => {
          if (limit !== undefined && decoded.length > limit) return finish(tooLarge());
          if (wasDecoded) delete responseHeaders['content-encoding'];
          let text = decoded.toString('utf8');
          if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
          const response: AxiosResponse = { data: text, status, statusText: res.statusMessage ?? '', headers: responseHeaders, config, request: req };
          if (!config.validateStatus || config.validateStatus(status)) return finish(undefined, response);
          const code = status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST;
          finish(new AxiosError(`Request failed with status code ${status}`, code, config, req, response));
        },
        (error: NodeJS.ErrnoException) => finish(error.code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge() : AxiosError.from(error, undefined, config, req)),
      );
    });
  });
  req.on('error', (error) => finish(AxiosError.from(error, undefined, config, req)));
  if (config.timeout) {
    const ms = config.timeout;
    timer = setTimeout(() => fail(new AxiosError(`timeout of ${ms}ms exceeded`, AxiosError.ECONNABORTED, config, req)), ms);
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  req.end(body);
});
