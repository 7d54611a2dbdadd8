// Guards the vendor request path: whatever a task id holds, it can never change which URL the gateway calls.
import { GatewayError } from '../core/errors';

/**
 * A path an adapter built must be one relative path whose segments are all literal: no dot segments
 * (also percent-encoded, which URL parsers resolve too), no backslash, no fragment, no scheme, nothing unprintable.
 * Adapters encodeURIComponent every user value; this is the belt to those braces, for every adapter at once.
 */
export function assertSafePath(path: string): void {
  const [pathname] = path.split('?', 1);
  const unsafe =
    !pathname.startsWith('/') ||
    pathname.startsWith('//') ||
    /[\\#\s\u0000-\u001f\u007f]/.test(path) ||
    pathname.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment));
  if (unsafe) {
    throw new GatewayError('INVALID_REQUEST', 'A path value (e.g. the task id) cannot be sent to the vendor: dot segments and control characters are not allowed').unsent();
  }
}
