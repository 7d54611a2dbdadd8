// A faithful in-memory emulator of SecMaster's to-do task API (list, show, update) for tests and the sandbox.
//
// Documented behaviour (shared/vendor-docs/huawei-secmaster-*.txt): the routes under
// /v1/{project_id}/workspaces/{workspace_id}/soc/tasks, the {code:"00000000", success, data, ...}
// envelope, dates as `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'Z` (+0800 here), comment times as epoch ms,
// X-Auth-Token required, list paging (offset 0-9999, limit 1-100 default 10) and filters.
// Where the documents are silent, this emulator chooses (and the adapter must not rely on it):
// - a missing or wrong token gives 401 {error_code:"APIG.0301", error_msg, request_id} (API Gateway's shape);
// - an unknown project or workspace gives 404 {code:"SecMaster.10010404"}; an unknown task id 404 {code:"SecMaster.11060404"};
// - CONTINUE moves a waiting task to finished, TERMINATE to canceled; every action on a task that is
//   no longer waiting gives 400 {code:"SecMaster.11061001"}; unknown comment ids 400 SecMaster.11061002;
//   an unknown action or a missing field 400 SecMaster.00010001; a body that is not JSON 400 SecMaster.00010002;
// - `name` filters by substring, business_type and creator_name exactly; query_type my_todo lists waiting
//   tasks, all_handled finished and canceled ones; from_date/to_date bound create_time;
// - the list answer echoes offset as `page` and limit as `size`;
// - IAM's POST /v3/auth/tokens (password method, project scope) is served here too: 201 with the token in
//   X-Subject-Token and token.expires_at in the body, 401 {error:{code,message,title}} for wrong credentials.
//   Issued tokens are accepted until they expire (tokenTtlMs, 24 h by default) or expireTokens() is called.
import { randomBytes, randomUUID } from 'node:crypto';
import express, { type Request, type Response, type NextFunction } from 'express';
import type { Emulator } from '../../src/emulators/emulator';
import { formatSecMasterDate, parseSecMasterDate } from './dates';
import { SECMASTER_OK, type SecMasterTaskInfo } from './vendor-types';

export interface SecMasterEmulatorOptions {
  token?: string;
  projectId?: string;
  workspaceId?: string;
  /** Tasks to start with; defaults to a realistic seed. */
  tasks?: SecMasterTaskInfo[];
  /** The IAM account whose password gets a token, and how long tokens live. */
  iam?: Partial<typeof SECMASTER_EMULATOR_DEFAULTS.iam>;
}

export interface SecMasterEmulator extends Emulator {
  /** Makes every token issued so far expire now (IAM-issued ones; the static token stays valid). */
  expireTokens(): void;
}

export const SECMASTER_EMULATOR_DEFAULTS = {
  token: 'sandbox-secmaster-token',
  projectId: '15645222e8744afa985c93dab6341da6',
  workspaceId: '75645d0a-93b8-4a7f-a77c-e97009389445',
  iam: { domain: 'sandbox-domain', username: 'sandbox-user', password: 'sandbox-iam-password', project: 'ap-southeast-1', tokenTtlMs: 24 * 3_600_000 },
};

function seedTask(id: string, name: string, businessType: string, created: string, status: string, extra: Partial<SecMasterTaskInfo> = {}): SecMasterTaskInfo {
  const createdAt = new Date(created);
  return {
    id, aopengine_task_id: id, name, project_id: SECMASTER_EMULATOR_DEFAULTS.projectId, description: '',
    create_time: formatSecMasterDate(createdAt), creator_id: '', creator_name: 'soc-admin', modifier_id: '', modifier_name: '',
    update_time: formatSecMasterDate(createdAt), approveuser_id: '', approveuser_name: '', approver: '', notes: '', note: '',
    definition_key: 'Activity_1xkg6ju',
    due_date: formatSecMasterDate(new Date(createdAt.getTime() + 15 * 86_400_000 - 26)),
    action_id: 'e1426fd5-bf48-3b71-8f8e-d5ca1047f68b', action_version_id: '0696648d-9d20-4e21-b1fd-24f9a6f4918c',
    action_instance_id: '', workspace_id: SECMASTER_EMULATOR_DEFAULTS.workspaceId, review_comments: '', view_parameters: '',
    handle_parameters: '', business_type: businessType, related_object: 'alert-triage', attachment_id_list: [], comments: [],
    status, due_handle: 'CONTINUE', ...extra,
  };
}

export function secMasterSeed(): SecMasterTaskInfo[] {
  return [
    seedTask('3e4c170e-7cc9-11f0-9216-fa163e209978', 'Approve blocking of 203.0.113.7', 'PLAYBOOKNODEAPPROVE', '2025-08-19T06:53:42.424Z', 'waiting', {
      description: 'Playbook "block-ip" waits for a manual review', notes: '006', action_instance_id: 'a1b2c3d4-0001',
    }),
    seedTask('5b1f3a52-7cca-11f0-9216-fa163e209978', 'Publish workflow incident-intake v3', 'WORKFLOWPUBLISH', '2025-08-20T01:10:00.000Z', 'waiting', {
      comments: [{ id: '909494e3-558e-46b6-a9eb-07a8e18ca62f', message: 'Looks fine to me', user_id: 'u-17', user_name: 'li.wei', time: 1755656000000 }],
      attachment_id_list: ['att-0001'],
    }),
    seedTask('7d90c2e4-7ccb-11f0-9216-fa163e209978', 'Review playbook isolate-host v2', 'PLAYBOOKPUBLISH', '2025-08-21T09:30:15.500Z', 'waiting'),
    seedTask('9a3e6f10-7ccc-11f0-9216-fa163e209978', 'Approve disabling account j.doe', 'WORKFLOWNODEAPPROVE', '2025-08-18T12:00:00.000Z', 'finished', {
      approver: 'zhang.min', approveuser_name: 'zhang.min', review_comments: 'ok',
    }),
    seedTask('b4c8d2a6-7ccd-11f0-9216-fa163e209978', 'Approve quarantine of mail batch 42', 'PLAYBOOKNODEAPPROVE', '2025-08-17T03:45:00.000Z', 'canceled'),
  ];
}

export function createSecMasterEmulator(options: SecMasterEmulatorOptions = {}): SecMasterEmulator {
  const token = options.token ?? SECMASTER_EMULATOR_DEFAULTS.token;
  const projectId = options.projectId ?? SECMASTER_EMULATOR_DEFAULTS.projectId;
  const workspaceId = options.workspaceId ?? SECMASTER_EMULATOR_DEFAULTS.workspaceId;
  const tasks = new Map((options.tasks ?? secMasterSeed()).map((t) => [t.id, structuredClone(t)]));
  const calls: Emulator['calls'] = [];
  const app = express();
  app.disable('x-powered-by');

  const fail = (res: Response, status: number, code: string, message: string) =>
    res.status(status).json({ code, message, request_id: randomUUID() });

  app.use((req, _res, next) => {
    calls.push({ method: req.method, path: req.originalUrl });
    next();
  });

  // IAM (a separate service in real life): password method, project scope; token in X-Subject-Token.
  const iam = { ...SECMASTER_EMULATOR_DEFAULTS.iam, ...options.iam };
  const issued = new Map<string, number>();
  app.post('/v3/auth/tokens', express.text({ type: () => true, limit: '64kb' }), (req, res) => {
    let body: any;
    try {
      body = JSON.parse(typeof req.body === 'string' ? req.body : '');
    } catch {
      return res.status(400).json({ error: { code: 400, message: 'The request body is not valid JSON', title: 'Bad Request' } });
    }
    const identity = body?.auth?.identity;
    const user = identity?.password?.user;
    const ok = Array.isArray(identity?.methods) && identity.methods.includes('password') &&
      user?.name === iam.username && user?.password === iam.password && user?.domain?.name === iam.domain;
    if (!ok) return res.status(401).json({ error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' } });
    if (body?.auth?.scope?.project?.name !== iam.project) {
      return res.status(400).json({ error: { code: 400, message: 'The project does not exist.', title: 'Bad Request' } });
    }
    const issuedAt = new Date();
    const expiresAt = new Date(issuedAt.getTime() + iam.tokenTtlMs);
    const subjectToken = `MII${randomBytes(48).toString('base64url')}`;
    issued.set(subjectToken, expiresAt.getTime());
    res.status(201).set('X-Subject-Token', subjectToken).json({
      token: {
        expires_at: expiresAt.toISOString(), issued_at: issuedAt.toISOString(), methods: ['password'],
        project: { name: iam.project, id: projectId, domain: { name: iam.domain } },
        user: { name: iam.username, domain: { name: iam.domain } },
      },
    });
  });

  // API Gateway checks the token before the task service sees anything.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const given = req.get('X-Auth-Token');
    if (given === token || (given !== undefined && (issued.get(given) ?? 0) > Date.now())) return next();
    res.status(401).json({
      error_code: 'APIG.0301',
      error_msg: `Incorrect IAM authentication information: ${given ? 'decrypt token fail' : 'x-auth-token not found'}`,
      request_id: randomUUID().replace(/-/g, ''),
    });
  });

  const base = '/v1/:projectId/workspaces/:workspaceId/soc/tasks';
  app.use(base, (req: Request, res: Response, next: NextFunction) => {
    if (req.params.projectId !== projectId || req.params.workspaceId !== workspaceId) {
      return fail(res, 404, 'SecMaster.10010404', 'The workspace does not exist');
    }
    next();
  });

  app.get(base, (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const offset = q.offset === undefined ? 0 : Number(q.offset);
    const limit = q.limit === undefined ? 10 : Number(q.limit);
    if (!Number.isInteger(offset) || offset < 0 || offset > 9999) return fail(res, 400, 'SecMaster.00010001', 'offset must be 0-9999');
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return fail(res, 400, 'SecMaster.00010001', 'limit must be 1-100');
    const sortKey = q.sort_key ?? 'create_time';
    const sortDir = q.sort_dir ?? 'DESC';
    if (!['create_time', 'update_time'].includes(sortKey)) return fail(res, 400, 'SecMaster.00010001', 'invalid sort_key');
    if (!['ASC', 'DESC'].includes(sortDir)) return fail(res, 400, 'SecMaster.00010001', 'invalid sort_dir');
    const queryType = q.query_type ?? 'my_todo';
    if (!['my_todo', 'all_handled'].includes(queryType)) return fail(res, 400, 'SecMaster.00010001', 'invalid query_type');
    const from = q.from_date ? parseSecMasterDate(q.from_date) : undefined;
    const to = q.to_date ? parseSecMasterDate(q.to_date) : undefined;
    if ((q.from_date && !from) || (q.to_date && !to)) return fail(res, 400, 'SecMaster.00010001', "dates must be yyyy-MM-dd'T'HH:mm:ss.SSS'Z'Z");
    const created = (t: SecMasterTaskInfo) => parseSecMasterDate(t.create_time) ?? '';
    const matching = [...tasks.values()]
      .filter((t) => (queryType === 'my_todo' ? t.status === 'waiting' : t.status !== 'waiting'))
      .filter((t) => !q.name || t.name.includes(q.name))
      .filter((t) => !q.business_type || t.business_type === q.business_type)
      .filter((t) => !q.creator_name || t.creator_name === q.creator_name)
      .filter((t) => !q.note || (t.note ?? '').includes(q.note) || (t.notes ?? '').includes(q.note))
      .filter((t) => (!from || created(t) >= from) && (!to || created(t) <= to))
      .sort((a, b) => {
        const key = (t: SecMasterTaskInfo) => parseSecMasterDate(sortKey === 'create_time' ? t.create_time : t.update_time) ?? '';
        return (sortDir === 'ASC' ? 1 : -1) * key(a).localeCompare(key(b));
      });
    res.json({
      code: SECMASTER_OK, message: '', request_id: randomUUID(), success: true,
      total: matching.length, page: offset, size: limit, data: matching.slice(offset, offset + limit),
    });
  });

  app.get(`${base}/:taskId`, (req, res) => {
    const task = tasks.get(req.params.taskId as string);
    if (!task) return fail(res, 404, 'SecMaster.11060404', 'The to-do task does not exist');
    res.json({ code: SECMASTER_OK, message: '', request_id: randomUUID(), success: true, data: task });
  });

  app.put(`${base}/:taskId`, express.text({ type: () => true, limit: '1mb' }), (req, res) => {
    const task = tasks.get(req.params.taskId as string);
    if (!task) return fail(res, 404, 'SecMaster.11060404', 'The to-do task does not exist');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(typeof req.body === 'string' ? req.body : '');
      if (!body || typeof body !== 'object') throw new Error('not an object');
    } catch {
      return fail(res, 400, 'SecMaster.00010002', 'The request body is not valid JSON');
    }
    if (task.status !== 'waiting') {
      return fail(res, 400, 'SecMaster.11061001', `The to-do task is already ${task.status} and cannot be updated`);
    }
    const now = new Date();
    const text = (key: string) => (typeof body[key] === 'string' && body[key] !== '' ? (body[key] as string) : undefined);
    switch (body.action) {
      case 'CONTINUE':
        task.status = 'finished';
        break;
      case 'TERMINATE':
        task.status = 'canceled';
        break;
      case 'ADD_COMMENT': {
        const message = text('comment');
        if (!message) return fail(res, 400, 'SecMaster.00010001', 'comment is required');
        task.comments = [...(task.comments ?? []), { id: randomUUID(), message, user_id: 'api', user_name: 'api', time: now.getTime() }];
        break;
      }
      case 'DELETE_COMMENT': {
        const id = text('comment_id');
        if (!id) return fail(res, 400, 'SecMaster.00010001', 'comment_id is required');
        if (!(task.comments ?? []).some((c) => c.id === id)) return fail(res, 400, 'SecMaster.11061002', 'The comment does not exist');
        task.comments = (task.comments ?? []).filter((c) => c.id !== id);
        break;
      }
      case 'ADD_ATTACHMENT': {
        const id = text('attachment_id');
        if (!id) return fail(res, 400, 'SecMaster.00010001', 'attachment_id is required');
        task.attachment_id_list = [...new Set([...(task.attachment_id_list ?? []), id])];
        break;
      }
      case 'DELETE_ATTACHMENT': {
        const id = text('attachment_id');
        if (!id) return fail(res, 400, 'SecMaster.00010001', 'attachment_id is required');
        if (!(task.attachment_id_list ?? []).includes(id)) return fail(res, 400, 'SecMaster.11061003', 'The attachment is not linked');
        task.attachment_id_list = (task.attachment_id_list ?? []).filter((a) => a !== id);
        break;
      }
      default:
        return fail(res, 400, 'SecMaster.00010001', `Unsupported action: ${String(body.action).slice(0, 64)}`);
    }
    task.update_time = formatSecMasterDate(now);
    task.modifier_name = 'api';
    res.json({ code: SECMASTER_OK, data: task, message: '', request_id: randomUUID(), success: true });
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error_code: 'APIGW.0101', error_msg: 'The API does not exist or has not been published in the environment', request_id: randomUUID() });
  });

  return {
    vendor: 'huawei-secmaster',
    handler: app,
    calls,
    expireTokens: () => {
      for (const key of issued.keys()) issued.set(key, 0);
    },
  };
}
