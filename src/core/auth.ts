// The standard outbound auth schemes (basic, bearer) and the static-header auth that vendor schemes build on.
import type { AuthConfig } from './adapter';
import type { OutboundAuth } from './ports';

/** JSON Schema of one auth type's keys besides `type`; merged into the config schema per vendor. */
export interface AuthTypeSchema {
  properties: Record<string, unknown>;
  required: string[];
}

const TEXT = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });

/** The auth types every vendor takes; an adapter may add its own (Huawei's IAM token, say). */
export const STANDARD_AUTH_TYPES: Record<string, AuthTypeSchema> = {
  basic: { properties: { username: TEXT(256), password: TEXT(1024) }, required: ['username', 'password'] },
  bearer: { properties: { token: TEXT(16384) }, required: ['token'] },
};

/** Fixed headers on every request; their values are the secrets. */
export function staticAuth(headers: Record<string, string>, secrets: string[] = Object.values(headers)): OutboundAuth {
  return {
    headers: async () => headers,
    secretHeaders: Object.keys(headers),
    refresh: async () => false,
    secrets: () => secrets,
  };
}

/** The standard scheme for a configured auth, or undefined where the type is a vendor's own. */
export function standardAuth(auth: AuthConfig): OutboundAuth | undefined {
  switch (auth.type) {
    case 'basic': {
      const { username, password } = auth as unknown as { username: string; password: string };
      const encoded = Buffer.from(`${username}:${password}`).toString('base64');
      return staticAuth({ Authorization: `Basic ${encoded}` }, [password, encoded]);
    }
    case 'bearer': {
      const { token } = auth as unknown as { token: string };
      return staticAuth({ Authorization: `Bearer ${token}` }, [token]);
    }
    default:
      return undefined;
  }
}
