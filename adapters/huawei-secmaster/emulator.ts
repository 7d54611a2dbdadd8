// A faithful in-memory emulator of SecMaster's to-do task API (list, show, update) and IAM's token route: the HTTP routes.
//
// Documented behaviour (shared/vendor-docs/huawei-secmaster-*.txt): the routes under
// /v1/{project_id}/workspaces/{workspace_id}/soc/tasks, the {code:"00000000", success, data, ...}
// envelope, dates as `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'Z` (+0800 here), comment times as epoch ms,
// X-Auth-Token and Content-Type (application/json) required on every task call, GETs included, list paging
// (offset 0-9999, limit 1-100 default 10), business_type one of the four documented types, from_date/to_date in the
// documented form (`2025-08-19T14:53:42.424Z+0800`; plain ISO is refused).
// Where the documents are ambiguous, this emulator's options choose, and it accepts only the chosen form:
// - offsetUnit (default 'record'): `offset` counts records to skip (the adapter's reading); 'page' counts pages
//   of `limit` records (the answer's `page` is documented as "Request offset", range 1-100). Either way the
//   answer echoes offset as `page` and limit as `size`.
// - unknownTask (default 404): how an unknown task id is answered. The documents list only 200 and 400 {code,
//   message}: 400 answers {code:"SecMaster.11060404", message:"The to-do task does not exist"} with status 400;
//   404 (this emulator's earlier choice) the same body with status 404.
// - aksk (default none): an AK/SK pair; when set, a request signed SDK-HMAC-SHA256 (Authorization: SDK-HMAC-SHA256
//   Access=, SignedHeaders=, Signature=; X-Sdk-Date signed and within 15 minutes; host signed) is accepted
//   when its signature verifies over the canonical request; a bad one is 401 APIG.0301 "verify aksk signature fail".
// Where the documents are silent, this emulator chooses (and the adapter must not rely on it):
// - a missing or wrong token gives 401 {error_code:"APIG.0301", error_msg, request_id} (API Gateway's shape);
// - a missing or other Content-Type gives 400 SecMaster.00010001 (the documents list only 200 and 400);
// - an unknown project or workspace gives 404 {code:"SecMaster.10010404"};
// - CONTINUE moves a waiting task to finished, TERMINATE to canceled; every action on a task that is
//   no longer waiting gives 400 {code:"SecMaster.11061001"}; unknown comment ids 400 SecMaster.11061002;
//   an unknown action or a missing field 400 SecMaster.00010001; a body that is not JSON 400 SecMaster.00010002;
// - `name` filters by substring, business_type and creator_name exactly; query_type my_todo lists waiting
//   tasks, all_handled finished and canceled ones; from_date/to_date bound create_time;
// - IAM's POST /v3/auth/tokens (password method, project scope) is served here too: 201 with the token in
//   X-Subject-Token and token.expires_at in the body, 401 {error:{code,message,title}} for wrong credentials.
//   Issued tokens are accepted until they expire (tokenTtlMs, 24 h by default) or expireTokens() is called.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import {
  EmulatorRefusal, bodyText, emulatorApp, isJsonType, jsonObject, mediaType, requireCaller, sendJson, textBody, type Emulator,
} from '../../src/emulators/emulator';
import { AKSK_ALGORITHM, akskSignature, canonicalRequest } from './auth';
import { IssuedTokens, SECMASTER_EMULATOR_DEFAULTS, SecMasterTasks, secMasterSeed, type SecMasterOffsetUnit } from './emulator-state';
import { SECMASTER_OK, type SecMasterTaskInfo } from './vendor-types';

export { SECMASTER_EMULATOR_DEFAULTS, secMasterSeed, type SecMasterOffsetUnit } from './emulator-state';

export interface SecMasterEmulatorOptions {
  token?: string;
  projectId?: string;
  workspaceId?: string;
  /** Tasks to start with; defaults to a realistic seed. */
  tasks?: SecMasterTaskInfo[];
  /** The IAM account whose password gets a token, and how long tokens live. */
  iam?: Partial<typeof SECMASTER_EMULATOR_DEFAULTS.iam>;
  /** What the list's offset counts (see the header). */
  offsetUnit?: SecMasterOffsetUnit;
  /** The HTTP status of "no such task" (see the header). */
  unknownTask?: 404 | 400;
  /** The AK/SK pair whose signatures are accepted (see the header). */
  aksk?: { accessKey: string; secretKey: string; securityToken?: string };
}

export interface SecMasterEmulator extends Emulator {
  /** Makes every token issued so far expire now (IAM-issued ones; the static token stays valid). */
  expireTokens(): void;
}

const fail = (res: Response, status: number, code: string, message: string) => sendJson(res, status, { code, message, request_id: randomUUID() });

const refused = (res: Response, error: unknown) => {
  if (!(error instanceof EmulatorRefusal)) throw error;
  fail(res, error.status, error.code, error.message);
};

const ok = (res: Response, extra: Record<string, unknown>) =>
  sendJson(res, 200, { code: SECMASTER_OK, message: '', request_id: randomUUID(), success: true, ...extra });

type IamAccount = typeof SECMASTER_EMULATOR_DEFAULTS.iam;

/** IAM's password method with project scope: 201, the token in X-Subject-Token. */
function iamTokenRoute(iam: IamAccount, projectId: string, issued: IssuedTokens) {
  const iamError = (res: Response, code: number, message: string, title: string) => sendJson(res, code, { error: { code, message, title } });
  return (req: Request, res: Response) => {
    const body = jsonObject(req) as any;
    if (!body) return iamError(res, 400, 'The request body is not valid JSON', 'Bad Request');
    const identity = body.auth?.identity;
    const user = identity?.password?.user;
    const known = Array.isArray(identity?.methods) && identity.methods.includes('password') &&
      user?.name === iam.username && user?.password === iam.password && user?.domain?.name === iam.domain;
    if (!known) return iamError(res, 401, 'The username or password is wrong.', 'Unauthorized');
    if (body.auth?.scope?.project?.name !== iam.project) return iamError(res, 400, 'The project does not exist.', 'Bad Request');
    const issuedAt = new Date();
    const expiresAt = new Date(issuedAt.getTime() + iam.tokenTtlMs);
    const subjectToken = `MII${randomBytes(48).toString('base64url')}`;
    issued.add(subjectToken, expiresAt.getTime());
    res.set('X-Subject-Token', subjectToken);
    sendJson(res, 201, {
      token: {
        expires_at: expiresAt.toISOString(), issued_at: issuedAt.toISOString(), methods: ['password'],
        project: { name: iam.project, id: projectId, domain: { name: iam.domain } },
        user: { name: iam.username, domain: { name: iam.domain } },
      },
    });
  };
}

const SKEW_MS = 15 * 60_000;

/** An SDK-HMAC-SHA256 signature checked against the configured pair: the caller's name, or undefined. */
function verifyAksk(req: Request, pair: NonNullable<SecMasterEmulatorOptions['aksk']>): string | undefined {
  const match = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(req.get('Authorization') ?? '');
  if (!match || match[1] !== pair.accessKey) return undefined;
  const signed = match[2].split(';');
  const date = req.get('X-Sdk-Date') ?? '';
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!m || !signed.includes('x-sdk-date') || !signed.includes('host')) return undefined;
  const at = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (!(Math.abs(Date.now() - at) <= SKEW_MS)) return undefined;
  if (pair.securityToken !== undefined && (req.get('X-Security-Token') !== pair.securityToken || !signed.includes('x-security-token'))) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
  const url = new URL(req.originalUrl, `http://${req.get('host') ?? 'localhost'}`);
  const expected = akskSignature(pair.secretKey, date, canonicalRequest(req.method, url, headers, signed, bodyText(req)));
  return expected === match[3] ? 'aksk' : undefined;
}

/**
 * API Gateway's check: the static token or one IAM issued and not expired, or (where configured) a valid AK/SK
 * signature; else 401 APIG.0301.
 */
function apiGatewayAuth(token: string, issued: IssuedTokens, aksk: SecMasterEmulatorOptions['aksk']) {
  const signedRequest = (req: Request) => (req.get('Authorization') ?? '').startsWith(AKSK_ALGORITHM);
  return requireCaller(
    (req) => {
      if (aksk && signedRequest(req)) return verifyAksk(req, aksk);
      const given = req.get('X-Auth-Token');
      return given !== undefined && (given === token || issued.valid(given, Date.now())) ? 'api' : undefined;
    },
    (req, res) => sendJson(res, 401, {
      error_code: 'APIG.0301',
      error_msg: `Incorrect IAM authentication information: ${
        aksk && signedRequest(req) ? 'verify aksk signature fail' : req.get('X-Auth-Token') ? 'decrypt token fail' : 'x-auth-token not found'}`,
      request_id: randomUUID().replace(/-/g, ''),
    }),
  );
}

export function createSecMasterEmulator(options: SecMasterEmulatorOptions = {}): SecMasterEmulator {
  const d = SECMASTER_EMULATOR_DEFAULTS;
  const token = options.token ?? d.token;
  const projectId = options.projectId ?? d.projectId;
  const workspaceId = options.workspaceId ?? d.workspaceId;
  const offsetUnit = options.offsetUnit ?? d.offsetUnit;
  if (offsetUnit !== 'record' && offsetUnit !== 'page') throw new Error(`huawei-secmaster emulator: offsetUnit must be 'record' or 'page'`);
  const tasks = new SecMasterTasks(options.tasks ?? secMasterSeed(), offsetUnit);
  const unknownTask = options.unknownTask ?? 404;
  if (unknownTask !== 404 && unknownTask !== 400) throw new Error('huawei-secmaster emulator: unknownTask must be 404 or 400');
  const noSuchTask = (res: Response) => fail(res, unknownTask, 'SecMaster.11060404', 'The to-do task does not exist');
  const issued = new IssuedTokens();
  const { app, calls } = emulatorApp();

  // IAM (a separate service in real life).
  app.post('/v3/auth/tokens', textBody('64kb'), iamTokenRoute({ ...d.iam, ...options.iam }, projectId, issued));

  // API Gateway checks the token (or the signature, which covers the body) before the task service sees anything.
  app.use(textBody());
  app.use(apiGatewayAuth(token, issued, options.aksk));

  const base = '/v1/:projectId/workspaces/:workspaceId/soc/tasks';
  app.use(base, (req, res, next) => {
    if (req.params.projectId !== projectId || req.params.workspaceId !== workspaceId) {
      return fail(res, 404, 'SecMaster.10010404', 'The workspace does not exist');
    }
    // Content-Type is documented as mandatory on every task call, GETs included.
    if (!isJsonType(mediaType(req))) return fail(res, 400, 'SecMaster.00010001', 'Content-Type must be application/json;charset=UTF-8');
    next();
  });

  app.get(base, (req, res) => {
    try {
      const page = tasks.list(req.query as Record<string, string | undefined>);
      ok(res, { total: page.total, page: page.page, size: page.size, data: page.data });
    } catch (error) {
      refused(res, error);
    }
  });

  app.get(`${base}/:taskId`, (req, res) => {
    const task = tasks.get(String(req.params.taskId));
    if (!task) return noSuchTask(res);
    ok(res, { data: task });
  });

  app.put(`${base}/:taskId`, textBody(), (req, res) => {
    const task = tasks.get(String(req.params.taskId));
    if (!task) return noSuchTask(res);
    const body = jsonObject(req);
    if (!body) return fail(res, 400, 'SecMaster.00010002', 'The request body is not valid JSON');
    try {
      ok(res, { data: tasks.update(task, body, new Date()) });
    } catch (error) {
      refused(res, error);
    }
  });

  app.use((_req, res) => {
    sendJson(res, 404, { error_code: 'APIGW.0101', error_msg: 'The API does not exist or has not been published in the environment', request_id: randomUUID() });
  });

  return { vendor: 'huawei-secmaster', handler: app, calls, expireTokens: () => issued.expireAll() };
}
