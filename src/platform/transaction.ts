/**
 * One transaction per change: the service's writes, its outbox events and its audit records
 * commit together or not at all (DESIGN rule 3).
 */
import type { Ctx } from './context.ts';
import type { Db } from './db/index.ts';
import { appendAuditEntries } from './audit/chain.ts';

export async function inTransaction<T>(ctx: Ctx, fn: (txCtx: Ctx) => Promise<T>): Promise<T> {
  if (ctx.tx) return fn(ctx); // already inside: join it
  return ctx.db.transaction(async (tx) => {
    const txCtx: Ctx = { ...ctx, db: tx as unknown as Db, tx: { auditBuffer: [] } };
    const result = await fn(txCtx);
    await appendAuditEntries(txCtx, txCtx.db, txCtx.tx!.auditBuffer);
    return result;
  });
}
