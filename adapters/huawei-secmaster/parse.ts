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
    comments: (Array.isArray(info.comments) ? info.comments : []).map((c, index) => {
      // A comment without an id gets its 1-based position, so a client can still tell them apart.
      const rawId: unknown = c.id;
      const id = (typeof rawId === 'string' && rawId !== '') || typeof rawId === 'number' ? String(rawId) : String(index + 1);
      const comment: Task['comments'][number] = { id, text: String(c.message ?? '') };
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

/** The vendor codes that mean "no such task" by default (the emulator's; a deployment may configure its own). */
export const DEFAULT_TASK_NOT_FOUND_CODES = ['SecMaster.11060404'];

/** The task-level "does not exist" messages SecMaster writes ("The to-do task does not exist", "task not found"). */
const NOT_FOUND_MESSAGE = /\b(?:to-?do\s+)?task\b[^.]*\b(?:does\s+not\s+exist|not\s+exist|not\s+found)\b/i;

/**
 * Why: the documents list only 200 and 400 {code, message}, so an unknown task may come as a 400. A 404 (but
 * API Gateway's APIGW.0101, a missing route), a configured "no such task" code, or a task-not-found message is
 * TASK_NOT_FOUND whatever the status; any other 400 is a refusal.
 */
function isTaskNotFound(res: VendorResponse, code: unknown, message: unknown, notFoundCodes: readonly string[]): boolean {
  if (typeof code === 'string' && notFoundCodes.includes(code)) return true;
  if (res.status === 400 && typeof message === 'string' && NOT_FOUND_MESSAGE.test(message)) return true;
  return false;
}

/** Any non-200, or a 200 whose envelope says it failed, becomes the catalogue's error. */
function envelope(res: VendorResponse, notFoundCodes: readonly string[] = DEFAULT_TASK_NOT_FOUND_CODES): Record<string, unknown> {
  if (res.status !== 200) {
    const body = tryParseJson(res.body);
    // Task APIs answer {code,message}; API Gateway (auth, routing) answers {error_code,error_msg}.
    const code = body.code ?? body.error_code;
    const message = body.message ?? body.error_msg;
    const notFound = res.status < 500 && res.status !== 401 && res.status !== 403 && isTaskNotFound(res, code, message, notFoundCodes);
    throw vendorError(res, { code, message }, notFound ? 'TASK_NOT_FOUND' : undefined);
  }
  const body = expectObject(parseJsonBody(res), 'a JSON envelope', res.status);
  if (!envelopeSucceeded(body)) {
    const notFound = isTaskNotFound(res, body.code, body.message, notFoundCodes);
    throw vendorError(res, { code: body.code, message: body.message }, notFound ? 'TASK_NOT_FOUND' : 'BACKEND_REJECTED');
  }
  return body;
}

/**
 * `success` decides when present (`true` is a success whatever `code` says: "", null, 0 are seen in the wild);
 * only without it does `code` decide, where anything but "00000000" (or no code at all) is a refusal.
 */
function envelopeSucceeded(body: Record<string, unknown>): boolean {
  const success = body.success === 'true' ? true : body.success === 'false' ? false : body.success;
  if (success === true) return true;
  if (success === false) return false;
  return body.code === undefined || body.code === null || body.code === SECMASTER_OK;
}

/** `total` as a number or a numeric string (some gateways stringify longs). */
function totalOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

export function parseActionResponse(res: VendorResponse, backend: string, notFoundCodes?: readonly string[]): CallOutcome {
  const body = envelope(res, notFoundCodes);
  return body.data === undefined || body.data === null
    ? { result: 'applied' }
    : { result: 'applied', task: toTask(body.data, backend) };
}

export function parseTaskResponse(res: VendorResponse, backend: string, notFoundCodes?: readonly string[]): Task {
  return toTask(envelope(res, notFoundCodes).data, backend);
}

export function parseTaskListResponse(res: VendorResponse, backend: string): TaskPage {
  const body = envelope(res);
  // An empty page may come without `data` (or with null): that is no tasks, not a broken answer.
  const data = body.data === undefined || body.data === null ? [] : body.data;
  if (!Array.isArray(data)) {
    throw new GatewayError('BACKEND_ERROR', 'The vendor answered 200 without a task list', { vendor: { status: 200 } });
  }
  const page: TaskPage = { items: data.map((raw) => toTask(raw, backend)) };
  const total = totalOf(body.total);
  if (total !== undefined) page.total = total;
  return page;
}

/** API Gateway's "token expired or invalid": 401 APIG.0301, refused before the task API ran. */
export function isTokenRejected(res: VendorResponse): boolean {
  return res.status === 401 && tryParseJson(res.body).error_code === 'APIG.0301';
}
