// `custom` parameters: each adapter declares the vendor fields it lets through; anything else is a 400 (contract section 5).
import type { ActionCommand } from '../src/core/actions';
import { GatewayError } from '../src/core/errors';

/** One vendor field a `custom` action may carry, and the values it takes. */
export interface ParameterRule {
  type: 'string' | 'integer' | 'boolean' | 'identities' | 'map';
  minimum?: number;
  maximum?: number;
  enum?: readonly string[];
  /** Vendor actions (custom `name`s) the field belongs to; absent: every one. */
  onlyFor?: readonly string[];
  description: string;
}

const MAX_STRING = 4000;

function fits(value: unknown, rule: ParameterRule): boolean {
  switch (rule.type) {
    case 'string':
      return typeof value === 'string' && value.length >= 1 && value.length <= MAX_STRING && (!rule.enum || rule.enum.includes(value));
    case 'integer':
      return Number.isSafeInteger(value) && (rule.minimum === undefined || (value as number) >= rule.minimum) && (rule.maximum === undefined || (value as number) <= rule.maximum);
    case 'boolean':
      return typeof value === 'boolean';
    case 'map':
      return !!value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length <= 100 &&
        Object.entries(value).every(([k, v]) => k.length >= 1 && k.length <= 128 && typeof v === 'string' && v.length <= MAX_STRING);
    case 'identities':
      return Array.isArray(value) && value.length >= 1 && value.length <= 100 && value.every((i) =>
        !!i && typeof i === 'object' && !Array.isArray(i) && Object.keys(i).every((k) => k === 'id' || k === 'type') &&
        typeof i.id === 'string' && i.id.length >= 1 && i.id.length <= 256 && (i.type === undefined || (typeof i.type === 'string' && (!rule.enum || rule.enum.includes(i.type)))));
  }
}

function expected(rule: ParameterRule): string {
  if (rule.type === 'integer') return `an integer${rule.minimum !== undefined ? ` from ${rule.minimum}` : ''}${rule.maximum !== undefined ? ` to ${rule.maximum}` : ''}`;
  if (rule.type === 'identities') return `a list of { id, type${rule.enum ? `: ${rule.enum.join('|')}` : ''} }`;
  if (rule.type === 'map') return 'a flat map of name to string';
  if (rule.enum) return `one of ${rule.enum.join(', ')}`;
  return rule.type === 'string' ? `a string of 1 to ${MAX_STRING} characters` : 'true or false';
}

/** The custom command's `parameters`, checked against the adapter's declaration; throws 400 INVALID_REQUEST naming the field. */
export function customParameters(cmd: ActionCommand, declared: Record<string, ParameterRule>, vendor: string): Record<string, unknown> {
  const given = cmd.parameters ?? {};
  const name = cmd.name ?? '';
  for (const [key, value] of Object.entries(given)) {
    const rule = Object.hasOwn(declared, key) ? declared[key] : undefined;
    if (!rule || (rule.onlyFor && !rule.onlyFor.includes(name))) {
      const usable = Object.entries(declared).filter(([, r]) => !r.onlyFor || r.onlyFor.includes(name)).map(([k]) => k);
      const error = new GatewayError('INVALID_REQUEST',
        `${vendor} '${name.slice(0, 64)}' takes no parameter '${key.slice(0, 64)}'${usable.length ? ` (it takes ${usable.join(', ')})` : ' (it takes none)'}`);
      (error.context as Record<string, unknown>).errors = [{ path: `parameters.${key.slice(0, 64)}`, message: 'is not a parameter this backend lets through' }];
      throw error;
    }
    if (!fits(value, rule)) {
      const error = new GatewayError('INVALID_REQUEST', `Parameter '${key}' must be ${expected(rule)}`);
      (error.context as Record<string, unknown>).errors = [{ path: `parameters.${key}`, message: `must be ${expected(rule)}` }];
      throw error;
    }
  }
  return given;
}

/** The declaration as a line of documentation: `name` (type, for X only). */
export function describeParameters(declared: Record<string, ParameterRule>): string {
  return Object.entries(declared).map(([k, r]) => `${k}${r.onlyFor ? ` (${r.onlyFor.join(', ')})` : ''}`).join(', ');
}
