// A faithful in-memory emulator of K2's SyncREST Task service (Task/Items, Task/Items/UpdateTask): the HTTP routes and XML reading.
//
// Documented behaviour (shared/vendor-docs/k2-update-task.txt, vendor-notes.md section 4):
// - served under /K2Services/SyncREST.svc, so a backend's baseUrl looks like the real service root;
// - Basic authentication; UpdateTask takes XML only: a JSON body gets 202 with no body and changes nothing;
// - the UpdateTask document: t = http://schemas.k2.com/task/d1 (required), p = http://schemas.k2.com/process/d1,
//   `Action` = a:<ActionName> | r:<FQN> | d:<FQN> | s:<seconds>, s:0 (indefinitely), s:<0 (wake), s:<xsd:dateTime>;
//   t:Task/@SerialNumber (required); t:Task/@Priority (an integer) and @ProcessFolio are applied to the item;
//   unknown elements and attributes are ignored; success is 200 with Content-Length: 0;
// - only actions marked Batchable="true" can be executed through the Task service;
// - GET Task/Items answers a TaskCollection (default namespace task/d1) with <Action Name Batchable/> elements,
//   filterXml <Criteria> filters (K4 shape), $skip/$top paging with $top=0 meaning all, query options
//   case-insensitive; piDataField=true adds the process data fields.
// Where the document is ambiguous, this emulator's options choose, and it accepts only the chosen form:
// - updateTaskId (default 'absent'): UpdateTask/@ID is listed as "Integer, required - the SerialNumber" while the
//   example leaves it out. 'absent' follows the example: an @ID is refused (400). 'required': @ID must be there
//   and equal t:Task/@SerialNumber (a serial number such as 2_24 is no integer: the emulator compares the text).
// Where the documents are silent, this emulator chooses (the adapter must not rely on it):
// - a missing or wrong credential gives 401 with WWW-Authenticate: Basic and an empty body;
// - every authenticated user sees the whole worklist (a real server answers the current user's worklist only);
// - the emulator applies an update at once (K2 applies it asynchronously) and keeps completed items in the
//   worklist with Status Completed and no actions, so a client can see what happened;
// - refusals carry <Failure xmlns="http://schemas.k2.com/task/d1"><Message>...</Message></Failure>:
//   400 for a malformed document, a missing namespace or Action, an unknown action grammar, a process action the
//   item does not offer or that is not batchable, a bad FQN, sleep value or Priority; 404 for an unknown serial
//   number; 409 for any action on a Completed item, a process action on a sleeping item, or waking an item that
//   is awake; 415 for a body that is neither XML nor JSON;
// - process action names match case-insensitively; a process action completes the item;
// - r:FQN (redirect) allocates the item to that user and makes it Available to them; d:FQN (delegate)
//   allocates it to the delegate and keeps its status; an FQN is label:name, e.g. K2:DENALLIX\bob;
// - s:<n> with n > 0 sleeps n seconds and the item wakes by itself afterwards; waking restores the status it had;
// - the Task XML carries <AllocatedUser> for an allocated item (the Worklist service's AllocatedUser, [INF]);
// - process data fields are stored as sent (no schema) and shown with piDataField=true as
//   <ProcessDataField Name="..." xmlns="http://schemas.k2.com/process/d1">;
// - filterXml understands Field SerialNumber, ProcessFolio, Status with Comparison Equal, NotEqual, Like
//   (substring, case-insensitive); another field or comparison is a 400.
// Emulator-only addition (no K2 API; no auth, not in `calls`): GET/POST /_emulator/tasks and
// PATCH /_emulator/tasks/{id} (src/emulators/emulator.ts) create a worklist item (Allocated to its assignee, an FQN,
// when it has one, else Available) and change its folio (the name), priority, AllocatedUser or Status. Worklist
// items carry no description or due date here: a body with one is a 400.
import type { Request, Response } from 'express';
import { EmulatorRefusal, adminRoutes, basicUser, bodyText, emulatorApp, requireCaller, sendXml, textBody, type Emulator } from '../../src/emulators/emulator';
import { K2_EMULATOR_DEFAULTS, K2_STATUSES, K2Worklist, k2Seed, refusal, type K2Filter, type K2ReceivedUpdate, type K2UpdateTaskId, type K2WorklistItem } from './emulator-state';
import { K2_NS } from './vendor-types';
import { UnsafeXmlError, elementOf, listOf, parseXml, textOf } from './xml';

export { K2_EMULATOR_DEFAULTS, k2Seed, type K2ReceivedUpdate, type K2UpdateTaskId, type K2WorklistItem } from './emulator-state';

export interface K2EmulatorOptions {
  username?: string;
  password?: string;
  items?: K2WorklistItem[];
  /** Clock, for sleep expiry in tests. */
  now?: () => number;
  /** Whether UpdateTask/@ID is refused or required (see the header). */
  updateTaskId?: K2UpdateTaskId;
}

export interface K2Emulator extends Emulator {
  /** The worklist by serial number (live state). */
  readonly items: Map<string, K2WorklistItem>;
  /** Every UpdateTask document that parsed, in order. */
  readonly updates: K2ReceivedUpdate[];
}

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

/** The optional attribute's text, undefined when absent. */
function attribute(element: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = element?.[`@${name}`];
  return value === undefined ? undefined : textOf(value);
}

/** Reads the UpdateTask document: Action, serial number (where `updateTaskId` says), Priority, ProcessFolio, data fields. */
function readUpdateTask(text: string, updateTaskId: K2UpdateTaskId): K2ReceivedUpdate {
  let doc: Record<string, unknown>;
  try {
    doc = parseXml(text, { keepPrefixes: true, trim: false });
  } catch (error) {
    throw refusal(400, `The request body is not valid XML: ${(error as UnsafeXmlError).message}`);
  }
  const rootKey = Object.keys(doc).find((k) => localName(k) === 'UpdateTask');
  const root = rootKey ? elementOf(doc[rootKey]) : undefined;
  if (!rootKey || !root) throw refusal(400, 'Expected an UpdateTask element');
  if (namespaceOf(rootKey, [root]) !== K2_NS.task) throw refusal(400, `UpdateTask must be in the namespace ${K2_NS.task}`);
  const action = root['@Action'];
  if (typeof action !== 'string' || action === '') throw refusal(400, 'UpdateTask/@Action is required');
  const task = elementOf(children(root, 'Task', K2_NS.task, [root])[0]);
  const serialNumber = attribute(task, 'SerialNumber');
  if (!serialNumber) throw refusal(400, 'Task/@SerialNumber is required');
  const id = attribute(root, 'ID');
  if (updateTaskId === 'absent' && id !== undefined) throw refusal(400, 'This server takes the serial number from Task/@SerialNumber only: remove UpdateTask/@ID');
  if (updateTaskId === 'required' && id !== serialNumber) throw refusal(400, 'UpdateTask/@ID is required and must equal Task/@SerialNumber');
  const data: Record<string, string> = {};
  for (const field of children(task!, 'ProcessDataField', K2_NS.process, [task!, root])) {
    const name = textOf(elementOf(field)?.['@Name']);
    if (name) data[name] = textOf(field);
  }
  const priority = attribute(task, 'Priority');
  const folio = attribute(task, 'ProcessFolio');
  return { serialNumber, action, data, ...(priority !== undefined ? { priority } : {}), ...(folio !== undefined ? { folio } : {}) };
}

function readCriteria(text: string): K2Filter[] {
  let doc: Record<string, unknown>;
  try {
    doc = parseXml(text, { arrays: ['Filter'] });
  } catch (error) {
    throw refusal(400, `filterXml is not valid XML: ${(error as UnsafeXmlError).message}`);
  }
  const criteria = elementOf(doc.Criteria);
  if (!criteria) throw refusal(400, 'filterXml must be a Criteria element');
  return listOf(criteria.Filter).map((f) => ({
    field: textOf(elementOf(f)?.['@Field']),
    comparison: textOf(elementOf(f)?.['@Comparison']),
    value: textOf(f),
  }));
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

/** Runs a route step; a refusal becomes K2's <Failure> document. */
function answer(res: Response, step: () => void): void {
  try {
    step();
  } catch (error) {
    if (!(error instanceof EmulatorRefusal)) throw error;
    sendXml(res, error.status, { Failure: { '@_xmlns': K2_NS.task, Message: error.message } });
  }
}

/** GET Task/Items: query options are case-insensitive (service paths are not). */
function taskItems(worklist: K2Worklist, req: Request, res: Response): void {
  const query = new Map(Object.entries(req.query as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), typeof v === 'string' ? v : '']));
  const filters = query.get('filterxml') ? readCriteria(query.get('filterxml') as string) : [];
  const skip = Number(query.get('$skip') ?? 0);
  const top = Number(query.get('$top') ?? 0);
  if (!Number.isInteger(skip) || skip < 0 || !Number.isInteger(top) || top < 0) throw refusal(400, '$skip and $top must be non-negative integers');
  const withData = (query.get('pidatafield') ?? '').toLowerCase() === 'true';
  sendXml(res, 200, {
    TaskCollection: {
      '@_xmlns': K2_NS.task,
      '@_xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
      '@_xmlns:xsd': 'http://www.w3.org/2001/XMLSchema',
      Task: worklist.page(filters, skip, top).map((item) => taskElement(item, withData)),
    },
  });
}

export function createK2Emulator(options: K2EmulatorOptions = {}): K2Emulator {
  const username = options.username ?? K2_EMULATOR_DEFAULTS.username;
  const password = options.password ?? K2_EMULATOR_DEFAULTS.password;
  const updateTaskId = options.updateTaskId ?? K2_EMULATOR_DEFAULTS.updateTaskId;
  if (updateTaskId !== 'absent' && updateTaskId !== 'required') throw new Error(`k2 emulator: updateTaskId must be 'absent' or 'required'`);
  const worklist = new K2Worklist(options.items ?? k2Seed(), options.now ?? Date.now);
  const updates: K2ReceivedUpdate[] = [];
  const base = K2_EMULATOR_DEFAULTS.basePath;
  const { app, calls } = emulatorApp();

  adminRoutes(app, {
    fields: ['assignee', 'priority'],
    statuses: K2_STATUSES,
    list: () => [...worklist.items.values()].map((task) => ({ id: task.serialNumber, task })),
    create: (input) => {
      const task = worklist.adminCreate(input);
      return { id: task.serialNumber, task };
    },
    update: (id, change) => {
      const task = worklist.adminUpdate(id, change);
      return task && { id, task };
    },
  });

  app.use((_req, res, next) => {
    res.set('Cache-Control', 'private');
    next();
  });

  // IIS checks the credentials before the service sees the request.
  app.use(requireCaller(basicUser(username, password), (_req, res) => {
    res.status(401).set('WWW-Authenticate', 'Basic realm="K2"').end();
  }));

  app.get(`${base}/Task/Items`, (req, res) => answer(res, () => taskItems(worklist, req, res)));

  app.post(`${base}/Task/Items/UpdateTask`, textBody(), (req, res) => answer(res, () => {
    const body = bodyText(req);
    const type = (req.get('Content-Type') ?? '').toLowerCase();
    // The documented quirk: a JSON request is acknowledged with 202 and the task is NOT updated.
    if (type.includes('json') || /^\s*[[{]/.test(body)) return void res.status(202).end();
    if (!/\bxml\b/.test(type)) throw refusal(415, `Unsupported content type '${type.slice(0, 64)}': send application/xml`);
    const update = readUpdateTask(body, updateTaskId);
    updates.push(update);
    worklist.update(update);
    // As documented: 200 with Content-Length: 0.
    res.status(200).set('Content-Length', '0').end();
  }));

  app.use((_req, res) => answer(res, () => {
    throw refusal(404, 'Endpoint not found.');
  }));

  return { vendor: 'k2', handler: app, calls, items: worklist.items, updates };
}
