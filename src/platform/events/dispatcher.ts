/**
 * Delivers outbox events to handlers. Each delivery is claimed with FOR UPDATE SKIP LOCKED and
 * handled in the same transaction that marks it done, so several workers never run one twice at
 * once and a crash leaves it pending. Failures back off exponentially; after maxAttempts the
 * delivery becomes a dead letter that an administrator can inspect and replay.
 */
import { queryRows, sql, type Db } from '../db/index.ts';
import { systemActor, type Ctx, type Logger } from '../context.ts';
import type { Clock } from '../clock.ts';
import { inTransaction } from '../transaction.ts';
import { appendAuditEntries, audit } from '../audit/chain.ts';
import type { DomainEvent, HandlerRegistry } from './outbox.ts';

export interface DispatcherOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  registry: HandlerRegistry;
  maxAttempts?: number;
  /** Base of the exponential backoff in ms (attempt n waits base * 2^(n-1), capped at one hour). */
  backoffBaseMs?: number;
  pollIntervalMs?: number;
}

interface ClaimedRow {
  event_id: string;
  handler: string;
  attempts: number;
  type: string;
  ordering_key: string;
  payload: Record<string, unknown>;
  occurred_at: Date | string;
  request_id: string;
}

export function backoffMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 3_600_000);
}

export class Dispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** A nudge arrived during a pass: events committed after the pass's fan-out wait for no poll. */
  private nudgedWhileRunning = false;
  private stopped = true;
  private readonly opts: Required<Omit<DispatcherOptions, 'db' | 'clock' | 'log' | 'registry'>> & DispatcherOptions;

  constructor(opts: DispatcherOptions) {
    this.opts = { maxAttempts: 8, backoffBaseMs: 1000, pollIntervalMs: 500, ...opts };
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.running) await new Promise((r) => setTimeout(r, 10));
  }

  /** Ask for a pass soon (after a publish in this process). */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) this.nudgedWhileRunning = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), ms);
  }

  private async loop(): Promise<void> {
    if (this.stopped) return;
    this.nudgedWhileRunning = false;
    try {
      await this.drain();
    } catch (err) {
      this.opts.log.error({ err }, 'outbox dispatcher pass failed');
    }
    if (!this.stopped) this.schedule(this.nudgedWhileRunning ? 0 : this.opts.pollIntervalMs);
  }

  /** Delivers everything due now; returns how many deliveries were attempted. */
  async drain(limit = 1000): Promise<number> {
    this.running = true;
    let attempted = 0;
    try {
      while (await this.fanOut()) {
        /* until every new event has its delivery rows */
      }
      while (attempted < limit) {
        const did = await this.deliverOne();
        if (!did) break;
        attempted += 1;
      }
    } finally {
      this.running = false;
    }
    return attempted;
  }

  /**
   * Creates one pending delivery per subscribed handler for events not yet fanned out, oldest first.
   * Returns whether it found any (call again until false).
   */
  async fanOut(batch = 500): Promise<boolean> {
    const { db, clock, registry } = this.opts;
    return db.transaction(async (rawTx) => {
      const tx = rawTx as unknown as Db;
      const events = await queryRows<{ id: string; type: string; ordering_key: string }>(
        tx,
        sql`SELECT id, type, ordering_key FROM platform.outbox_events WHERE NOT fanned_out
            ORDER BY occurred_at, id LIMIT ${batch} FOR UPDATE SKIP LOCKED`,
      );
      if (events.length === 0) return false;
      const now = clock.now().toISOString();
      for (const e of events) {
        for (const handler of registry.forType(e.type)) {
          await tx.execute(sql`INSERT INTO platform.outbox_deliveries (event_id, handler, ordering_key, status, attempts, next_attempt_at, updated_at)
            VALUES (${e.id}, ${handler.name}, ${e.ordering_key}, 'pending', 0, ${now}, ${now}) ON CONFLICT DO NOTHING`);
        }
      }
      await tx.execute(sql`UPDATE platform.outbox_events SET fanned_out = true WHERE id IN (${sql.join(events.map((e) => sql`${e.id}`), sql`, `)})`);
      return true;
    });
  }

  private async deliverOne(): Promise<boolean> {
    const { db, clock, registry, log } = this.opts;
    const now = clock.now().toISOString();
    return db.transaction(async (rawTx) => {
      const tx = rawTx as unknown as Db;
      // The oldest due delivery whose key has no older pending delivery for the same handler (per-key order).
      // Events of one transaction share occurred_at; their UUIDv7 ids (monotonic per process) break the tie.
      const claimed = await queryRows<ClaimedRow>(
        tx,
        sql`SELECT d.event_id, d.handler, d.attempts, e.type, e.ordering_key, e.payload, e.occurred_at, e.request_id
            FROM platform.outbox_deliveries d JOIN platform.outbox_events e ON e.id = d.event_id
            WHERE d.status = 'pending' AND d.next_attempt_at <= ${now}
              AND NOT EXISTS (
                SELECT 1 FROM platform.outbox_deliveries older JOIN platform.outbox_events oe ON oe.id = older.event_id
                WHERE older.handler = d.handler AND older.ordering_key = d.ordering_key
                  AND older.status = 'pending' AND (oe.occurred_at, oe.id) < (e.occurred_at, e.id))
            ORDER BY d.next_attempt_at, e.occurred_at, e.id
            LIMIT 1
            FOR UPDATE OF d SKIP LOCKED`,
      );
      const row = claimed[0];
      if (!row) return false;
      const handler = registry.byHandlerName(row.handler);
      const event: DomainEvent = {
        id: row.event_id,
        type: row.type,
        orderingKey: row.ordering_key,
        payload: row.payload,
        occurredAt: new Date(row.occurred_at).toISOString(),
        requestId: row.request_id,
      };
      let error: string | null = handler ? null : `处理器 ${row.handler} 未在本部署中注册`;
      if (handler) {
        try {
          // Savepoint: a failing handler's writes roll back, the attempt count does not.
          await tx.transaction(async (sp) => {
            const hctx: Ctx = {
              actor: systemActor,
              db: sp as unknown as Db,
              clock,
              requestId: `event:${event.id}`,
              log,
              tx: { auditBuffer: [] },
            };
            await handler.handle(hctx, event);
            await appendAuditEntries(hctx, hctx.db, hctx.tx!.auditBuffer);
          });
        } catch (err) {
          error = err instanceof Error ? err.message : String(err);
        }
      }
      const attempts = Number(row.attempts) + 1;
      if (error === null) {
        await tx.execute(sql`UPDATE platform.outbox_deliveries SET status = 'done', attempts = ${attempts}, last_error = NULL, updated_at = ${now}
          WHERE event_id = ${row.event_id} AND handler = ${row.handler}`);
      } else {
        const dead = attempts >= this.opts.maxAttempts || !handler;
        const next = new Date(clock.now().getTime() + backoffMs(attempts, this.opts.backoffBaseMs)).toISOString();
        await tx.execute(sql`UPDATE platform.outbox_deliveries
          SET status = ${dead ? 'dead' : 'pending'}, attempts = ${attempts}, last_error = ${error.slice(0, 2000)},
              next_attempt_at = ${next}, updated_at = ${now}
          WHERE event_id = ${row.event_id} AND handler = ${row.handler}`);
        log.warn({ event: event.id, handler: row.handler, attempts, dead, error }, 'event delivery failed');
      }
      return true;
    });
  }
}

/** Put a dead letter back in the queue (operator action, audited). */
export async function replayDeadLetter(ctx: Ctx, input: { eventId: string; handler: string }): Promise<boolean> {
  return inTransaction(ctx, async (tctx) => {
    const now = tctx.clock.now().toISOString();
    const rows = await queryRows<{ event_id: string }>(
      tctx.db,
      sql`UPDATE platform.outbox_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ${now}, updated_at = ${now}
          WHERE event_id = ${input.eventId} AND handler = ${input.handler} AND status = 'dead' RETURNING event_id`,
    );
    if (rows.length === 0) return false;
    audit(tctx, { action: 'platform.event.replay', targetType: 'platform.outbox_delivery', targetId: `${input.eventId}/${input.handler}` });
    return true;
  });
}
