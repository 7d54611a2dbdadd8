// Builds a gateway core for one backend config (through the real config validation) and catches its errors.
import { createBackend } from '../../src/compose';
import { parseConfig } from '../../src/config/load';
import { GatewayError } from '../../src/core/errors';
import { Gateway } from '../../src/core/gateway';

/** A gateway with one backend `name`, its raw config validated exactly as a config file would be. */
export function gatewayFor(name: string, raw: Record<string, unknown>): Gateway {
  const config = parseConfig({ auth: { apiKeys: [{ name: 'test', key: 'test-key-12345' }] }, backends: { [name]: raw } }, {});
  return new Gateway([createBackend(name, config.backends[name])]);
}

/** The GatewayError a promise rejects with; anything else (or no rejection) fails the test. */
export async function caught(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

/** The GatewayError a synchronous call throws (translate, parse); anything else fails the test. */
export function thrown(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}
