// Writes an answer already decided and serialized straight on node's ServerResponse: express's, or the action lane's.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A response with the per-request facts the request log reads (express's res.locals, or the lane's own). */
export type LocalsResponse = ServerResponse<IncomingMessage> & { locals: Record<string, unknown> };

export interface Answer {
  status: number;
  contentType: string;
  body: string;
  headers: Record<string, string>;
  errorCode?: string;
}

/** Why not express's send(): the body is already text, its type known (send would work both out again). */
export function send(res: LocalsResponse, answer: Answer): void {
  if (answer.errorCode) res.locals.errorCode = answer.errorCode;
  res.statusCode = answer.status;
  for (const name in answer.headers) res.setHeader(name, answer.headers[name]);
  // As express sends text: UTF-8, and saying so.
  res.setHeader('Content-Type', /;\s*charset=/i.test(answer.contentType) ? answer.contentType : `${answer.contentType}; charset=utf-8`);
  res.setHeader('Content-Length', Buffer.byteLength(answer.body));
  // A HEAD answer has the headers of its GET and no body.
  res.end(res.req?.method === 'HEAD' ? undefined : answer.body);
}

/** One request header as text (node joins repeated ones with ', ', as express's req.get returns them). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
