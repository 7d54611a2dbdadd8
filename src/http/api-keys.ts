// Inbound authentication: API keys from config, compared in constant time, with per-backend scopes.
import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ApiKeyConfig } from '../config/load';
import type { Caller } from '../core/action-service';
import { GatewayError } from '../core/errors';

/** One request header as text (node joins repeated ones with ', '). */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

// One-shot hash: no Hash object per request (createHash().update().digest() was ~2% of an action).
const digest = (value: string) => hash('sha256', value, 'buffer');

export class ApiKeys {
  private readonly keys: { digest: Buffer; caller: Caller }[];

  constructor(keys: ApiKeyConfig[]) {
    this.keys = keys.map((k) => ({ digest: digest(k.key), caller: { name: k.name, backends: k.backends, scopes: k.scopes } }));
  }

  /** The caller for a request's key, or 401. Every configured key is compared, so timing reveals nothing. */
  authenticate(req: IncomingMessage): Caller {
    const presented = presentedKey(req);
    if (!presented) throw new GatewayError('UNAUTHENTICATED', 'Send an API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`');
    const presentedDigest = digest(presented);
    let found: Caller | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(key.digest, presentedDigest) && !found) found = key.caller;
    }
    if (!found) throw new GatewayError('UNAUTHENTICATED', 'The API key is not known');
    return found;
  }
}

function presentedKey(req: IncomingMessage): string | undefined {
  // Authorization counts only as a Bearer key: another scheme (Basic, for a proxy) leaves X-API-Key to speak.
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header(req, 'authorization') ?? '');
  if (bearer) return bearer[1];
  const key = header(req, 'x-api-key');
  return key && key.trim() !== '' ? key.trim() : undefined;
}
