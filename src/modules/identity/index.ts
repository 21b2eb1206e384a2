import type { ModuleDefinition, PlatformServices } from '../../platform/module.ts';
import type { Authenticator } from '../../platform/auth/index.ts';

export const identityModule: ModuleDefinition = { name: 'identity', scopes: [] };
export function createAuthenticator(_services: PlatformServices): Authenticator {
  return { authenticate: async () => null };
}
