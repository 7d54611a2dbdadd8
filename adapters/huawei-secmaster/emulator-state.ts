// SecMaster emulator state: the to-do tasks, their seed, the list query and the update transitions (no HTTP here).
import { randomUUID } from 'node:crypto';
import { EmulatorRefusal, type AdminTaskChange, type AdminTaskInput } from '../../src/emulators/emulator';
import { formatSecMasterDate, parseSecMasterDate } from './dates';
import type { SecMasterTaskInfo } from './vendor-types';

export const SECMASTER_EMULATOR_DEFAULTS = {
  token: 'sandbox-secmaster-token',
  projectId: '15645222e8744afa985c93dab6341da6',
  workspaceId: '75645d0a-93b8-4a7f-a77c-e97009389445',
  iam: { domain: 'sandbox-domain', username: 'sandbox-user', password: 'sandbox-iam-password', project: 'ap-southeast-1', tokenTtlMs: 24 * 3_600_000 },
  offsetUnit: 'record' as SecMasterOffsetUnit,
};

/** What the list's `offset` counts: records to skip (the adapter's reading) or pages (the answer's `page`, "Request offset"). */
export type SecMasterOffsetUnit = 'record' | 'page';

/** The documented business types (list filter and task field). */
export const SECMASTER_BUSINESS_TYPES = ['WORKFLOWPUBLISH', 'WORKFLOWNODEAPPROVE', 'PLAYBOOKPUBLISH', 'PLAYBOOKNODEAPPROVE'];

/** The documented date form, exactly: `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'Z`, e.g. 2025-08-19T14:53:42.424Z+0800. */
const SECMASTER_DATE_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z[+-]\d{4}$/;

const BAD_REQUEST = 'SecMaster.00010001';

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

/** The list query as it arrived (query string values). */
export type SecMasterListQuery = Record<string, string | undefined>;

export interface SecMasterListPage {
  total: number;
  /** The `page` and `size` echoed in the answer. */
  page: number;
  size: number;
  data: SecMasterTaskInfo[];
}

function integerParam(value: string | undefined, fallback: number, min: number, max: number, name: string): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new EmulatorRefusal(400, BAD_REQUEST, `${name} must be ${min}-${max}`);
  return n;
}

function oneOf(value: string | undefined, fallback: string, allowed: string[], name: string): string {
  const v = value ?? fallback;
  if (!allowed.includes(v)) throw new EmulatorRefusal(400, BAD_REQUEST, `invalid ${name}`);
  return v;
}

function dateParam(value: string | undefined, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = SECMASTER_DATE_FORM.test(value) ? parseSecMasterDate(value) : undefined;
  if (!parsed) throw new EmulatorRefusal(400, BAD_REQUEST, `${name} must be yyyy-MM-dd'T'HH:mm:ss.SSS'Z'Z`);
  return parsed;
}

export class SecMasterTasks {
  private readonly tasks: Map<string, SecMasterTaskInfo>;

  constructor(seed: SecMasterTaskInfo[], private readonly offsetUnit: SecMasterOffsetUnit) {
    this.tasks = new Map(seed.map((t) => [t.id, structuredClone(t)]));
  }

  get(id: string): SecMasterTaskInfo | undefined {
    return this.tasks.get(id);
  }

  /** Every task, for the emulator-only admin list. */
  all(): SecMasterTaskInfo[] {
    return [...this.tasks.values()];
  }

  /** Emulator-only: a new waiting to-do (a playbook node approval) from the vendor-neutral body. */
  adminCreate(input: AdminTaskInput, now: Date): SecMasterTaskInfo {
    const id = randomUUID();
    const task = seedTask(id, input.name, 'PLAYBOOKNODEAPPROVE', now.toISOString(), 'waiting', {
      description: input.description ?? '', creator_name: 'emulator-admin',
    });
    if (input.dueAt === undefined) task.due_date = '';
    this.tasks.set(id, task);
    return this.adminUpdate(task, input, now);
  }

  /** Emulator-only: name, description, assignee (the approver), due date and status set as given, update_time now. */
  adminUpdate(task: SecMasterTaskInfo, change: AdminTaskChange, now: Date): SecMasterTaskInfo {
    if (change.name !== undefined) task.name = change.name;
    if (change.description !== undefined) task.description = change.description;
    if (change.assignee !== undefined) task.approver = task.approveuser_name = change.assignee;
    if (change.dueAt !== undefined) task.due_date = formatSecMasterDate(new Date(change.dueAt));
    if (change.vendorStatus !== undefined) task.status = change.vendorStatus;
    task.update_time = formatSecMasterDate(now);
    task.modifier_name = 'emulator-admin';
    return task;
  }

  /** The documented list: paging, sort, query_type and filters, each checked against its documented range. */
  list(q: SecMasterListQuery): SecMasterListPage {
    const offset = integerParam(q.offset, 0, 0, 9999, 'offset');
    const limit = integerParam(q.limit, 10, 1, 100, 'limit');
    const sortKey = oneOf(q.sort_key, 'create_time', ['create_time', 'update_time'], 'sort_key');
    const sortDir = oneOf(q.sort_dir, 'DESC', ['ASC', 'DESC'], 'sort_dir');
    const queryType = oneOf(q.query_type, 'my_todo', ['my_todo', 'all_handled'], 'query_type');
    if (q.business_type !== undefined) oneOf(q.business_type, '', SECMASTER_BUSINESS_TYPES, 'business_type');
    const from = dateParam(q.from_date, 'from_date');
    const to = dateParam(q.to_date, 'to_date');
    const at = (date: string | undefined) => parseSecMasterDate(date) ?? '';
    const matching = [...this.tasks.values()]
      .filter((t) => (queryType === 'my_todo' ? t.status === 'waiting' : t.status !== 'waiting'))
      .filter((t) => !q.name || t.name.includes(q.name))
      .filter((t) => !q.business_type || t.business_type === q.business_type)
      .filter((t) => !q.creator_name || t.creator_name === q.creator_name)
      .filter((t) => !q.note || (t.note ?? '').includes(q.note) || (t.notes ?? '').includes(q.note))
      .filter((t) => (!from || at(t.create_time) >= from) && (!to || at(t.create_time) <= to))
      .sort((a, b) => {
        const key = (t: SecMasterTaskInfo) => at(sortKey === 'create_time' ? t.create_time : t.update_time);
        return (sortDir === 'ASC' ? 1 : -1) * key(a).localeCompare(key(b));
      });
    const start = this.offsetUnit === 'page' ? offset * limit : offset;
    return { total: matching.length, page: offset, size: limit, data: matching.slice(start, start + limit) };
  }

  /** One documented update: CONTINUE, TERMINATE, ADD/DELETE_COMMENT, ADD/DELETE_ATTACHMENT on a waiting task. */
  update(task: SecMasterTaskInfo, body: Record<string, unknown>, now: Date): SecMasterTaskInfo {
    if (task.status !== 'waiting') {
      throw new EmulatorRefusal(400, 'SecMaster.11061001', `The to-do task is already ${task.status} and cannot be updated`);
    }
    const text = (key: string) => {
      const value = body[key];
      if (typeof value !== 'string' || value === '') throw new EmulatorRefusal(400, BAD_REQUEST, `${key} is required`);
      return value;
    };
    switch (body.action) {
      case 'CONTINUE':
        task.status = 'finished';
        break;
      case 'TERMINATE':
        task.status = 'canceled';
        break;
      case 'ADD_COMMENT':
        task.comments = [...(task.comments ?? []), { id: randomUUID(), message: text('comment'), user_id: 'api', user_name: 'api', time: now.getTime() }];
        break;
      case 'DELETE_COMMENT': {
        const id = text('comment_id');
        if (!(task.comments ?? []).some((c) => c.id === id)) throw new EmulatorRefusal(400, 'SecMaster.11061002', 'The comment does not exist');
        task.comments = (task.comments ?? []).filter((c) => c.id !== id);
        break;
      }
      case 'ADD_ATTACHMENT':
        task.attachment_id_list = [...new Set([...(task.attachment_id_list ?? []), text('attachment_id')])];
        break;
      case 'DELETE_ATTACHMENT': {
        const id = text('attachment_id');
        if (!(task.attachment_id_list ?? []).includes(id)) throw new EmulatorRefusal(400, 'SecMaster.11061003', 'The attachment is not linked');
        task.attachment_id_list = (task.attachment_id_list ?? []).filter((a) => a !== id);
        break;
      }
      default:
        throw new EmulatorRefusal(400, BAD_REQUEST, `Unsupported action: ${String(body.action).slice(0, 64)}`);
    }
    task.update_time = formatSecMasterDate(now);
    task.modifier_name = 'api';
    return task;
  }
}

/** Tokens IAM issued, each valid until it expires (or expireAll). */
export class IssuedTokens {
  private readonly expiry = new Map<string, number>();

  add(token: string, expiresAt: number): void {
    this.expiry.set(token, expiresAt);
  }

  valid(token: string, now: number): boolean {
    return (this.expiry.get(token) ?? 0) > now;
  }

  expireAll(): void {
    for (const key of this.expiry.keys()) this.expiry.set(key, 0);
  }
}
