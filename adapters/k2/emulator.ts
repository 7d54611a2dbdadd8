// A faithful in-memory emulator of K2's SyncREST Task service (Task/Items, Task/Items/UpdateTask) for tests and the sandbox.
//
// Documented behaviour (shared/vendor-docs/k2-update-task.txt, vendor-notes.md section 4):
// - served under /K2Services/SyncREST.svc, so a backend's baseUrl looks like the real service root;
// - Basic authentication; UpdateTask takes XML only: a JSON body gets 202 with no body and changes nothing;
// - the UpdateTask document: t = http://schemas.k2.com/task/d1 (required), p = http://schemas.k2.com/process/d1,
//   `Action` = a:<ActionName> | r:<FQN> | d:<FQN> | s:<seconds>, s:0 (indefinitely), s:<0 (wake), s:<xsd:dateTime>;
//   the serial number on t:Task/@SerialNumber (an @ID, which the doc calls the serial number, is the fallback);
//   unknown elements and attributes are ignored; success is 200 with Content-Length: 0;
// - only actions marked Batchable="true" can be executed through the Task service;
// - GET Task/Items answers a TaskCollection (default namespace task/d1) with <Action Name Batchable/> elements,
//   filterXml <Criteria> filters (K4 shape), $skip/$top paging with $top=0 meaning all, query options
//   case-insensitive; piDataField=true adds the process data fields.
// Where the documents are silent, this emulator chooses (the adapter must not rely on it):
// - a missing or wrong credential gives 401 with WWW-Authenticate: Basic and an empty body;
// - every authenticated user sees the whole worklist (a real server answers the current user's worklist only);
// - the emulator applies an update at once (K2 applies it asynchronously) and keeps completed items in the
//   worklist with Status Completed and no actions, so a client can see what happened;
// - refusals carry <Failure xmlns="http://schemas.k2.com/task/d1"><Message>...</Message></Failure>:
//   400 for a malformed document, a missing namespace or Action, an unknown action grammar, a process action the
//   item does not offer or that is not batchable, a bad FQN or sleep value; 404 for an unknown serial number;
//   409 for any action on a Completed item, a process action on a sleeping item, or waking an item that is awake;
//   415 for a body that is neither XML nor JSON;
// - process action names match case-insensitively; a process action completes the item;
// - r:FQN (redirect) allocates the item to that user and makes it Available to them; d:FQN (delegate)
//   allocates it to the delegate and keeps its status; an FQN is label:name, e.g. K2:DENALLIX\bob;
// - s:<n> with n > 0 sleeps n seconds and the item wakes by itself afterwards; waking restores the status it had;
// - the Task XML carries <AllocatedUser> for an allocated item (the Worklist service's AllocatedUser, [INF]);
// - process data fields are stored as sent (no schema) and shown with piDataField=true as
//   <ProcessDataField Name="..." xmlns="http://schemas.k2.com/process/d1">;
// - filterXml understands Field SerialNumber, ProcessFolio, Status with Comparison Equal, NotEqual, Like
//   (substring, case-insensitive); another field or comparison is a 400.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Emulator } from '../../src/emulators/emulator';
import { parseK2Date } from './dates';
import { K2_NS, type K2Status } from './vendor-types';
import { UnsafeXmlError, buildXml, elementOf, listOf, parseXml, textOf } from './xml';

export const K2_EMULATOR_DEFAULTS = {
  username: 'DENALLIX\\administrator',
  password: 'K2-sandbox-pass',
  /** The service root path: a backend's baseUrl is http://host:port + basePath. */
  basePath: '/K2Services/SyncREST.svc',
  serialNumbers: { available: '2_24', available2: '12_8', open: '19_10', allocated: '31_5', sleeping: '25_72', completed: '7_3' },
} as const;

export interface K2WorklistItem {
  serialNumber: string;
  processName: string;
  processFullName: string;
  processFolio: string;
  activityName: string;
  priority: number;
  status: K2Status;
  originator: string;
  startDate: string;
  allocatedUser?: string;
  actions: { name: string; batchable: boolean }[];
  data: Record<string, string>;
  /** Status to restore on wake. */
  statusBeforeSleep?: K2Status;
  /** Epoch ms the sleep ends; undefined while sleeping indefinitely. */
  sleepUntil?: number;
  /** The process action that completed the item. */
  completedWith?: string;
}

/** One UpdateTask the emulator accepted or refused after parsing: what arrived, exactly. */
export interface K2ReceivedUpdate {
  serialNumber: string;
  action: string;
  data: Record<string, string>;
}

export interface K2EmulatorOptions {
  username?: string;
  password?: string;
  items?: K2WorklistItem[];
  /** Clock, for sleep expiry in tests. */
  now?: () => number;
}

export interface K2Emulator extends Emulator {
  /** The worklist by serial number (live state). */
  readonly items: Map<string, K2WorklistItem>;
  /** Every UpdateTask document that parsed, in order. */
  readonly updates: K2ReceivedUpdate[];
}

const STANDARD_ACTIONS = [
  { name: 'Approve', batchable: true },
  { name: 'Reject', batchable: true },
  { name: 'Rework', batchable: true },
];

function seedItem(serialNumber: string, folio: string, activity: string, status: K2Status, startDate: string, extra: Partial<K2WorklistItem> = {}): K2WorklistItem {
  return {
    serialNumber, processName: 'Expense Claim', processFullName: 'Finance\\Expense Claim', processFolio: folio,
    activityName: activity, priority: 1, status, originator: 'K2:DENALLIX\\administrator', startDate,
    actions: STANDARD_ACTIONS.map((a) => ({ ...a })), data: {}, ...extra,
  };
}

export function k2Seed(): K2WorklistItem[] {
  return [
    seedItem('2_24', 'EXP-2024-031 Travel Berlin', 'Manager Approval', 'Available', '2025-03-03T08:15:00.000Z', {
      data: { Amount: '1250.00', Currency: 'EUR' },
    }),
    seedItem('12_8', 'Classic Rework Demo2', 'First Approval', 'Available', '2011-07-07T06:09:06.063Z', {
      processName: 'Classic Rework', processFullName: 'K2 Examples\\Classic Rework', priority: 2,
    }),
    seedItem('19_10', 'PO-1042 Laptops', 'Purchasing Review', 'Open', '2025-03-04T10:00:00.000Z', {
      processName: 'Purchase Order', processFullName: 'Procurement\\Purchase Order', allocatedUser: 'K2:DENALLIX\\Bob',
      actions: [{ name: 'Approve', batchable: true }, { name: 'Reject', batchable: true }, { name: 'Escalate to CFO', batchable: true }],
    }),
    seedItem('31_5', 'NDA Contoso', 'Legal Sign-off', 'Allocated', '2025-03-05T12:30:00.000Z', {
      processName: 'Contract Review', processFullName: 'Legal\\Contract Review', allocatedUser: 'K2:DENALLIX\\administrator',
      actions: [{ name: 'Acknowledge', batchable: true }, { name: 'Sign', batchable: false }],
    }),
    seedItem('25_72', 'EXP-2024-029 Conference', 'Manager Approval', 'Sleep', '2025-02-27T09:00:00.000Z', {
      statusBeforeSleep: 'Available',
    }),
    seedItem('7_3', 'EXP-2024-017 Taxi', 'Manager Approval', 'Completed', '2025-02-20T16:45:00.000Z', {
      actions: [], completedWith: 'Approve',
    }),
  ];
}

class Refusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const FQN = /^[^:\\\s]+:\S(?:.*\S)?$/s;

/** The namespace URI of a prefixed name, from xmlns declarations on the element or its ancestors (nearest first). */
function namespaceOf(name: string, scopes: Record<string, unknown>[]): string | undefined {
  const colon = name.indexOf(':');
  const attr = colon < 0 ? '@xmlns' : `@xmlns:${name.slice(0, colon)}`;
  for (const scope of scopes) if (typeof scope[attr] === 'string') return scope[attr] as string;
  return undefined;
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/** The child elements of `parent` with this local name in this namespace. */
function children(parent: Record<string, unknown>, local: string, ns: string, scopes: Record<string, unknown>[]): unknown[] {
  const found: unknown[] = [];
  for (const key of Object.keys(parent)) {
    if (key.startsWith('@') || key === '#text' || localName(key) !== local) continue;
    for (const child of listOf(parent[key])) {
      if (namespaceOf(key, [elementOf(child) ?? {}, ...scopes]) === ns) found.push(child);
    }
  }
  return found;
}

/** Reads the UpdateTask document: its Action, serial number and process data fields. */
function readUpdateTask(text: string): K2ReceivedUpdate {
  let doc: Record<string, unknown>;
  try {
    doc = parseXml(text, { keepPrefixes: true, trim: false });
  } catch (error) {
    throw new Refusal(400, `The request body is not valid XML: ${(error as UnsafeXmlError).message}`);
  }
  const rootKey = Object.keys(doc).find((k) => localName(k) === 'UpdateTask');
  const root = rootKey ? elementOf(doc[rootKey]) : undefined;
  if (!rootKey || !root) throw new Refusal(400, 'Expected an UpdateTask element');
  if (namespaceOf(rootKey, [root]) !== K2_NS.task) throw new Refusal(400, `UpdateTask must be in the namespace ${K2_NS.task}`);
  const action = root['@Action'];
  if (typeof action !== 'string' || action === '') throw new Refusal(400, 'UpdateTask/@Action is required');
  const task = elementOf(children(root, 'Task', K2_NS.task, [root])[0]);
  const serialNumber = textOf(task?.['@SerialNumber']) || textOf(root['@ID']);
  if (!serialNumber) throw new Refusal(400, 'Task/@SerialNumber is required');
  const data: Record<string, string> = {};
  if (task) {
    for (const field of children(task, 'ProcessDataField', K2_NS.process, [task, root])) {
      const name = textOf(elementOf(field)?.['@Name']);
      if (name) data[name] = textOf(field);
    }
  }
  return { serialNumber, action, data };
}

/** s:<value>: seconds (> 0), 0 (indefinitely), negative (wake) or an xsd:dateTime. */
function sleepValue(value: string, now: number): { wake: true } | { wake: false; until?: number } {
  if (/^[+-]?\d+$/.test(value.trim())) {
    const seconds = Number(value);
    if (seconds < 0) return { wake: true };
    return seconds === 0 ? { wake: false } : { wake: false, until: now + seconds * 1000 };
  }
  const until = parseK2Date(value);
  if (!until || !/(Z|[+-]\d{2}:\d{2})$/.test(value.trim())) throw new Refusal(400, `'${value}' is neither a number of seconds nor a dateTime with a time zone`);
  return { wake: false, until: Date.parse(until) };
}

function applyUpdate(item: K2WorklistItem, update: K2ReceivedUpdate, now: number): void {
  const match = /^([ards]):(.*)$/is.exec(update.action);
  if (!match) throw new Refusal(400, `Unknown action '${update.action}': expected a:, r:, d: or s:`);
  const [, kind, value] = match;
  if (item.status === 'Completed') throw new Refusal(409, `Worklist item ${item.serialNumber} is already completed`);
  switch (kind.toLowerCase()) {
    case 'a': {
      if (item.status === 'Sleep') throw new Refusal(409, `Worklist item ${item.serialNumber} is sleeping; wake it first`);
      const action = item.actions.find((a) => a.name.toLowerCase() === value.toLowerCase());
      if (!action) throw new Refusal(400, `The action '${value}' is not available for worklist item ${item.serialNumber}`);
      if (!action.batchable) throw new Refusal(400, `The action '${action.name}' is not batchable; use the Worklist service`);
      Object.assign(item.data, update.data);
      item.status = 'Completed';
      item.completedWith = action.name;
      item.actions = [];
      return;
    }
    case 'r':
    case 'd': {
      if (!FQN.test(value)) throw new Refusal(400, `'${value}' is not a fully qualified user name (label:DOMAIN\\user)`);
      Object.assign(item.data, update.data);
      item.allocatedUser = value;
      if (kind.toLowerCase() === 'r') {
        if (item.status === 'Sleep') item.statusBeforeSleep = 'Available';
        else item.status = 'Available';
      }
      return;
    }
    default: {
      const sleep = sleepValue(value, now);
      if (sleep.wake) {
        if (item.status !== 'Sleep') throw new Refusal(409, `Worklist item ${item.serialNumber} is not sleeping`);
        item.status = item.statusBeforeSleep ?? 'Available';
        delete item.statusBeforeSleep;
        delete item.sleepUntil;
        return;
      }
      if (sleep.until !== undefined && sleep.until <= now) throw new Refusal(400, `The sleep time ${value} is in the past`);
      if (item.status !== 'Sleep') item.statusBeforeSleep = item.status;
      item.status = 'Sleep';
      if (sleep.until === undefined) delete item.sleepUntil;
      else item.sleepUntil = sleep.until;
      Object.assign(item.data, update.data);
    }
  }
}

/** A timed sleep that has run out wakes the item, as K2's scheduler would. */
function wakeIfDue(item: K2WorklistItem, now: number): void {
  if (item.status === 'Sleep' && item.sleepUntil !== undefined && item.sleepUntil <= now) {
    item.status = item.statusBeforeSleep ?? 'Available';
    delete item.statusBeforeSleep;
    delete item.sleepUntil;
  }
}

function taskElement(item: K2WorklistItem, withData: boolean): Record<string, unknown> {
  const task: Record<string, unknown> = {
    '@_SerialNumber': item.serialNumber,
    ProcessName: item.processName,
    StartDate: item.startDate,
    ProcessFullName: item.processFullName,
    ProcessFolio: item.processFolio,
    ActivityName: item.activityName,
    Priority: String(item.priority),
    Status: item.status,
    Originator: item.originator,
  };
  if (item.allocatedUser) task.AllocatedUser = item.allocatedUser;
  task.Data = `http://k2.denallix.com/Workspace/ClientEventPages/Form.aspx?SN=${item.serialNumber}`;
  if (item.actions.length > 0) task.Action = item.actions.map((a) => ({ '@_Name': a.name, '@_Batchable': String(a.batchable) }));
  if (withData && Object.keys(item.data).length > 0) {
    task.ProcessDataField = Object.entries(item.data).map(([name, value]) => ({ '@_Name': name, '@_xmlns': K2_NS.process, '#text': value }));
  }
  return task;
}

interface Filter {
  field: string;
  comparison: string;
  value: string;
}

function readCriteria(text: string): Filter[] {
  let doc: Record<string, unknown>;
  try {
    doc = parseXml(text, { arrays: ['Filter'] });
  } catch (error) {
    throw new Refusal(400, `filterXml is not valid XML: ${(error as UnsafeXmlError).message}`);
  }
  const criteria = elementOf(doc.Criteria);
  if (!criteria) throw new Refusal(400, 'filterXml must be a Criteria element');
  return listOf(criteria.Filter).map((f) => ({
    field: textOf(elementOf(f)?.['@Field']),
    comparison: textOf(elementOf(f)?.['@Comparison']),
    value: textOf(f),
  }));
}

function matches(item: K2WorklistItem, filter: Filter): boolean {
  const fields: Record<string, string> = { SerialNumber: item.serialNumber, ProcessFolio: item.processFolio, Status: item.status };
  const actual = fields[filter.field];
  if (actual === undefined) throw new Refusal(400, `Unsupported filter field '${filter.field}'`);
  switch (filter.comparison) {
    case 'Equal':
      return actual === filter.value;
    case 'NotEqual':
      return actual !== filter.value;
    case 'Like':
      return actual.toLowerCase().includes(filter.value.toLowerCase());
    default:
      throw new Refusal(400, `Unsupported filter comparison '${filter.comparison}'`);
  }
}

function failureXml(message: string): string {
  return buildXml({ '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' }, Failure: { '@_xmlns': K2_NS.task, Message: message } });
}

export function createK2Emulator(options: K2EmulatorOptions = {}): K2Emulator {
  const username = options.username ?? K2_EMULATOR_DEFAULTS.username;
  const password = options.password ?? K2_EMULATOR_DEFAULTS.password;
  const now = options.now ?? Date.now;
  const items = new Map((options.items ?? k2Seed()).map((item) => [item.serialNumber, structuredClone(item)]));
  const updates: K2ReceivedUpdate[] = [];
  const calls: Emulator['calls'] = [];
  const base = K2_EMULATOR_DEFAULTS.basePath;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  const fail = (res: Response, status: number, message: string) =>
    res.status(status).type('application/xml; charset=utf-8').send(failureXml(message));

  app.use((req, res, next) => {
    calls.push({ method: req.method, path: req.originalUrl });
    res.set('Cache-Control', 'private');
    next();
  });

  // IIS checks the credentials before the service sees the request.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const header = req.get('Authorization') ?? '';
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon > 0 && decoded.slice(0, colon) === username && decoded.slice(colon + 1) === password) return next();
    res.status(401).set('WWW-Authenticate', 'Basic realm="K2"').end();
  });

  app.get(`${base}/Task/Items`, (req, res) => {
    // Query options are case-insensitive (service paths are not).
    const query = new Map(Object.entries(req.query as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), typeof v === 'string' ? v : '']));
    try {
      const filters = query.get('filterxml') ? readCriteria(query.get('filterxml') as string) : [];
      const skip = Number(query.get('$skip') ?? 0);
      const top = Number(query.get('$top') ?? 0);
      if (!Number.isInteger(skip) || skip < 0 || !Number.isInteger(top) || top < 0) throw new Refusal(400, '$skip and $top must be non-negative integers');
      const clock = now();
      const all = [...items.values()];
      all.forEach((item) => wakeIfDue(item, clock));
      const matching = all.filter((item) => filters.every((f) => matches(item, f)));
      const page = top === 0 ? matching.slice(skip) : matching.slice(skip, skip + top);
      const withData = (query.get('pidatafield') ?? '').toLowerCase() === 'true';
      const xml = buildXml({
        '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
        TaskCollection: {
          '@_xmlns': K2_NS.task,
          '@_xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
          '@_xmlns:xsd': 'http://www.w3.org/2001/XMLSchema',
          Task: page.map((item) => taskElement(item, withData)),
        },
      });
      res.status(200).type('application/xml; charset=utf-8').send(xml);
    } catch (error) {
      if (error instanceof Refusal) return fail(res, error.status, error.message);
      throw error;
    }
  });

  app.post(`${base}/Task/Items/UpdateTask`, express.text({ type: () => true, limit: '1mb' }), (req, res) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const type = (req.get('Content-Type') ?? '').toLowerCase();
    // The documented quirk: a JSON request is acknowledged with 202 and the task is NOT updated.
    if (type.includes('json') || /^\s*[[{]/.test(body)) return res.status(202).end();
    if (!/\bxml\b/.test(type)) return fail(res, 415, `Unsupported content type '${type.slice(0, 64)}': send application/xml`);
    try {
      const update = readUpdateTask(body);
      updates.push(update);
      const item = items.get(update.serialNumber);
      if (!item) throw new Refusal(404, `Worklist item ${update.serialNumber} was not found`);
      const clock = now();
      wakeIfDue(item, clock);
      applyUpdate(item, update, clock);
      // As documented: 200 with Content-Length: 0.
      res.status(200).set('Content-Length', '0').end();
    } catch (error) {
      if (error instanceof Refusal) return fail(res, error.status, error.message);
      throw error;
    }
  });

  app.use((_req: Request, res: Response) => {
    fail(res, 404, 'Endpoint not found.');
  });

  return { vendor: 'k2', handler: app, calls, items, updates };
}
