/**
 * The change history of one object, newest first, for the object's own detail page ("修改记录").
 * The caller has already decided that the actor may see the object; the history adds no region
 * bounding of its own (an object's history includes changes made by the province or the system).
 */
import { queryRows, sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';

export interface HistoryEntry {
  seq: number;
  /** ISO 8601 (UTC). */
  occurredAt: string;
  actorName: string;
  action: string;
  /** Canonical JSON of the changed fields. */
  details: string;
  result: string;
  purpose: string | null;
}

export const HISTORY_MAX_LIMIT = 500;

export async function historyOf(ctx: Ctx, input: { targetType: string; targetId: string; limit?: number }): Promise<HistoryEntry[]> {
  const limit = Math.min(Math.max(1, Math.trunc(input.limit ?? 50)), HISTORY_MAX_LIMIT);
  const rows = await queryRows<{
    seq: string | number;
    occurred_at: Date | string;
    actor_name: string;
    action: string;
    details: string;
    result: string;
    purpose: string | null;
  }>(
    ctx.db,
    sql`SELECT seq, occurred_at, actor_name, action, details, result, purpose
        FROM platform.audit_log
        WHERE target_type = ${input.targetType} AND target_id = ${input.targetId}
        ORDER BY seq DESC
        LIMIT ${limit}`,
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    occurredAt: new Date(r.occurred_at).toISOString(),
    actorName: r.actor_name,
    action: r.action,
    details: r.details,
    result: r.result,
    purpose: r.purpose,
  }));
}
