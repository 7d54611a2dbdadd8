// The kit every vendor emulator is built from: the app with its request log, auth checks, bodies, JSON and XML answers, and serving on loopback.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { XMLBuilder } from 'fast-xml-parser';

export interface Emulator {
  readonly vendor: string;
  /** The request handler (an Express app). */
  readonly handler: http.RequestListener;
  /** Vendor calls received so far, for tests that count them (e.g. "no second vendor call"). */
  readonly calls: { method: string; path: string }[];
}

export interface RunningEmulator {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

export async function listen(emulator: Emulator, port = 0, host = '127.0.0.1'): Promise<RunningEmulator> {
  const server = http.createServer(emulator.handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A vendor state rule or input check said no: the routes turn it into the vendor's own error shape. */
export class EmulatorRefusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/**
 * An Express app for one emulator, its request log first: no X-Powered-By, no ETag (vendors send neither),
 * every request recorded in `calls` before auth, so a test can count what reached the vendor.
 */
export function emulatorApp(): { app: Express; calls: Emulator['calls'] } {
  const calls: Emulator['calls'] = [];
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((req, _res, next) => {
    calls.push({ method: req.method, path: req.originalUrl });
    next();
  });
  return { app, calls };
}

/** The body as text whatever its Content-Type: each emulator decides what it accepts, as its vendor does. */
export function textBody(limit = '1mb'): RequestHandler {
  return express.text({ type: () => true, limit });
}

/** The raw body a `textBody` route received ('' when there was none). */
export function bodyText(req: Request): string {
  return typeof req.body === 'string' ? req.body : '';
}

/** The body parsed as one JSON object (not an array, not null); undefined when it is anything else. */
export function jsonObject(req: Request): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(bodyText(req));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The request's media type, lower case and without parameters ('' when there is no Content-Type). */
export function mediaType(req: Request): string {
  return (req.get('Content-Type') ?? '').split(';')[0].trim().toLowerCase();
}

/** application/json or any application/*+json. */
export function isJsonType(type: string): boolean {
  return /^application\/(?:[\w.-]+\+)?json$/.test(type);
}

/** application/xml, text/xml or any application/*+xml. */
export function isXmlType(type: string): boolean {
  return /^(?:application|text)\/(?:[\w.-]+\+)?xml$/.test(type);
}

/** Basic credentials from the Authorization header, or undefined when there are none or they are malformed. */
export function basicCredentials(req: Request): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.get('Authorization') ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : undefined;
}

/**
 * An auth check in front of everything after it: `who` names the caller (kept in res.locals.user) or
 * returns undefined, and then `refuse` answers in the vendor's own shape.
 */
export function requireCaller(who: (req: Request) => string | undefined, refuse: (req: Request, res: Response) => void): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const caller = who(req);
    if (caller === undefined) return refuse(req, res);
    res.locals.user = caller;
    next();
  };
}

/** A Basic check against one account: the caller is the user name. */
export function basicUser(username: string, password: string): (req: Request) => string | undefined {
  return (req) => {
    const given = basicCredentials(req);
    return given && given.username === username && given.password === password ? username : undefined;
  };
}

/** A JSON answer. */
export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).json(body);
}

// XMLBuilder's own escaping, its default table extended by CR, LF and TAB so a parser reads them back as sent.
const XML_ENTITIES = [
  { regex: /&/g, val: '&amp;' },
  { regex: />/g, val: '&gt;' },
  { regex: /</g, val: '&lt;' },
  { regex: /'/g, val: '&apos;' },
  { regex: /"/g, val: '&quot;' },
  { regex: /\r/g, val: '&#xD;' },
  { regex: /\n/g, val: '&#xA;' },
  { regex: /\t/g, val: '&#x9;' },
];
const XML_NAME = /^[A-Za-z_][\w.:-]*$/;

const xmlBuilder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  format: false,
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  processEntities: true,
  entities: XML_ENTITIES,
  sanitizeName: (name: string) => {
    if (!XML_NAME.test(name)) throw new Error(`not an XML name: ${JSON.stringify(name.slice(0, 64))}`);
    return name;
  },
} as ConstructorParameters<typeof XMLBuilder>[0]);

/** XML from fast-xml-parser's object form (`@_` attributes, `#text`, arrays repeat, `?xml` declaration), every value escaped. */
export function xmlText(doc: Record<string, unknown>): string {
  return xmlBuilder.build(doc) as string;
}

/** An XML answer from the object form, with the XML declaration vendors send. */
export function sendXml(res: Response, status: number, doc: Record<string, unknown>, type = 'application/xml; charset=utf-8'): void {
  res.status(status).type(type).send(xmlText({ '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' }, ...doc }));
}
