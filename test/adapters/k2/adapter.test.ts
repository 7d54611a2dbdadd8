// K2 adapter units: config keys and defaults, the escaping of every user value, values XML cannot carry, answer parsing.
import { k2 } from '../../../adapters/k2';
import { parseActionResponse, parseTaskResponse } from '../../../adapters/k2/parse';
import { translateAction, type K2Options } from '../../../adapters/k2/translate';
import { parseXml, UnsafeXmlError } from '../../../adapters/k2/xml';
import type { ActionCommand } from '../../../src/core/actions';
import { GatewayError } from '../../../src/core/errors';
import { ConfigError, parseConfig } from '../../../src/config/load';

const auth = { type: 'basic', username: 'DENALLIX\\svc', password: 'pw-123456' };
const configOf = (extra: Record<string, unknown> = {}) =>
  parseConfig({ auth: { apiKeys: [{ name: 't', key: 'key-12345678' }] }, backends: { k2: { vendor: 'k2', baseUrl: 'https://k2.test/K2Services/SyncREST.svc', auth, ...extra } } }, {});
const optionsOf = (extra: Record<string, unknown> = {}): K2Options => k2.options({ ...configOf(extra).backends.k2, name: 'k2' });
const cmd = (c: Partial<ActionCommand>): ActionCommand => ({ backend: 'k2', taskId: '2_24', action: 'approve', ...c });

/** The UpdateTask as K2 reads it (numeric references decoded, nothing trimmed). */
function received(body: string | undefined) {
  const doc = parseXml(body ?? '', { keepPrefixes: true, trim: false, arrays: ['p:ProcessDataField'] });
  const root = doc['t:UpdateTask'] as Record<string, any>;
  const task = root['t:Task'] as Record<string, any>;
  return {
    namespaces: { t: root['@xmlns:t'], p: root['@xmlns:p'] },
    action: root['@Action'] as string,
    id: root['@ID'],
    serialNumber: task['@SerialNumber'] as string,
    data: Object.fromEntries(((task['p:ProcessDataField'] ?? []) as any[]).map((f) => [f['@Name'], typeof f === 'string' ? f : (f['#text'] ?? '')])),
  };
}

describe('config', () => {
  test('defaults: actionNames Approve/Reject, securityLabel K2', () => {
    expect(optionsOf()).toEqual({ backend: 'k2', actionNames: { approve: 'Approve', reject: 'Reject' }, securityLabel: 'K2', updateTaskId: 'absent', getTask: 'filter' });
  });

  test('actionNames and securityLabel are used; a partial actionNames keeps the other default', () => {
    const opts = optionsOf({ actionNames: { reject: 'Decline' }, securityLabel: 'K2SQL' });
    expect(opts.actionNames).toEqual({ approve: 'Approve', reject: 'Decline' });
    expect(received(translateAction(cmd({ action: 'reject' }), opts)[0].request.body).action).toBe('a:Decline');
    expect(received(translateAction(cmd({ action: 'reassign', to: { id: 'DENALLIX\\bob' } }), opts)[0].request.body).action).toBe('r:K2SQL:DENALLIX\\bob');
  });

  test('unknown keys and bad values are startup errors naming the key', () => {
    expect(() => configOf({ actionNames: { approve: 'Approve', finish: 'x' } })).toThrow(/backends\.k2\.actionNames\.finish: unknown key/);
    expect(() => configOf({ securityLabel: 'K2:bad' })).toThrow(ConfigError);
    expect(() => configOf({ actionNames: { approve: '' } })).toThrow(/backends\.k2\.actionNames\.approve/);
  });
});

describe('translate', () => {
  const opts = optionsOf();

  test('the document follows the vendor example: t/p namespaces, SerialNumber on t:Task, no @ID', () => {
    const [call] = translateAction(cmd({ action: 'approve' }), opts);
    expect(call.request).toMatchObject({ method: 'POST', path: '/Task/Items/UpdateTask', headers: { 'Content-Type': 'application/xml' } });
    expect(received(call.request.body)).toEqual({
      namespaces: { t: 'http://schemas.k2.com/task/d1', p: 'http://schemas.k2.com/process/d1' },
      action: 'a:Approve', id: undefined, serialNumber: '2_24', data: {},
    });
  });

  test.each([
    ['outcome', cmd({ action: 'complete', outcome: `A<b>&"c"'d` }), (r: ReturnType<typeof received>) => r.action, `a:A<b>&"c"'d`],
    ['FQN', cmd({ action: 'delegate', to: { id: `DOM\\o'<"&>` } }), (r: ReturnType<typeof received>) => r.action, `d:K2:DOM\\o'<"&>`],
    ['custom name', cmd({ action: 'custom', name: `x"/><t:Task SerialNumber="9_9` }), (r: ReturnType<typeof received>) => r.action, `a:x"/><t:Task SerialNumber="9_9`],
    ['task id', cmd({ taskId: `2_24"><x a='` }), (r: ReturnType<typeof received>) => r.serialNumber, `2_24"><x a='`],
    ['line breaks and tabs in an attribute', cmd({ action: 'complete', outcome: 'a\r\nb\tc\n' }), (r: ReturnType<typeof received>) => r.action, 'a:a\r\nb\tc\n'],
  ])('the %s arrives exactly as sent', (_what, command, pick, expected) => {
    const body = translateAction(command, opts)[0].request.body;
    expect(pick(received(body))).toBe(expected);
  });

  test('data values and names arrive exactly, whitespace and markup included', () => {
    const data = { 'a"<&>\'': ' <p>Tom & "Jerry"</p> ', lines: 'one\r\ntwo\n\tthree', empty: '', '</t:Task>': ']]>' };
    const body = translateAction(cmd({ action: 'approve', data }), opts)[0].request.body;
    expect(received(body).data).toEqual(data);
    expect(body).not.toContain('<p>');
  });

  test('suspend: seconds, indefinitely, until (as UTC xsd:dateTime); resume is s:-1', () => {
    const action = (c: Partial<ActionCommand>) => received(translateAction(cmd(c), opts)[0].request.body).action;
    expect(action({ action: 'suspend', durationSeconds: 90 })).toBe('s:90');
    expect(action({ action: 'suspend' })).toBe('s:0');
    expect(action({ action: 'suspend', until: '2030-01-02T03:04:05-05:00' })).toBe('s:2030-01-02T08:04:05.000Z');
    expect(action({ action: 'resume' })).toBe('s:-1');
  });

  test('custom: K2 grammar as given, a bare name becomes a:Name', () => {
    const action = (name: string) => received(translateAction(cmd({ action: 'custom', name }), opts)[0].request.body).action;
    expect(action('Rework')).toBe('a:Rework');
    expect(action('r:K2:DENALLIX\\ann')).toBe('r:K2:DENALLIX\\ann');
    expect(action('D:K2:DENALLIX\\ann')).toBe('D:K2:DENALLIX\\ann');
    expect(action('Escalate:Now')).toBe('a:Escalate:Now');
  });

  test('values XML cannot carry and groups are refused before anything is sent', () => {
    const refused = (c: Partial<ActionCommand>) => {
      try {
        translateAction(cmd(c), opts);
      } catch (error) {
        return error instanceof GatewayError ? error.code : 'other';
      }
      return 'sent';
    };
    expect(refused({ action: 'complete', outcome: 'bell\u0007' })).toBe('INVALID_REQUEST');
    expect(refused({ action: 'approve', data: { x: 'nul\u0000' } })).toBe('INVALID_REQUEST');
    expect(refused({ action: 'approve', data: { x: 'lone \uD800 surrogate' } })).toBe('INVALID_REQUEST');
    expect(refused({ action: 'reassign', to: { id: 'Finance', type: 'group' } })).toBe('INVALID_REQUEST');
    expect(refused({ action: 'delegate', to: { id: 'Finance', type: 'group' } })).toBe('INVALID_REQUEST');
    expect(refused({ action: 'approve', data: { x: 'emoji \uD83D\uDE00 is fine' } })).toBe('sent');
  });
});

test('reassign or delegate to a group: 400 INVALID_REQUEST saying K2 redirects and delegates to users only', () => {
  for (const action of ['reassign', 'delegate'] as const) {
    try {
      translateAction(cmd({ action, to: { id: 'Finance', type: 'group' } }), optionsOf());
      throw new Error('sent');
    } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_REQUEST', status: 400 });
      expect((error as Error).message).toBe(`K2 can ${action === 'reassign' ? 'redirect' : 'delegate'} to a user only, not a group`);
    }
  }
});

describe('parse', () => {
  const opts = optionsOf();
  const res = (status: number, body = '') => ({ status, headers: {}, body });
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return error instanceof GatewayError ? { code: error.code, vendor: error.context.vendor } : { code: 'not a GatewayError' };
    }
    return { code: 'none' };
  };

  test('a 200 whose body is not XML is accepted with a warning; only a well-formed Failure refuses', () => {
    const warning = 'K2 answered 200 with a body that is not XML; taken as its acknowledgement (the update is asynchronous)';
    for (const body of ['OK', 'true', '{"status":"ok"}', '<html><body>done', 'Success']) {
      expect(parseActionResponse(res(200, body))).toEqual({ result: 'accepted', warnings: [warning] });
    }
    expect(parseActionResponse(res(204, 'OK')).warnings).toEqual([warning.replace('200', '204')]);
    expect(parseActionResponse(res(200, '<Success xmlns="http://schemas.k2.com/task/d1"/>'))).toEqual({ result: 'accepted' });
    expect(code(() => parseActionResponse(res(200, '<Failure><Message>no</Message></Failure>')))).toMatchObject({ code: 'BACKEND_REJECTED' });
  });

  test('a 200 with XML the gateway refuses to read stays a 502: declarations, depth, size', () => {
    const refusedBodies = [
      '<!DOCTYPE r [<!ENTITY a "b">]><Failure><Message>&a;</Message></Failure>',
      '<Success><!ENTITY a "b"></Success>',
      `<Success>${'<x>'.repeat(200)}${'</x>'.repeat(200)}</Success>`,
      `<Success>${'a'.repeat(2 * 1024 * 1024 + 1)}</Success>`,
    ];
    for (const body of refusedBodies) {
      expect(code(() => parseActionResponse(res(200, body)))).toMatchObject({ code: 'BACKEND_ERROR', vendor: { status: 200 } });
    }
  });

  test('empty 200 is accepted; 202 is BACKEND_ERROR (K2 ignored it); 401 is BACKEND_AUTH_FAILED', () => {
    expect(parseActionResponse(res(200))).toEqual({ result: 'accepted' });
    expect(code(() => parseActionResponse(res(202)))).toMatchObject({ code: 'BACKEND_ERROR', vendor: { status: 202 } });
    expect(code(() => parseActionResponse(res(401)))).toMatchObject({ code: 'BACKEND_AUTH_FAILED' });
  });

  test('a Failure message is passed on sanitized: first line only', () => {
    const body = '<Failure xmlns="http://schemas.k2.com/task/d1"><Message>Item locked\n   at SourceCode.Workflow.Runtime(Secret.cs:1)</Message></Failure>';
    expect(code(() => parseActionResponse(res(409, body)))).toEqual({ code: 'CONFLICT', vendor: { status: 409, message: 'Item locked' } });
  });

  test('get filters by SerialNumber (getTask: worklist reads the whole worklist) and picks the item itself either way', () => {
    const filtered = k2.getTaskRequest('2_24', opts);
    expect(new URL(filtered.path, 'http://k2').searchParams.get('filterXml')).toBe(
      '<Criteria xmlns="http://schemas.k2.com/worklist/d1"><Filter Field="SerialNumber" Comparison="Equal" ValueType="String">2_24</Filter></Criteria>');
    expect(k2.getTaskRequest('2_24', { ...opts, getTask: 'worklist' })).toEqual({ method: 'GET', path: '/Task/Items?piDataField=true', headers: { Accept: 'application/xml' } });
    const body = '<TaskCollection xmlns="http://schemas.k2.com/task/d1"><Task SerialNumber="2_23"><Status>Open</Status></Task><Task SerialNumber="2_24"><Status>Available</Status></Task></TaskCollection>';
    expect(parseTaskResponse(res(200, body), '2_24', opts)).toMatchObject({ id: '2_24', status: 'open' });
  });

  test('task XML in other shapes: SerialNumber/Status/Priority as element or attribute, any case; a bare <Task> root', () => {
    const body = '<TaskCollection xmlns="http://schemas.k2.com/task/d1"><Task Status="ALLOCATED" Priority="4"><SerialNumber>3_1</SerialNumber></Task><Task><SerialNumber>3_2</SerialNumber><Status>sleep</Status></Task></TaskCollection>';
    expect(parseTaskResponse(res(200, body), '3_1', opts)).toMatchObject({ id: '3_1', status: 'claimed', vendorStatus: 'ALLOCATED', priority: 4 });
    expect(parseTaskResponse(res(200, body), '3_2', opts)).toMatchObject({ id: '3_2', status: 'suspended', allowedActions: ['reassign', 'delegate', 'resume'] });
    const bare = '<Task xmlns="http://schemas.k2.com/task/d1" SerialNumber="3_3"><Status>Completed</Status></Task>';
    expect(parseTaskResponse(res(200, bare), '3_3', opts)).toMatchObject({ id: '3_3', status: 'completed', allowedActions: [] });
  });

  test('allowedActions are canonical names only; the K2 action names are kept in properties.outcomes', () => {
    const body = '<TaskCollection xmlns="http://schemas.k2.com/task/d1"><Task SerialNumber="4_1"><Status>Available</Status>'
      + '<Action Name="approve" Batchable="true"/><Action Name="Rework" Batchable="true"/><Action Name="Escalate" Batchable="true"/><Action Name="Sign" Batchable="false"/></Task></TaskCollection>';
    expect(parseTaskResponse(res(200, body), '4_1', opts)).toMatchObject({
      allowedActions: ['approve', 'complete', 'reassign', 'delegate', 'suspend'],
      properties: { outcomes: 'approve,Rework,Escalate' },
    });
  });

  test('get: the task with the serial number asked for; another or none is TASK_NOT_FOUND', () => {
    const body = '<TaskCollection xmlns="http://schemas.k2.com/task/d1"><Task SerialNumber="12_8"><Status>Open</Status></Task></TaskCollection>';
    expect(parseTaskResponse(res(200, body), '12_8', opts).id).toBe('12_8');
    expect(code(() => parseTaskResponse(res(200, body), '2_24', opts))).toMatchObject({ code: 'TASK_NOT_FOUND' });
    expect(code(() => parseTaskResponse(res(200, '<TaskCollection xmlns="http://schemas.k2.com/task/d1">\n</TaskCollection>'), '2_24', opts))).toMatchObject({ code: 'TASK_NOT_FOUND' });
    expect(code(() => parseTaskResponse(res(200, '<Other/>'), '2_24', opts))).toMatchObject({ code: 'BACKEND_ERROR' });
  });

  test('only XML built-ins and numeric references are decoded; DTD entities never', () => {
    expect(parseXml('<a>&lt;&#65;&#x42;&amp;amp;&nbsp;</a>').a).toBe('<AB&amp;&nbsp;');
    expect(() => parseXml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')).toThrow(UnsafeXmlError);
    expect(() => parseXml('<!doctype a SYSTEM "http://evil.test/x.dtd"><a/>')).toThrow(UnsafeXmlError);
    expect(() => parseXml('<a><b></a>')).toThrow(UnsafeXmlError);
  });

  test('an error message never quotes the hostile text', () => {
    try {
      parseXml('<a><secret-token-value></a>');
      throw new Error('parsed');
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-token-value');
    }
  });
});
