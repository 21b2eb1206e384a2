/**
 * Region bounding of the directory: what an actor may see and change is limited to the region
 * subtrees of the grants holding the scope (platform/context.ts). Everything here fails closed.
 */
import { sql, type SQL } from 'drizzle-orm';
import { hasScope, regionPrefixesFor, type Ctx } from '../../../platform/context.ts';
import { AppError, forbidden, notFound } from '../../../platform/errors.ts';

/** Prefixes within which the actor holds `scope`; anything that is not a digit string is dropped. */
export function prefixesFor(ctx: Ctx, scope: string): string[] {
  return regionPrefixesFor(ctx.actor, scope).filter((p) => /^\d{0,6}$/.test(p));
}

export function inPrefixes(prefixes: string[], regionCode: string): boolean {
  return prefixes.some((p) => regionCode.startsWith(p));
}

/** SQL condition: `column` (a region code) lies in one of the prefixes. No prefix: false. */
export function regionCondition(column: SQL, prefixes: string[]): SQL {
  if (prefixes.length === 0) return sql`false`;
  if (prefixes.includes('')) return sql`true`;
  return sql`(${sql.join(
    prefixes.map((p) => sql`${column} LIKE ${`${p}%`}`),
    sql` OR `,
  )})`;
}

/** Refuses with 403 when the actor lacks `scope` altogether (service called without the route's guard). */
export function requireScope(ctx: Ctx, scope: string): void {
  if (!hasScope(ctx.actor, scope)) throw forbidden();
}

/**
 * For changes: the object must be visible to the actor (else 404, so that nothing outside the
 * actor's regions is confirmed to exist) and inside the region subtree of the write scope (else 403).
 */
export function assertWritableRegion(ctx: Ctx, input: { regionCode: string; readScope: string; writeScope: string; what: string }): void {
  const writable = inPrefixes(prefixesFor(ctx, input.writeScope), input.regionCode);
  if (writable) return;
  const readable = inPrefixes(prefixesFor(ctx, input.readScope), input.regionCode);
  if (!readable) throw notFound(`${input.what}_not_found`, notFoundMessage(input.what));
  throw new AppError({ code: 'region_forbidden', status: 403, message: '该对象所在行政区划不在您的管辖范围内, 不能修改。' });
}

/** For placing something in a region (create, move): 403 when the region is outside the actor's subtrees. */
export function assertCanWriteIn(ctx: Ctx, input: { scope: string; regionCode: string }): void {
  if (inPrefixes(prefixesFor(ctx, input.scope), input.regionCode)) return;
  throw new AppError({ code: 'region_forbidden', status: 403, message: `行政区划 ${input.regionCode} 不在您的管辖范围内, 不能在该区划新增或调入单位。` });
}

export function notFoundMessage(what: string): string {
  return what === 'link' ? '网络接入记录不存在或不在您的管辖范围内。' : '单位不存在或不在您的管辖范围内。';
}

/** Escapes LIKE wildcards so user text matches literally. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** `YYYY-MM-DD` of the clock's instant in China Standard Time (UTC+8, no daylight saving). */
export function chinaToday(now: Date): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Maps a unique-constraint violation from either driver to its constraint name. */
export function uniqueViolation(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth += 1) {
    const o = e as { code?: unknown; constraint?: unknown };
    if (o.code === '23505') return typeof o.constraint === 'string' ? o.constraint : '';
  }
  return null;
}

export const toIso = (v: Date | string): string => new Date(v).toISOString();
