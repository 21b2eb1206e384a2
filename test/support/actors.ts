/**
 * Actors built by hand for kernel tests that need someone in a region with given scopes, without
 * accounts (see startTestPlatform's `authenticator` option and tokenAuthenticator).
 */
import { newId } from '../../src/platform/ids.ts';
import type { Actor } from '../../src/platform/context.ts';
import type { Authenticator } from '../../src/platform/auth/index.ts';

/** The region prefix of a GB/T 2260 code: province 2 digits, prefecture 4, county 6. */
export function regionPrefixOf(regionCode: string): string {
  if (regionCode.endsWith('0000')) return regionCode.slice(0, 2);
  if (regionCode.endsWith('00')) return regionCode.slice(0, 4);
  return regionCode;
}

/** A staff member of a unit in `regionCode` holding `scopes` there. */
export function staffActor(name: string, regionCode: string, scopes: string[]): Actor {
  return {
    kind: 'staff',
    userId: newId(),
    name,
    grants: [{
      roleCode: 'test',
      roleName: '测试角色',
      unitId: newId(),
      unitName: `${name}的单位`,
      regionCode,
      regionPrefix: regionPrefixOf(regionCode),
      scopes: new Set(scopes),
    }],
  };
}

/** Session cookie or bearer token `t` authenticates as actors[t]. */
export function tokenAuthenticator(actors: Record<string, Actor>): () => Authenticator {
  return () => ({
    async authenticate({ sessionToken, bearerToken }) {
      const token = bearerToken ?? sessionToken;
      const actor = token ? actors[token] : undefined;
      if (!actor) return null;
      return { actor, sessionId: bearerToken ? undefined : `session-${token}`, via: bearerToken ? 'api_key' : 'session' };
    },
  });
}
