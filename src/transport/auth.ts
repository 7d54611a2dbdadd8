// Outbound credentials: turns a backend's auth config into request headers and knows which values are secret.
import type { AuthConfig } from '../core/adapter';
import { createIamAuth, type IamAuthOptions } from './iam-token';

export interface OutboundAuth {
  /** Headers to add to every vendor request. */
  headers(): Promise<Record<string, string>>;
  /** Names of headers whose values are credentials (shown as *** in dry-run). */
  readonly secretHeaders: readonly string[];
  /** Drops a cached token so the next headers() fetches a fresh one; false where nothing can be refreshed. */
  refresh(): Promise<boolean>;
}

/** Every configured secret value, so logs and vendor messages can be scrubbed of them. */
export function secretsOf(auth: AuthConfig): string[] {
  switch (auth.type) {
    case 'token':
    case 'bearer':
      return [auth.token];
    case 'basic':
      return [auth.password, Buffer.from(`${auth.username}:${auth.password}`).toString('base64')];
    case 'iam-password':
      // The tokens it fetches are added to this list as they come (see iam-token.ts).
      return [auth.password];
  }
}

/** `iam` is needed for iam-password only: its timeouts and the backend's secrets list (fetched tokens join it). */
export function createAuth(auth: AuthConfig, iam: IamAuthOptions = { timeoutMs: 10_000 }): OutboundAuth {
  switch (auth.type) {
    case 'iam-password':
      return createIamAuth(auth, iam);
    case 'token':
      // Huawei's static IAM token travels in X-Auth-Token.
      return staticAuth({ 'X-Auth-Token': auth.token });
    case 'bearer':
      return staticAuth({ Authorization: `Bearer ${auth.token}` });
    case 'basic':
      return staticAuth({
        Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
      });
  }
}

function staticAuth(headers: Record<string, string>): OutboundAuth {
  return {
    headers: async () => headers,
    secretHeaders: Object.keys(headers),
    refresh: async () => false,
  };
}
