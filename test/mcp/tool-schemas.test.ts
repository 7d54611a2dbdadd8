// The MCP tools' schemas are generated from schemas/*.json: they compile, they are self-contained, and perform_action's
// input accepts exactly the bodies the REST action route accepts (plus the envelope), so the two cannot drift.
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import actionRequestSchema from '../../schemas/action-request.schema.json';
import { GatewayError } from '../../src/core/errors';
import { validateActionBody } from '../../src/http/validation';
import { TOOL_SCHEMAS } from '../../src/mcp/tool-schemas';

const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
addFormats(ajv, ['date-time', 'uri']);

const restAccepts = (body: unknown) => {
  try {
    validateActionBody(structuredClone(body));
    return true;
  } catch (error) {
    if (error instanceof GatewayError && error.code === 'INVALID_REQUEST') return false;
    throw error;
  }
};

const BODIES: Record<string, unknown>[] = [
  { action: 'approve' }, { action: 'approve', comment: 'ok', data: { Reason: 'fine' } }, { action: 'approve', outcome: 'x' },
  { action: 'approve', comment: '' }, { action: 'approve', data: { a: 1 } },
  { action: 'reject', comment: 'no' }, { action: 'complete' }, { action: 'complete', outcome: 'Done' },
  { action: 'claim' }, { action: 'claim', comment: 'mine' }, { action: 'release' },
  { action: 'reassign', to: { id: 'bob' } }, { action: 'reassign', to: { id: 'ops', type: 'group' }, comment: 'c' },
  { action: 'reassign', to: { id: 'bob', type: 'team' } }, { action: 'reassign' }, { action: 'delegate', to: { id: 'x', extra: 1 } },
  { action: 'suspend' }, { action: 'suspend', until: '2030-01-01T00:00:00Z' }, { action: 'suspend', durationSeconds: 60 },
  { action: 'suspend', until: '2030-01-01T00:00:00Z', durationSeconds: 60 }, { action: 'suspend', until: 'tomorrow' }, { action: 'suspend', durationSeconds: 0 },
  { action: 'resume' }, { action: 'terminate', comment: 'stop' }, { action: 'withdraw' }, { action: 'escalate' },
  { action: 'add_comment', comment: 'hello' }, { action: 'add_comment' }, { action: 'delete_comment', commentId: 'c1' }, { action: 'delete_comment' },
  { action: 'add_attachment', attachmentId: 'a1' }, { action: 'delete_attachment', attachmentId: 'a1' }, { action: 'delete_attachment', commentId: 'a1' },
  { action: 'update', priority: 3 }, { action: 'update' }, { action: 'update', name: 'n', properties: { k: 'v' } }, { action: 'update', priority: 'high' },
  { action: 'request_info', to: { id: 'carol' } }, { action: 'submit_info', comment: 'here' }, { action: 'skip' }, { action: 'push_back' },
  { action: 'custom', name: 'ESCALATE_L2' }, { action: 'custom' }, { action: 'custom', name: 'X', comment: 'y', parameters: {} },
  { action: 'approve', bogus: true }, { action: 'frobnicate' }, {},
];

describe('MCP tool schemas', () => {
  test("every schema compiles (JSON Schema 2020-12, and the SDK client's validator), self-contained", () => {
    for (const [name, { inputSchema, outputSchema }] of Object.entries(TOOL_SCHEMAS)) {
      for (const schema of [inputSchema, outputSchema]) {
        expect(schema.type).toBe('object');
        expect(JSON.stringify(schema)).not.toMatch(/"\$ref":"(?!#\/\$defs\/)/);
        expect(schema.$id).toBeUndefined();
        expect(() => ajv.compile(schema)).not.toThrow();
        // The SDK client's own validator (draft-07 Ajv) checks every structuredContent against the outputSchema.
        expect(() => new AjvJsonSchemaValidator().getValidator(schema)).not.toThrow();
      }
      expect(Object.values((inputSchema.properties ?? {}) as Record<string, unknown>).every((p) => typeof p === 'object')).toBe(true);
      expect(name).toMatch(/^[a-z_]+$/);
    }
  });

  test("perform_action's input accepts exactly the bodies the REST action route accepts, with its envelope", () => {
    const validate = ajv.compile(TOOL_SCHEMAS.perform_action.inputSchema);
    let accepted = 0;
    for (const body of BODIES) {
      const args = { backend: 'secmaster', taskId: 't-1', ...body, dryRun: true, idempotencyKey: 'k-1' };
      expect([JSON.stringify(body), validate(args)]).toEqual([JSON.stringify(body), restAccepts(body)]);
      if (restAccepts(body)) accepted += 1;
    }
    expect(accepted).toBeGreaterThan(20);
    expect(accepted).toBeLessThan(BODIES.length - 15);
    expect(validate({ taskId: 't', action: 'claim' })).toBe(false);
    expect(validate({ backend: 'b', taskId: 't', action: 'claim', dryRun: 'yes' })).toBe(false);
    expect(validate({ backend: 'b', taskId: 't', action: 'claim', idempotencyKey: 'é' })).toBe(false);
  });

  test('and so does any generated body: actions with any mix of parameters, good and bad values', () => {
    const validate = ajv.compile(TOOL_SCHEMAS.perform_action.inputSchema);
    const values: Record<string, unknown[]> = {
      comment: ['ok', '', 5], data: [{ a: 'b' }, { a: 1 }], outcome: ['Done', ''], to: [{ id: 'x' }, { id: 'x', type: 'group' }, { id: '' }, 'bob'],
      until: ['2030-01-01T00:00:00Z', 'soon'], durationSeconds: [1, 0, 'x'], commentId: ['c', ''], attachmentId: ['a', 7], priority: [0, 1001, 'x'],
      dueAt: ['2030-01-01T00:00:00Z', 'x'], name: ['n', ''], description: ['d'], properties: [{ k: 'v' }, { k: 1 }], bogus: [true],
    };
    const body = fc.record({
      action: fc.constantFrom(...actionRequestSchema.properties.action.enum),
      parameters: fc.subarray(Object.keys(values)).chain((names) => fc.tuple(...names.map((n) => fc.constantFrom(...values[n]!.map((v) => [n, v] as const))))),
    }).map(({ action, parameters }) => ({ action, ...Object.fromEntries(parameters) }));
    fc.assert(fc.property(body, (b) => validate({ backend: 'k2', taskId: '2_24', ...b }) === restAccepts(b)), { numRuns: 2000 });
  });

  test("perform_action lists the REST schema's actions and each action's parameters, unchanged", () => {
    const input = TOOL_SCHEMAS.perform_action.inputSchema as any;
    expect(input.properties.action.enum).toEqual(actionRequestSchema.properties.action.enum);
    const defs = actionRequestSchema.$defs as Record<string, { properties?: Record<string, unknown> }>;
    for (const action of actionRequestSchema.properties.action.enum) {
      for (const name of Object.keys(defs[action]!.properties ?? {}).filter((n) => n !== 'action')) {
        expect([action, name, input.properties[name]?.description]).toEqual([action, name, expect.stringContaining(action)]);
      }
    }
    expect(input.properties.comment.$ref).toBe('#/$defs/action-request.comment');
    expect(input.$defs['action-request.text']).toEqual(actionRequestSchema.$defs.text);
  });

  test('outputs: the REST answers or the problem; a task as task.schema.json has it', () => {
    const task = TOOL_SCHEMAS.get_task.outputSchema as any;
    expect(task.anyOf).toEqual([{ $ref: '#/$defs/task' }, { $ref: '#/$defs/problem' }]);
    const validate = ajv.compile(task);
    const problem = { type: 'https://taskgate.dev/problems/forbidden', title: 't', status: 403, detail: 'd', code: 'FORBIDDEN', requestId: 'r' };
    expect(validate(problem)).toBe(true);
    expect(validate({ ...problem, code: 'NOPE' })).toBe(false);
    expect(validate({ id: '1', backend: 'b', vendor: 'v', name: 'n', status: 'open', vendorStatus: 'x', comments: [], attachments: [], properties: {} })).toBe(true);
    expect(validate({ id: '1', backend: 'b', vendor: 'v', name: 'n', status: 'opened', vendorStatus: 'x', comments: [], attachments: [], properties: {} })).toBe(false);
    const perform = TOOL_SCHEMAS.perform_action.outputSchema as any;
    expect(perform.anyOf.map((s: any) => s.$ref)).toEqual(['#/$defs/responses.actionResponse', '#/$defs/responses.dryRunResponse', '#/$defs/problem']);
  });
});
