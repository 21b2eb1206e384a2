/**
 * How the HTTP layer learns who is calling. The identity module implements Authenticator; the
 * platform only knows the contract. Route scopes are checked here, once, for every route.
 */
import type { Actor, Ctx } from '../context.ts';
import { hasScope } from '../context.ts';

export interface AuthenticationResult {
  actor: Actor;
  /** Server-side session id (not the cookie token) when authenticated by session. */
  sessionId?: string;
  via: 'session' | 'api_key';
}

export interface Authenticator {
  authenticate(input: { sessionToken?: string; bearerToken?: string }, ctx: Ctx): Promise<AuthenticationResult | null>;
}

/**
 * What a route requires. `public`: anyone. `authenticated`: any logged-in account (citizens too).
 * `staff`: any staff account past its second factor. Otherwise a named scope.
 */
export type RouteScope = 'public' | 'authenticated' | 'staff' | (string & { readonly __scope?: never });

export type AccessDecision = 'allow' | 'login' | 'deny';

export function decideAccess(actor: Actor, scope: RouteScope): AccessDecision {
  if (scope === 'public') return 'allow';
  if (actor.kind === 'anonymous' || actor.pendingSecondFactor) return 'login';
  if (scope === 'authenticated') return 'allow';
  if (scope === 'staff') return actor.kind === 'staff' || actor.kind === 'system' ? 'allow' : 'deny';
  return hasScope(actor, scope) ? 'allow' : 'deny';
}
