// Reads a JSON request body: the plain case (identity, UTF-8, a Content-Length within the limit) directly,
// everything else (compressed, chunked, another charset, too large) through express.json as before.
import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** `server.bodyLimit` (`^[0-9]{1,9}(b|kb|mb)?$`, as the config schema allows) in bytes. */
export function byteLimit(text: string): number {
  const match = /^(\d{1,9})(b|kb|mb)?$/.exec(text);
  if (!match) throw new Error(`body limit '${text}' is not a size such as 512kb or 1mb`);
  return Number(match[1]) * UNITS[match[2] ?? 'b'];
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

function isUtf8(contentType: string | undefined): boolean {
  const charset = CHARSET.exec(contentType ?? '')?.[1];
  // Exactly what express.json reads as UTF-8 without converting; `utf8` and the like go to it (it answers 415).
  return charset === undefined || /^utf-8$/i.test(charset);
}

/** An error express's error handler maps as it maps body-parser's own (src/http/problem.ts). */
function bodyError(type: string, message: string): Error {
  return Object.assign(new Error(message), { type, status: 400, statusCode: 400, expose: true });
}

/** The plain case read directly: no transfer or content coding, UTF-8, a Content-Length within `limit`. */
export function isPlainJsonBody(req: IncomingMessage, limit: number): boolean {
  const length = Number(req.headers['content-length']);
  const encoding = req.headers['content-encoding'];
  return req.headers['transfer-encoding'] === undefined && Number.isInteger(length) && length <= limit
    && (encoding === undefined || encoding.toLowerCase() === 'identity') && isUtf8(req.headers['content-type']);
}

/**
 * Reads a plain body (isPlainJsonBody) into `req.body`, then calls `done` once: with no error, or with an error
 * express's error handler maps as body-parser's own (request.aborted, entity.parse.failed).
 */
export function readPlainJsonBody(req: IncomingMessage & { body?: unknown }, done: (error?: Error) => void): void {
  const chunks: Buffer[] = [];
  let finished = false;
  const finish = (error?: Error) => {
    if (finished) return;
    finished = true;
    done(error);
  };
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  // The client went away before the whole body came ('aborted' is deprecated: 'close' without `complete`).
  req.on('close', () => {
    if (!req.complete) finish(bodyError('request.aborted', 'request aborted'));
  });
  // A connection reset mid-body is the client going away too, as express.json reports it.
  req.on('error', (error) => finish(req.complete ? error : bodyError('request.aborted', 'request aborted')));
  req.on('end', () => {
    let text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    try {
      req.body = JSON.parse(text) as unknown;
    } catch (error) {
      return finish(bodyError('entity.parse.failed', (error as Error).message));
    }
    finish();
  });
}

/**
 * Why not express.json alone: for the small bodies of task actions its stream, decoding and type checks were
 * a measurable share of a request (docs/performance.md). The result is the same: `req.body` holds any JSON
 * value (a leading BOM is dropped, as iconv did), and a body that is not JSON is the same 400.
 */
export function jsonBody(limitText: string): RequestHandler {
  const limit = byteLimit(limitText);
  const general = express.json({ limit: limitText, strict: false, type: () => true });
  return (req, res, next) => (isPlainJsonBody(req, limit) ? readPlainJsonBody(req, next) : general(req, res, next));
}
