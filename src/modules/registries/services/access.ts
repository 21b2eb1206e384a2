/**
 * Who may see what: region visibility of registry rows, masking of personal fields, and the rule
 * that a full view needs both the scope and a stated purpose.
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope, regionPrefixesFor } from '../../../platform/context.ts';
import { badRequest, forbidden } from '../../../platform/errors.ts';
import { maskIdNumber } from '../../../platform/identifiers/index.ts';
import { PURPOSE_MAX, PURPOSE_MIN } from '../model.ts';

export function requireScope(ctx: Ctx, scope: string): void {
  if (!hasScope(ctx.actor, scope)) throw forbidden();
}

export function visiblePrefixes(ctx: Ctx, scope: string): string[] {
  return regionPrefixesFor(ctx.actor, scope);
}

export function regionOk(prefixes: string[], regionCode: string): boolean {
  return prefixes.some((p) => regionCode.startsWith(p));
}

/** A stated purpose, trimmed; null when none was given. Too short or too long is refused. */
export function normalPurpose(purpose: string | undefined | null): string | null {
  const p = (purpose ?? '').trim();
  if (p === '') return null;
  if (p.length < PURPOSE_MIN) throw badRequest('purpose_too_short', `用途说明至少 ${PURPOSE_MIN} 个字, 例如 “办理社保转移核验身份”。`, [{ field: 'purpose', message: `用途说明至少 ${PURPOSE_MIN} 个字` }]);
  if (p.length > PURPOSE_MAX) throw badRequest('purpose_too_long', `用途说明不超过 ${PURPOSE_MAX} 个字。`, [{ field: 'purpose', message: `用途说明不超过 ${PURPOSE_MAX} 个字` }]);
  return p;
}

/** Full view: the scope within the record's region AND a purpose. */
export function fullViewAllowed(ctx: Ctx, fullScope: string, regionCode: string, purpose: string | null): boolean {
  return purpose !== null && regionOk(regionPrefixesFor(ctx.actor, fullScope), regionCode);
}

export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return '*';
  return chars[0] + '*'.repeat(chars.length - 1);
}

export function maskAddress(address: string): string {
  const chars = [...address];
  return chars.length <= 6 ? '****' : `${chars.slice(0, 6).join('')}****`;
}

export const maskDate = (d: string): string => `${d.slice(0, 4)}-**-**`;
export const maskId = (v: string | null): string | null => (v ? maskIdNumber(v) : null);

/** The unit (and its name) in which the actor holds `scope`, for the access log. */
export function actorUnit(ctx: Ctx, scope: string): { unitId: string | null; unitName: string } {
  const g = ctx.actor.grants.find((x) => x.scopes.has(scope) || x.scopes.has('*'));
  return { unitId: g?.unitId || null, unitName: g?.unitName ?? '' };
}
