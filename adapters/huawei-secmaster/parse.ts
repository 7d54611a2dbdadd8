// SecMaster answers to canonical results and tasks (pure): the envelope, TaskInfo, and both error shapes.
// Vendor doc: shared/vendor-docs/huawei-secmaster-update-task.txt (200 envelope, 400 {code,message});
// API Gateway errors {error_code, error_msg}: support.huaweicloud.com/devg-apisign/api-sign-errorcode.html
import type { CallOutcome, VendorResponse } from '../../src/core/adapter';
import type { Task, TaskPage, TaskStatus } from '../../src/core/task';
import { GatewayError } from '../../src/core/errors';
import { expectObject, parseJsonBody, tryParseJson, vendorError } from '../../src/core/vendor-errors';
import { epochMsToIso, parseSecMasterDate } from './dates';
import { SECMASTER_OK, type SecMasterTaskInfo } from './vendor-types';

export const VENDOR = 'huawei-secmaster';

const STATUS: Record<string, TaskStatus> = { waiting: 'open', finished: 'completed', canceled: 'canceled' };

/** Actions a waiting to-do offers; a finished or canceled one offers none. */
export const WAITING_ACTIONS = ['approve', 'reject', 'terminate', 'add_comment', 'delete_comment', 'add_attachment', 'delete_attachment', 'custom'];

/** Vendor fields kept as canonical `properties` (only when non-empty). */
const PROPERTY_FIELDS = {
  businessType: 'business_type', relatedObject: 'related_object', notes: 'notes', note: 'note',
  definitionKey: 'definition_key', actionId: 'action_id', actionVersionId: 'action_version_id',
  actionInstanceId: 'action_instance_id', creatorName: 'creator_name', dueHandle: 'due_handle',
  reviewComments: 'review_comments',
} as const;

export function toTask(raw: unknown, backend: string): Task {
  const info = expectObject(raw, 'a task', 200) as unknown as SecMasterTaskInfo;
  if (typeof info.id !== 'string' || info.id === '') {
    throw new GatewayError('BACKEND_ERROR', 'The vendor sent a task without an id', { vendor: { status: 200 } });
  }
  const vendorStatus = typeof info.status === 'string' ? info.status : '';
  const task: Task = {
    id: info.id,
    backend,
    vendor: VENDOR,
    name: typeof info.name === 'string' ? info.name : '',
    status: STATUS[vendorStatus] ?? 'unknown',
    vendorStatus,
    comments: (Array.isArray(info.comments) ? info.comments : []).map((c) => {
      const comment: Task['comments'][number] = { id: String(c.id), text: String(c.message ?? '') };
      if (c.user_name) comment.author = c.user_name;
      const createdAt = epochMsToIso(c.time);
      if (createdAt) comment.createdAt = createdAt;
      return comment;
    }),
    attachments: (Array.isArray(info.attachment_id_list) ? info.attachment_id_list : []).map((id) => ({ id: String(id) })),
    properties: {},
    allowedActions: vendorStatus === 'waiting' ? [...WAITING_ACTIONS] : [],
    raw: info,
  };
  if (info.description) task.description = info.description;
  const assignee = info.approver || info.approveuser_name;
  if (assignee) task.assignee = assignee;
  const createdAt = parseSecMasterDate(info.create_time);
  if (createdAt) task.createdAt = createdAt;
  const updatedAt = parseSecMasterDate(info.update_time);
  if (updatedAt) task.updatedAt = updatedAt;
  const dueAt = parseSecMasterDate(info.due_date);
  if (dueAt) task.dueAt = dueAt;
  for (const [key, field] of Object.entries(PROPERTY_FIELDS)) {
    const value = (info as unknown as Record<string, unknown>)[field];
    if (typeof value === 'string' && value !== '') task.properties[key] = value;
  }
  return task;
}

/** Any non-200, or a 200 whose envelope says it failed, becomes the catalogue's error. */
function envelope(res: VendorResponse): Record<string, unknown> {
  if (res.status !== 200) {
    const body = tryParseJson(res.body);
    // Task APIs answer {code,message}; API Gateway (auth, routing) answers {error_code,error_msg}.
    throw vendorError(res, { code: body.code ?? body.error_code, message: body.message ?? body.error_msg });
  }
  const body = expectObject(parseJsonBody(res), 'a JSON envelope', res.status);
  if (body.success === false || (body.code !== undefined && body.code !== SECMASTER_OK)) {
    throw vendorError(res, { code: body.code, message: body.message }, 'BACKEND_REJECTED');
  }
  return body;
}

export function parseActionResponse(res: VendorResponse, backend: string): CallOutcome {
  const body = envelope(res);
  return body.data === undefined || body.data === null
    ? { result: 'applied' }
    : { result: 'applied', task: toTask(body.data, backend) };
}

export function parseTaskResponse(res: VendorResponse, backend: string): Task {
  return toTask(envelope(res).data, backend);
}

export function parseTaskListResponse(res: VendorResponse, backend: string): TaskPage {
  const body = envelope(res);
  if (!Array.isArray(body.data)) {
    throw new GatewayError('BACKEND_ERROR', 'The vendor answered 200 without a task list', { vendor: { status: 200 } });
  }
  const page: TaskPage = { items: body.data.map((raw) => toTask(raw, backend)) };
  if (typeof body.total === 'number') page.total = body.total;
  return page;
}

/** API Gateway's "token expired or invalid": 401 APIG.0301, refused before the task API ran. */
export function isTokenRejected(res: VendorResponse): boolean {
  return res.status === 401 && tryParseJson(res.body).error_code === 'APIG.0301';
}
