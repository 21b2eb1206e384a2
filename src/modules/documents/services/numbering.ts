/**
 * Gapless numbering (发文字号, 收文编号): one row per (unit, prefix, year) in
 * documents.number_sequences, locked FOR UPDATE for the rest of the caller's transaction. Two
 * sign-offs of the same unit and prefix therefore take turns; a rollback gives the number back, so
 * numbers are never skipped and never used twice.
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryOne, sql } from '../../../platform/db/index.ts';

export async function nextNumber(ctx: Ctx, input: { unitId: string; prefix: string; year: number }): Promise<number> {
  if (!ctx.tx) throw new Error('nextNumber must run inside the transaction that uses the number');
  // The row may not exist yet: concurrent first inserts wait on the primary key, then do nothing.
  await ctx.db.execute(sql`INSERT INTO documents.number_sequences (unit_id, prefix, year, last_number)
    VALUES (${input.unitId}, ${input.prefix}, ${input.year}, 0) ON CONFLICT (unit_id, prefix, year) DO NOTHING`);
  const row = await queryOne<{ last_number: number }>(ctx.db, sql`SELECT last_number FROM documents.number_sequences
    WHERE unit_id = ${input.unitId} AND prefix = ${input.prefix} AND year = ${input.year} FOR UPDATE`);
  const next = Number(row!.last_number) + 1;
  await ctx.db.execute(sql`UPDATE documents.number_sequences SET last_number = ${next}
    WHERE unit_id = ${input.unitId} AND prefix = ${input.prefix} AND year = ${input.year}`);
  return next;
}
