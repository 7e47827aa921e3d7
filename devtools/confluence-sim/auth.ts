// Authentication as Confluence Cloud does it: Basic (e-mail + classic API token) on the site URL; Basic with a
// scoped API token, or Bearer (OAuth 2.0 / service account), only through the api.atlassian.com gateway path
// `/ex/confluence/{cloudId}`. Anything else is a 401; a token whose scopes are read-only gets a 401 "scope does
// not match" on writes, as the gateway answers.

import type { Actor } from './access.ts';
import type { Credential } from './model.ts';
import type { SimStore } from './store.ts';

export type AuthResult = { ok: true; actor: Actor } | { ok: false; status: 401 | 404; message: string };

export const ADMIN_KEY_HEADER = 'atl-confluence-with-admin-key';

function decodeBasic(value: string): { email: string; secret: string } | undefined {
  try {
    const text = Buffer.from(value, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    return colon < 0 ? undefined : { email: text.slice(0, colon), secret: text.slice(colon + 1) };
  } catch {
    return undefined;
  }
}

function find(store: SimStore, kinds: Credential['kind'][], secret: string): Credential | undefined {
  for (const kind of kinds) {
    const credential = store.credentials.get(`${kind}:${secret}`);
    if (credential) return credential;
  }
  return undefined;
}

/**
 * Who is calling. `gatewayCloudId` is the cloud id in the path when the request came through the gateway
 * prefix, undefined for the site URL.
 */
export function authenticate(
  store: SimStore,
  authorization: string | undefined,
  adminKeyHeader: string | undefined,
  gatewayCloudId: string | undefined,
  isWrite: boolean,
): AuthResult {
  if (gatewayCloudId !== undefined && gatewayCloudId !== store.cloudId) {
    return { ok: false, status: 404, message: `No site with cloud id ${gatewayCloudId}` };
  }
  if (!authorization) return { ok: false, status: 401, message: 'Unauthorized: no credentials' };
  const space = authorization.indexOf(' ');
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  let credential: Credential | undefined;
  if (scheme === 'basic') {
    const basic = decodeBasic(value);
    if (basic) {
      const kinds: Credential['kind'][] = gatewayCloudId === undefined ? ['classic'] : ['scoped'];
      const candidate = find(store, kinds, basic.secret);
      const user = candidate ? store.users.get(candidate.accountId) : undefined;
      if (user && user.email.toLowerCase() === basic.email.toLowerCase()) credential = candidate;
    }
  } else if (scheme === 'bearer' && gatewayCloudId !== undefined) {
    credential = find(store, ['bearer', 'scoped'], value);
  }
  if (!credential)
    return { ok: false, status: 401, message: 'Unauthorized: invalid credentials for this URL' };
  if (isWrite && !credential.canWrite)
    return { ok: false, status: 401, message: 'Unauthorized; scope does not match' };
  const user = store.users.get(credential.accountId);
  if (!user) return { ok: false, status: 401, message: 'Unauthorized: unknown account' };
  const keyExpiry = store.adminKeys.get(user.accountId);
  const adminKey =
    adminKeyHeader?.toLowerCase() === 'true' &&
    keyExpiry !== undefined &&
    keyExpiry > store.clock.now().getTime();
  return { ok: true, actor: { user, canWrite: credential.canWrite, adminKey } };
}
