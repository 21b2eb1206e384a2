/**
 * The NATS JetStream path of event fan-out (config.natsUrl). Committed topic events are relayed to
 * a stream (message id = event id, so JetStream drops a re-relay after a crash within its duplicate
 * window); each subscription has a durable pull consumer filtered on its topic that POSTs to the
 * webhook and acks NATS only after the 2xx *and* after the delivery row records it. The delivery
 * rows stay the record (status, attempts, dead letters, statistics) on both paths.
 *
 * Order per key: a consumer works on different keys in parallel (up to 256 unacknowledged messages)
 * and on one key in stream order; a message whose key has an older delivery still pending for the
 * subscription (backing off after a failure) is nak'ed until that one is acknowledged or dead. A
 * failure naks with the backoff delay, and after maxAttempts terms the message (dead letter; a
 * replay goes through the database path).
 */
import { connect, nanos, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { Ctx } from '../../../platform/context.ts';
import { queryOne, queryRows, sql, type Db } from '../../../platform/db/index.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { backoffMs } from '../../../platform/events/dispatcher.ts';
import { iso } from '../model.ts';
import { newId } from '../../../platform/ids.ts';
import { newSendCache, sendClaimed, type ClaimedDelivery, type DeliveryOptions, type SendCache } from './deliveries.ts';
import type { WebhookSigner } from './signing.ts';

export interface NatsFanOutOptions {
  servers: string;
  /** JetStream stream holding the topic events. */
  streamName: string;
  /** Subjects are `${subjectPrefix}.${topic resource id}`. */
  subjectPrefix: string;
  /** Durable consumer names are `${consumerPrefix}${subscription id}`. */
  consumerPrefix: string;
  /** How long the stream keeps events (default 7 days): a consumer created later starts at its subscription time. */
  maxAgeMs: number;
  /** How often subscriptions are re-read and unrelayed events looked for without a notification (default 1 s). */
  pollIntervalMs: number;
}

export const DEFAULT_NATS_OPTIONS: Omit<NatsFanOutOptions, 'servers'> = {
  streamName: 'EGOV_EXCHANGE_EVENTS',
  subjectPrefix: 'egov.exchange.topic',
  consumerPrefix: 'egov_sub_',
  maxAgeMs: 7 * 86_400_000,
  pollIntervalMs: 1000,
};

/** Relay advisory lock: one relayer at a time keeps the stream in event order. */
const RELAY_LOCK = 0x45584556; // 'EXEV'

interface SubscriptionRow {
  id: string;
  resource_id: string;
  subscriber_subsystem_id: string;
  webhook_url: string;
  topic_code: string;
  status: 'active' | 'paused' | 'cancelled';
  created_at: Date | string;
}

interface RunningConsumer {
  webhookUrl: string;
  messages: ConsumerMessages;
  done: Promise<void>;
}

export async function ensureStream(jsm: JetStreamManager, o: Omit<NatsFanOutOptions, 'servers'>): Promise<void> {
  const config = {
    name: o.streamName,
    subjects: [`${o.subjectPrefix}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(o.maxAgeMs),
    duplicate_window: nanos(10 * 60_000),
  };
  try {
    await jsm.streams.info(o.streamName);
  } catch {
    await jsm.streams.add(config);
  }
}

/** Publishes committed, unrelayed topic events to the stream in seq order; returns how many. */
export async function relayTopicEvents(db: Db, js: JetStreamClient, o: Pick<NatsFanOutOptions, 'subjectPrefix'>, now: () => Date, batch = 500): Promise<number> {
  return db.transaction(async (raw) => {
    const tx = raw as unknown as Db;
    const lock = await queryOne<{ ok: boolean }>(tx, sql`SELECT pg_try_advisory_xact_lock(${RELAY_LOCK}) AS ok`);
    if (!lock?.ok) return 0;
    const events = await queryRows<{ id: string; resource_id: string; code: string; type: string; ordering_key: string; payload: unknown; published_at: Date | string }>(tx, sql`
      SELECT e.id, e.resource_id, r.code, e.type, e.ordering_key, e.payload, e.published_at FROM exchange.topic_events e JOIN exchange.resources r ON r.id = e.resource_id
      WHERE e.relayed_at IS NULL ORDER BY e.seq LIMIT ${batch}`);
    if (events.length === 0) return 0;
    for (const e of events) {
      const h = natsHeaders();
      h.set('X-Egov-Topic', e.code);
      h.set('X-Egov-Key', e.ordering_key);
      // The body is the webhook body itself, so consumers need not read the event back.
      const body = JSON.stringify({ id: e.id, topic: e.code, type: e.type, key: e.ordering_key, publishedAt: iso(e.published_at), payload: e.payload });
      await js.publish(`${o.subjectPrefix}.${e.resource_id}`, body, { msgID: e.id, headers: h });
    }
    await tx.execute(sql`UPDATE exchange.topic_events SET relayed_at = ${now().toISOString()} WHERE id IN (${sql.join(events.map((e) => sql`${e.id}`), sql`, `)})`);
    return events.length;
  });
}

/**
 * Handles one message of a subscription's consumer: claims the delivery row (none: published before
 * the subscription, or already acknowledged → ack without sending), sends, records, then acks/naks/terms.
 */
async function handleMessage(input: { ctx: Ctx; msg: JsMsg; sub: SubscriptionRow; signer: WebhookSigner; delivery: DeliveryOptions; cache: SendCache }): Promise<void> {
  const { ctx, msg, sub } = input;
  const body = JSON.parse(msg.string()) as { id: string; topic: string; type: string; key: string; publishedAt: string; payload: unknown };
  const lease = new Date(ctx.clock.now().getTime() + input.delivery.timeoutMs + 5_000).toISOString();
  const token = newId();
  const now = ctx.clock.now().toISOString();
  // Claimable when pending, not held by an earlier attempt, and no older event of its key is still pending for this subscription.
  const [claimed] = await queryRows<{ id: string; attempts: number }>(ctx.db, sql`UPDATE exchange.deliveries d SET lease_until = ${lease}, claim_token = ${token}
    WHERE d.event_id = ${body.id} AND d.subscription_id = ${sub.id} AND d.status = 'pending' AND NOT d.via_database
      AND (d.lease_until IS NULL OR d.lease_until < ${now})
      AND NOT EXISTS (SELECT 1 FROM exchange.deliveries o WHERE o.subscription_id = d.subscription_id AND o.ordering_key = d.ordering_key
                      AND o.status = 'pending' AND o.event_seq < d.event_seq)
    RETURNING d.id, d.attempts`);
  if (!claimed) {
    const row = await queryOne<{ status: string; via_database: boolean; older_due: Date | string | null }>(ctx.db, sql`SELECT d.status, d.via_database,
        (SELECT max(greatest(o.next_attempt_at, coalesce(o.lease_until, o.next_attempt_at))) FROM exchange.deliveries o WHERE o.subscription_id = d.subscription_id
          AND o.ordering_key = d.ordering_key AND o.status = 'pending' AND o.event_seq < d.event_seq) AS older_due
      FROM exchange.deliveries d WHERE d.event_id = ${body.id} AND d.subscription_id = ${sub.id}`);
    if (row?.status === 'dead') msg.term('dead letter');
    else if (row?.status === 'pending' && !row.via_database) {
      // Wait for the older event of this key (its backoff) or for an earlier attempt of this one.
      const wait = row.older_due ? new Date(row.older_due).getTime() - ctx.clock.now().getTime() : 1000;
      msg.nak(Math.min(Math.max(wait, 100), 60_000));
    } else msg.ack();
    return;
  }
  const d: ClaimedDelivery = {
    id: claimed.id, attempts: Number(claimed.attempts), token, eventId: body.id, subscriptionId: sub.id, subscriberSubsystemId: sub.subscriber_subsystem_id,
    resourceId: sub.resource_id, topicCode: body.topic, webhookUrl: sub.webhook_url, type: body.type, key: body.key, payload: body.payload, publishedAt: body.publishedAt,
  };
  const result = await sendClaimed({ ctx, delivery: d, signer: input.signer, options: input.delivery, cache: input.cache });
  if (result === 'delivered' || result === 'superseded') msg.ack();
  else if (result === 'dead') msg.term('dead letter');
  else msg.nak(backoffMs(d.attempts + 1, input.delivery.backoffBaseMs));
}

export interface NatsFanOut {
  wake(): void;
  stop(): Promise<void>;
}

export async function startNatsFanOut(input: { services: PlatformServices; systemCtx: () => Ctx; signer: WebhookSigner; delivery: DeliveryOptions; options: Partial<NatsFanOutOptions> & { servers: string } }): Promise<NatsFanOut> {
  const o: NatsFanOutOptions = { ...DEFAULT_NATS_OPTIONS, ...input.options };
  const { log, database, clock } = input.services;
  const nc: NatsConnection = await connect({ servers: o.servers, name: 'egov-exchange-events' });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, o);
  const running = new Map<string, RunningConsumer>();
  // Shared by the consumers: one signature per event (the body is the same for every subscriber) and
  // grant answers, renewed every few seconds so a revocation takes effect soon.
  let cache = newSendCache();
  const cacheTimer = setInterval(() => (cache = newSendCache()), 5_000);
  let stopped = false;
  let wakeUp: (() => void) | null = null;
  let woken = false;

  async function startConsumer(sub: SubscriptionRow): Promise<void> {
    const durable = `${o.consumerPrefix}${sub.id.replaceAll('-', '')}`;
    try {
      await jsm.consumers.info(o.streamName, durable);
    } catch {
      // Start a little before the subscription (clock differences); events older than it have no delivery row and are skipped.
      await jsm.consumers.add(o.streamName, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.StartTime,
        opt_start_time: new Date(new Date(sub.created_at).getTime() - 5 * 60_000).toISOString(),
        filter_subject: `${o.subjectPrefix}.${sub.resource_id}`,
        max_ack_pending: 256,
        ack_wait: nanos(input.delivery.timeoutMs + 20_000),
      });
    }
    const consumer = await js.consumers.get(o.streamName, durable);
    const messages = await consumer.consume({ max_messages: 64 });
    const done = (async () => {
      // Different keys in parallel, one key in stream order (a chain of promises per key).
      const chains = new Map<string, Promise<void>>();
      for await (const msg of messages) {
        const key = msg.headers?.get('X-Egov-Key') ?? '';
        const next: Promise<void> = (chains.get(key) ?? Promise.resolve())
          .then(() => handleMessage({ ctx: input.systemCtx(), msg, sub, signer: input.signer, delivery: input.delivery, cache }))
          .catch((err: unknown) => {
            log.error({ err, subscription: sub.id }, 'exchange NATS delivery failed');
            msg.nak(input.delivery.backoffBaseMs);
          })
          .finally(() => {
            if (chains.get(key) === next) chains.delete(key);
          });
        chains.set(key, next);
      }
      await Promise.all(chains.values());
    })();
    running.set(sub.id, { webhookUrl: sub.webhook_url, messages, done });
  }

  async function stopConsumer(id: string, remove: boolean): Promise<void> {
    const r = running.get(id);
    if (r) {
      running.delete(id);
      await r.messages.close().catch(() => undefined);
      await r.done.catch(() => undefined);
    }
    if (remove) await jsm.consumers.delete(o.streamName, `${o.consumerPrefix}${id.replaceAll('-', '')}`).catch(() => false);
  }

  /** Consumers for active subscriptions; none for paused ones; cancelled ones' consumers deleted. */
  async function syncSubscriptions(): Promise<void> {
    const subs = await queryRows<SubscriptionRow>(database.db, sql`SELECT s.id, s.resource_id, s.subscriber_subsystem_id, s.webhook_url, r.code AS topic_code, s.status, s.created_at
      FROM exchange.subscriptions s JOIN exchange.resources r ON r.id = s.resource_id
      WHERE s.status <> 'cancelled' OR s.cancelled_at > ${new Date(clock.now().getTime() - 86_400_000).toISOString()}`);
    for (const s of subs) {
      if (s.status === 'active' && !running.has(s.id)) await startConsumer(s);
      else if (s.status !== 'active' && running.has(s.id)) await stopConsumer(s.id, s.status === 'cancelled');
      else if (s.status === 'cancelled') await stopConsumer(s.id, true);
    }
  }

  const loop = (async () => {
    while (!stopped) {
      let relayed = 0;
      try {
        await syncSubscriptions();
        relayed = await relayTopicEvents(database.db, js, o, () => clock.now());
      } catch (err) {
        log.error({ err }, 'exchange NATS relay pass failed');
      }
      if (relayed > 0 || stopped) continue;
      if (woken) {
        woken = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, o.pollIntervalMs);
        function done() {
          clearTimeout(t);
          wakeUp = null;
          resolve();
        }
        wakeUp = done;
      });
      woken = false;
    }
  })();

  return {
    wake() {
      woken = true;
      wakeUp?.();
    },
    async stop() {
      stopped = true;
      clearInterval(cacheTimer);
      wakeUp?.();
      await loop;
      for (const id of [...running.keys()]) await stopConsumer(id, false);
      await nc.drain().catch(() => undefined);
    },
  };
}

/** Removes a stream (tests and benches clean up what they created). */
export async function deleteNatsStream(servers: string, streamName: string): Promise<void> {
  const nc = await connect({ servers });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(streamName).catch(() => false);
  } finally {
    await nc.close();
  }
}
