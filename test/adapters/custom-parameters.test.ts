// The shared check of `custom` parameters: declared fields pass, anything else is a 400 naming the field.
import { customParameters, type ParameterRule } from '../../adapters/custom-parameters';
import type { ActionCommand } from '../../src/core/actions';

const RULES: Record<string, ParameterRule> = {
  n: { type: 'integer', minimum: 0, maximum: 10, description: '' },
  s: { type: 'string', enum: ['A', 'B'], onlyFor: ['ONLY'], description: '' },
  b: { type: 'boolean', description: '' },
  m: { type: 'map', description: '' },
  who: { type: 'identities', enum: ['user', 'group'], description: '' },
};
const cmd = (name: string, parameters: Record<string, unknown>): ActionCommand => ({ backend: 'x', taskId: 't', action: 'custom', name, parameters });
const check = (name: string, parameters: Record<string, unknown>) => () => customParameters(cmd(name, parameters), RULES, 'Vendor');

test('declared fields with fitting values pass unchanged', () => {
  const parameters = { n: 3, s: 'A', b: false, m: { k: 'v' }, who: [{ id: 'u1' }, { id: 'g', type: 'group' }] };
  expect(check('ONLY', parameters)()).toEqual(parameters);
  expect(check('ANY', {})()).toEqual({});
});

test.each([
  ['an undeclared field', 'ONLY', { colour: 'red' }, /takes no parameter 'colour'/],
  ['a field of another vendor action', 'OTHER', { s: 'A' }, /takes no parameter 's'/],
  ['an integer out of range', 'ONLY', { n: 11 }, /'n' must be an integer from 0 to 10/],
  ['a value outside the enum', 'ONLY', { s: 'C' }, /'s' must be one of A, B/],
  ['a non-boolean', 'ONLY', { b: 'true' }, /'b' must be true or false/],
  ['a nested map', 'ONLY', { m: { k: { deep: 'x' } } }, /'m' must be a flat map/],
  ['identities with an unknown type', 'ONLY', { who: [{ id: 'u', type: 'role' }] }, /'who' must be a list/],
  ['identities with an extra key', 'ONLY', { who: [{ id: 'u', name: 'x' }] }, /'who' must be a list/],
])('%s is a 400', (_what, name, parameters, message) => {
  expect(check(name, parameters)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringMatching(message) }));
});
