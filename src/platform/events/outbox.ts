/**
 * Transactional outbox. publish() writes the event in the caller's transaction; the dispatcher fans it
 * out to the subscribed handlers and delivers it at least once, with retries and dead letters.
 */
import { newId } from '../ids.ts';
import { queryRows, sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';

export interface DomainEvent<P = Record<string, unknown>> {
  id: string;
  type: string;
  orderingKey: string;
  payload: P;
  occurredAt: string;
  requestId: string;
}

/** A subscriber. Handlers must be idempotent: the event id is the idempotency key. */
export interface EventHandler {
  /** Unique name, `module.handler`. */
  name: string;
  /** Event types it wants. */
  types: string[];
  handle(ctx: Ctx, event: DomainEvent): Promise<void>;
}

/** Handlers known to this deployment, by event type. Built once at boot from the modules. */
export class HandlerRegistry {
  private readonly byType = new Map<string, EventHandler[]>();
  private readonly byName = new Map<string, EventHandler>();

  register(handler: EventHandler): void {
    if (this.byName.has(handler.name)) throw new Error(`duplicate event handler ${handler.name}`);
    this.byName.set(handler.name, handler);
    for (const t of handler.types) this.byType.set(t, [...(this.byType.get(t) ?? []), handler]);
  }

  forType(type: string): EventHandler[] {
    return this.byType.get(type) ?? [];
  }

  byHandlerName(name: string): EventHandler | undefined {
    return this.byName.get(name);
  }
}

export interface PublishInput {
  type: string;
  /** Events with the same key are delivered to a handler in order (e.g. the entity id). */
  orderingKey: string;
  payload: Record<string, unknown>;
}

/**
 * Writes the event in the caller's transaction. Which handlers receive it is decided by the
 * worker when it fans the event out, so publishing needs no knowledge of the subscribers.
 * (The two-argument form is the one to use; a registry passed as second argument is ignored.)
 */
export async function publish(ctx: Ctx, registryOrInput: HandlerRegistry | PublishInput, maybeInput?: PublishInput): Promise<string> {
  const input = registryOrInput instanceof HandlerRegistry ? maybeInput! : registryOrInput;
  if (!ctx.tx) throw new Error(`publish(${input.type}) called outside inTransaction()`);
  const id = newId();
  const now = ctx.clock.now().toISOString();
  await ctx.db.execute(sql`
    INSERT INTO platform.outbox_events (id, type, ordering_key, payload, occurred_at, request_id, actor_user_id)
    VALUES (${id}, ${input.type}, ${input.orderingKey}, ${JSON.stringify(input.payload)}::jsonb, ${now}, ${ctx.requestId}, ${ctx.actor.userId})`);
  return id;
}

export interface DeadLetter {
  eventId: string;
  handler: string;
  type: string;
  attempts: number;
  lastError: string | null;
  updatedAt: string;
  payload: unknown;
}

export async function listDeadLetters(ctx: Ctx, opts: { limit?: number } = {}): Promise<DeadLetter[]> {
  const rows = await queryRows<{ event_id: string; handler: string; type: string; attempts: number; last_error: string | null; updated_at: Date; payload: unknown }>(
    ctx.db,
    sql`SELECT d.event_id, d.handler, e.type, d.attempts, d.last_error, d.updated_at, e.payload
        FROM platform.outbox_deliveries d JOIN platform.outbox_events e ON e.id = d.event_id
        WHERE d.status = 'dead' ORDER BY d.updated_at DESC, d.event_id DESC LIMIT ${opts.limit ?? 100}`,
  );
  return rows.map((r) => ({
    eventId: r.event_id,
    handler: r.handler,
    type: r.type,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    updatedAt: new Date(r.updated_at).toISOString(),
    payload: r.payload,
  }));
}

export interface OutboxStats {
  /** Events written but not yet turned into deliveries by a worker. */
  awaitingFanOut: number;
  pending: number;
  done: number;
  dead: number;
  /** When the oldest pending delivery became due (ISO), or null: how far the dispatcher lags. */
  oldestPendingDueAt: string | null;
}

/** Number of dead letters (uses the partial index on dead deliveries; cheap enough for every page view). */
export async function countDeadLetters(ctx: Ctx): Promise<number> {
  const rows = await queryRows<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM platform.outbox_deliveries WHERE status = 'dead'`);
  return Number(rows[0]?.n ?? 0);
}

/** Delivery counts by status, for the operations page (counts every delivery ever made). */
export async function outboxStats(ctx: Ctx): Promise<OutboxStats> {
  const rows = await queryRows<{ status: string; n: string | number; oldest: Date | string | null }>(
    ctx.db,
    sql`SELECT status, count(*) AS n, min(next_attempt_at) FILTER (WHERE status = 'pending') AS oldest
        FROM platform.outbox_deliveries GROUP BY status`,
  );
  const unfanned = await queryRows<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM platform.outbox_events WHERE NOT fanned_out`);
  const stats: OutboxStats = { awaitingFanOut: Number(unfanned[0]?.n ?? 0), pending: 0, done: 0, dead: 0, oldestPendingDueAt: null };
  for (const r of rows) {
    if (r.status === 'pending' || r.status === 'done' || r.status === 'dead') stats[r.status] = Number(r.n);
    if (r.oldest) stats.oldestPendingDueAt = new Date(r.oldest).toISOString();
  }
  return stats;
}
