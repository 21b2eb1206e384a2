/**
 * Fixed-window rate limits kept in the database, so every process of a deployment shares them.
 */
import { queryOne, sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';

export interface RateLimitRule {
  key: string;
  limit: number;
  windowSeconds: number;
}

/** Counts one hit; returns the count in the current window (including this one). */
export async function hitRateLimit(ctx: Ctx, rule: RateLimitRule): Promise<number> {
  const nowMs = ctx.clock.now().getTime();
  const windowStart = new Date(nowMs - (nowMs % (rule.windowSeconds * 1000))).toISOString();
  const row = await queryOne<{ hits: number }>(
    ctx.db,
    sql`INSERT INTO platform.rate_limits (key, window_start, hits) VALUES (${rule.key}, ${windowStart}, 1)
        ON CONFLICT (key, window_start) DO UPDATE SET hits = platform.rate_limits.hits + 1
        RETURNING hits`,
  );
  return Number(row?.hits ?? 1);
}

/** Throws 429 when the rule is exceeded. */
export async function enforceRateLimit(ctx: Ctx, rule: RateLimitRule, message = '操作过于频繁, 请稍后再试。'): Promise<void> {
  const hits = await hitRateLimit(ctx, rule);
  if (hits > rule.limit) throw new AppError({ code: 'rate_limited', status: 429, message });
}

/** Old windows are useless; the worker calls this periodically. */
export async function pruneRateLimits(ctx: Ctx, olderThanSeconds = 86400): Promise<void> {
  const cutoff = new Date(ctx.clock.now().getTime() - olderThanSeconds * 1000).toISOString();
  await ctx.db.execute(sql`DELETE FROM platform.rate_limits WHERE window_start < ${cutoff}`);
}
