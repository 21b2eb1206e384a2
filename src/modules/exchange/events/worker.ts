/**
 * The background task (role 'worker') that delivers topic events: without NATS the database path
 * (claim, POST, record; several lanes on PostgreSQL), with config.natsUrl the JetStream path plus a
 * database lane for replayed dead letters. It wakes on the NOTIFY every publish raises at commit
 * (PostgreSQL LISTEN on its own connection; PGlite's in-process listen) and otherwise polls.
 */
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import type { Ctx, Logger } from '../../../platform/context.ts';
import type { Database } from '../../../platform/db/index.ts';
import type { BackgroundTask, PlatformServices } from '../../../platform/module.ts';
import { DEFAULT_DELIVERY_OPTIONS, deliverBatch, type DeliveryOptions } from './deliveries.ts';
import { loadWebhookSigner } from './signing.ts';
import { TOPIC_EVENTS_CHANNEL } from './topics.ts';
import { startNatsFanOut, type NatsFanOutOptions } from './nats.ts';

/** Calls `onNotify` whenever a transaction that published topic events commits. Returns the unlisten function. */
export async function listenForTopicEvents(database: Database, log: Logger, onNotify: () => void): Promise<() => Promise<void>> {
  const client = (database.db as unknown as { $client: unknown }).$client;
  if (database.kind === 'pglite') {
    const unlisten = await (client as PGlite).listen(TOPIC_EVENTS_CHANNEL, () => onNotify());
    return unlisten;
  }
  // A connection of its own: LISTEN holds it for the life of the worker.
  const pool = client as pg.Pool & { options: pg.ClientConfig };
  const listener = new pg.Client(pool.options);
  listener.on('notification', () => onNotify());
  listener.on('error', (err) => log.warn({ err }, 'exchange LISTEN connection failed; polling only'));
  await listener.connect();
  await listener.query(`LISTEN ${TOPIC_EVENTS_CHANNEL}`);
  return async () => {
    await listener.end().catch(() => undefined);
  };
}

/** A sleep that a notification cuts short. */
class Waker {
  private wakeUp: (() => void) | null = null;
  private pending = false;

  wake(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakeUp = null;
        this.pending = false;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}

export interface EventDeliveryOptions extends Partial<DeliveryOptions> {
  /** Parallel claim-and-send loops (default 4 on PostgreSQL, 1 on PGlite). */
  lanes?: number;
  /** Deliveries claimed per pass per lane (default 256, at most 16 in a row of one key). */
  batch?: number;
  /** Poll interval when no notification arrives (default 500 ms): retries whose backoff ended, missed notifications. */
  pollIntervalMs?: number;
  /** NATS server: fan out over JetStream (default: config.natsUrl). Null: database only even if configured. */
  natsUrl?: string | null;
  /** JetStream stream/consumer/subject names (tests use a unique prefix per run). */
  nats?: Partial<NatsFanOutOptions>;
}

export interface EventDelivery {
  /** Ask for a pass now (after a publish in this process). */
  wake(): void;
  stop(): Promise<void>;
}

/** Starts delivering (the background task; tests and benches start it directly with options). */
export async function startEventDelivery(input: { services: PlatformServices; systemCtx: () => Ctx; options?: EventDeliveryOptions }): Promise<EventDelivery> {
  const { services } = input;
  const o = input.options ?? {};
  const options: DeliveryOptions = { ...DEFAULT_DELIVERY_OPTIONS, ...o };
  const natsUrl = o.natsUrl === undefined ? services.config.natsUrl : o.natsUrl ?? undefined;
  const signer = await loadWebhookSigner(services.database.db);
  const lanes = o.lanes ?? (services.database.kind === 'postgres' ? 4 : 1);
  const batch = o.batch ?? 256;
  const poll = o.pollIntervalMs ?? 500;
  const log = services.log;
  let stopped = false;
  const wakers = Array.from({ length: lanes }, () => new Waker());
  const nats = natsUrl ? await startNatsFanOut({ services, systemCtx: input.systemCtx, signer, delivery: options, options: { ...o.nats, servers: natsUrl } }) : null;
  const wakeAll = () => {
    for (const w of wakers) w.wake();
    nats?.wake();
  };
  const unlisten = await listenForTopicEvents(services.database, log, wakeAll).catch((err: unknown) => {
    log.warn({ err }, 'exchange LISTEN unavailable; polling only');
    return async () => undefined;
  });
  const loops = wakers.map(async (waker) => {
    while (!stopped) {
      let claimed = 0;
      try {
        claimed = await deliverBatch({ ctx: input.systemCtx(), signer, options, limit: batch, onlyViaDatabase: nats !== null });
      } catch (err) {
        log.error({ err }, 'exchange event delivery pass failed');
      }
      if (claimed === 0 && !stopped) await waker.sleep(poll);
    }
  });
  return {
    wake: wakeAll,
    async stop() {
      stopped = true;
      for (const w of wakers) w.wake();
      await unlisten();
      await Promise.all(loops);
      await nats?.stop();
    },
  };
}

export const eventDeliveryTask: BackgroundTask = {
  name: 'event-delivery',
  role: 'worker',
  start: (input) => startEventDelivery(input),
};
