/**
 * Webhook delivery (事件投递) of topic events, at least once: every delivery row is claimed with
 * FOR UPDATE SKIP LOCKED under a lease (so several workers share the work and a crashed worker's
 * claim expires), POSTed signed outside any transaction, and recorded afterwards — a delivery whose
 * acknowledgement (2xx) is recorded is never sent again. Per (subscription, key) order: a delivery
 * is claimable only when no older delivery of its key is still pending for that subscription.
 * Failures back off exponentially (the kernel's backoffMs); after maxAttempts they become dead
 * letters that an operator inspects and replays.
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope } from '../../../platform/context.ts';
import { conflict, forbidden, notFound } from '../../../platform/errors.ts';
import { queryOne, queryRows, sql, type Db } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { backoffMs } from '../../../platform/events/dispatcher.ts';
import { EVENTS, SCOPES, iso } from '../model.ts';
import { newId } from '../../../platform/ids.ts';
import { findActiveGrant } from '../services/grants.ts';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, TOPIC_HEADER, type WebhookSigner } from './signing.ts';
import { TOPIC_EVENTS_CHANNEL } from './topics.ts';

export interface DeliveryOptions {
  /** Attempts before a delivery becomes a dead letter (default 8). */
  maxAttempts: number;
  /** Backoff base: attempt n waits base × 2^(n-1), capped at one hour (default 1 s). */
  backoffBaseMs: number;
  /** How long a subscriber may take to answer (default 10 s). */
  timeoutMs: number;
}

export const DEFAULT_DELIVERY_OPTIONS: DeliveryOptions = { maxAttempts: 8, backoffBaseMs: 1000, timeoutMs: 10_000 };

/** What a delivery worker has in hand: the event, the subscription and its claim. */
export interface ClaimedDelivery {
  id: string;
  /** Attempts made before this one. */
  attempts: number;
  /** The claim that owns the delivery now (results of a superseded claim are dropped). */
  token: string;
  eventId: string;
  subscriptionId: string;
  subscriberSubsystemId: string;
  resourceId: string;
  topicCode: string;
  webhookUrl: string;
  type: string;
  key: string;
  payload: unknown;
  publishedAt: string;
}

interface ClaimedRow {
  id: string;
  attempts: number;
  event_id: string;
  subscription_id: string;
  subscriber_subsystem_id: string;
  resource_id: string;
  topic_code: string;
  webhook_url: string;
  type: string;
  ordering_key: string;
  payload: unknown;
  published_at: Date | string;
  rn: number | string;
}

const claimedView = (r: ClaimedRow, token: string): ClaimedDelivery => ({
  id: r.id,
  attempts: Number(r.attempts),
  token,
  eventId: r.event_id,
  subscriptionId: r.subscription_id,
  subscriberSubsystemId: r.subscriber_subsystem_id,
  resourceId: r.resource_id,
  topicCode: r.topic_code,
  webhookUrl: r.webhook_url,
  type: r.type,
  key: r.ordering_key,
  payload: r.payload,
  publishedAt: iso(r.published_at),
});

/** The webhook body: the same bytes for every subscriber of an event (so one signature serves all). */
export function webhookBody(d: Pick<ClaimedDelivery, 'eventId' | 'topicCode' | 'type' | 'key' | 'publishedAt' | 'payload'>): string {
  return JSON.stringify({ id: d.eventId, topic: d.topicCode, type: d.type, key: d.key, publishedAt: d.publishedAt, payload: d.payload });
}

export interface WebhookOutcome {
  ok: boolean;
  status: number | null;
  error: string | null;
}

/** POSTs one event; 2xx acknowledges. Never throws. */
export async function postWebhook(input: { url: string; body: string; signature: string; eventId: string; topicCode: string; timeoutMs: number }): Promise<WebhookOutcome> {
  try {
    const res = await fetch(input.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', [EVENT_ID_HEADER]: input.eventId, [TOPIC_HEADER]: input.topicCode, [SIGNATURE_HEADER]: input.signature },
      body: input.body,
      signal: AbortSignal.timeout(input.timeoutMs),
    });
    // Drain the answer so the connection is reused.
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, error: null };
    return { ok: false, status: res.status, error: `订阅方应答 HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `订阅方 ${input.timeoutMs} 毫秒内未应答` : `无法连接订阅方: ${e.cause?.code ?? e.message}`;
    return { ok: false, status: null, error: why };
  }
}

export interface Acknowledgement {
  id: string;
  token: string;
  status: number | null;
  /** When the attempt started and when the 2xx came. */
  attemptedAt: Date;
  acknowledgedAt: Date;
}

/** Records 2xx answers (one statement for a batch): those deliveries are never sent again. Returns how many were still this claim's. */
export async function recordAcknowledged(db: Db, acks: Acknowledgement[]): Promise<number> {
  if (acks.length === 0) return 0;
  const rows = await queryRows<{ id: string }>(db, sql`UPDATE exchange.deliveries d SET status = 'delivered', attempts = d.attempts + 1, acknowledged_at = a.acked_at,
      first_attempted_at = COALESCE(d.first_attempted_at, a.attempted_at), last_attempted_at = a.attempted_at, lease_until = NULL, claim_token = NULL, last_status_code = a.status, last_error = NULL
    FROM (SELECT * FROM jsonb_to_recordset(${JSON.stringify(acks.map((a) => ({ id: a.id, token: a.token, status: a.status, attempted_at: a.attemptedAt.toISOString(), acked_at: a.acknowledgedAt.toISOString() })))}::jsonb)
      AS x(id uuid, token uuid, status integer, attempted_at timestamptz, acked_at timestamptz)) a
    WHERE d.id = a.id AND d.claim_token = a.token AND d.status = 'pending' RETURNING d.id`);
  return rows.length;
}

/** Records a failed attempt: back off, or become a dead letter. Returns whether it is dead now. */
export async function recordFailure(db: Db, d: { id: string; token: string; attempts: number; outcome: WebhookOutcome; attemptedAt: Date; now: Date; options: DeliveryOptions; dead?: boolean }): Promise<{ dead: boolean; nextAttemptAt: Date }> {
  const attempts = d.attempts + 1;
  const dead = d.dead === true || attempts >= d.options.maxAttempts;
  const next = new Date(d.now.getTime() + backoffMs(attempts, d.options.backoffBaseMs));
  await db.execute(sql`UPDATE exchange.deliveries SET status = ${dead ? 'dead' : 'pending'}, attempts = ${attempts}, next_attempt_at = ${next.toISOString()},
    first_attempted_at = COALESCE(first_attempted_at, ${d.attemptedAt.toISOString()}), last_attempted_at = ${d.attemptedAt.toISOString()}, lease_until = NULL, claim_token = NULL,
    last_status_code = ${d.outcome.status}, last_error = ${(d.outcome.error ?? '').slice(0, 2000)} WHERE id = ${d.id} AND claim_token = ${d.token} AND status = 'pending'`);
  return { dead, nextAttemptAt: next };
}

/** Gives claimed deliveries back unsent (a chain stopped at an earlier failure). */
export async function releaseClaims(db: Db, claims: { id: string; token: string }[]): Promise<void> {
  if (claims.length === 0) return;
  await db.execute(sql`UPDATE exchange.deliveries SET lease_until = NULL, claim_token = NULL
    WHERE id IN (${sql.join(claims.map((c) => sql`${c.id}`), sql`, `)}) AND claim_token = ${claims[0].token}`);
}

/**
 * Claims due deliveries as chains: per subscription and key, the oldest pending deliveries in event
 * order (up to `perKey`), when the head is due and none of them is held by another claim. Rows are
 * locked FOR UPDATE SKIP LOCKED; a chain is kept only from its head on (another worker holding the
 * head means the rest stays too), then leased under a new claim token. `onlyViaDatabase`: with
 * NATS, the database path sends only what an operator replayed.
 */
export async function claimChains(db: Db, input: { now: Date; limit: number; perKey: number; leaseMs: number; onlyViaDatabase: boolean }): Promise<ClaimedDelivery[][]> {
  const now = input.now.toISOString();
  const lease = new Date(input.now.getTime() + input.leaseMs).toISOString();
  const token = newId();
  return db.transaction(async (raw) => {
    const tx = raw as unknown as Db;
    const locked = await queryRows<ClaimedRow>(tx, sql`WITH ranked AS (
        SELECT d.id, d.event_seq, row_number() OVER w AS rn,
          bool_and(d.next_attempt_at <= ${now} AND (d.lease_until IS NULL OR d.lease_until < ${now})) OVER w AS clear
        FROM exchange.deliveries d JOIN exchange.subscriptions s ON s.id = d.subscription_id
        WHERE d.status = 'pending' AND s.status = 'active' AND (NOT ${input.onlyViaDatabase} OR d.via_database)
        WINDOW w AS (PARTITION BY d.subscription_id, d.ordering_key ORDER BY d.event_seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
      picked AS (SELECT id, rn FROM ranked WHERE clear AND rn <= ${input.perKey} ORDER BY event_seq LIMIT ${input.limit})
      SELECT d.id, d.attempts, d.event_id, d.subscription_id, s.subscriber_subsystem_id, e.resource_id, r.code AS topic_code, s.webhook_url,
        e.type, e.ordering_key, e.payload, e.published_at, p.rn
      FROM exchange.deliveries d JOIN picked p ON p.id = d.id JOIN exchange.topic_events e ON e.id = d.event_id
      JOIN exchange.subscriptions s ON s.id = d.subscription_id JOIN exchange.resources r ON r.id = e.resource_id
      WHERE d.status = 'pending' AND (d.lease_until IS NULL OR d.lease_until < ${now})
      FOR UPDATE OF d SKIP LOCKED`);
    const byKey = new Map<string, ClaimedRow[]>();
    for (const row of locked) byKey.set(`${row.subscription_id}/${row.ordering_key}`, [...(byKey.get(`${row.subscription_id}/${row.ordering_key}`) ?? []), row]);
    const chains: ClaimedDelivery[][] = [];
    for (const rows of byKey.values()) {
      rows.sort((a, b) => Number(a.rn) - Number(b.rn));
      const chain: ClaimedDelivery[] = [];
      for (const [i, row] of rows.entries()) {
        if (Number(row.rn) !== i + 1) break; // a gap: someone else holds an earlier one
        chain.push(claimedView(row, token));
      }
      if (chain.length > 0) chains.push(chain);
    }
    const ids = chains.flat().map((d) => d.id);
    if (ids.length > 0) {
      await tx.execute(sql`UPDATE exchange.deliveries SET lease_until = ${lease}, claim_token = ${token} WHERE id IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`);
    }
    return chains;
  });
}

/** Per pass: grant answers and one signature per event. */
export interface SendCache {
  signatures: Map<string, { body: string; signature: string }>;
  grants: Map<string, boolean>;
}
export const newSendCache = (): SendCache => ({ signatures: new Map(), grants: new Map() });

/**
 * Sends one claimed delivery (nothing recorded yet). The subscriber's grant is checked first: a
 * revoked or expired grant stops delivery (a dead letter, replayable once access is granted again).
 */
export async function attemptDelivery(input: { ctx: Ctx; delivery: ClaimedDelivery; signer: WebhookSigner; options: DeliveryOptions; cache: SendCache }): Promise<WebhookOutcome & { noGrant: boolean }> {
  const { ctx, delivery: d, cache } = input;
  const grantKey = `${d.subscriberSubsystemId}/${d.resourceId}`;
  let granted = cache.grants.get(grantKey);
  if (granted === undefined) {
    granted = (await findActiveGrant(ctx, { clientSubsystemId: d.subscriberSubsystemId, resourceId: d.resourceId })) !== null;
    cache.grants.set(grantKey, granted);
  }
  if (!granted) return { ok: false, status: null, error: '订阅方对该主题的授权已吊销或过期', noGrant: true };
  let signed = cache.signatures.get(d.eventId);
  if (!signed) {
    const body = webhookBody(d);
    signed = { body, signature: input.signer.sign(body) };
    cache.signatures.set(d.eventId, signed);
  }
  const outcome = await postWebhook({ url: d.webhookUrl, body: signed.body, signature: signed.signature, eventId: d.eventId, topicCode: d.topicCode, timeoutMs: input.options.timeoutMs });
  return { ...outcome, noGrant: false };
}

/** Sends one delivery and records its outcome at once (the NATS path: it acks NATS right after). */
export async function sendClaimed(input: { ctx: Ctx; delivery: ClaimedDelivery; signer: WebhookSigner; options: DeliveryOptions; cache?: SendCache }): Promise<'delivered' | 'retry' | 'dead' | 'superseded'> {
  const { ctx, delivery: d, options } = input;
  const attemptedAt = ctx.clock.now();
  const outcome = await attemptDelivery({ ...input, cache: input.cache ?? newSendCache() });
  const now = ctx.clock.now();
  if (outcome.ok) return (await recordAcknowledged(ctx.db, [{ id: d.id, token: d.token, status: outcome.status, attemptedAt, acknowledgedAt: now }])) > 0 ? 'delivered' : 'superseded';
  const { dead } = await recordFailure(ctx.db, { id: d.id, token: d.token, attempts: d.attempts, outcome, attemptedAt, now, options, dead: outcome.noGrant });
  ctx.log.warn({ delivery: d.id, event: d.eventId, subscription: d.subscriptionId, attempts: d.attempts + 1, dead, error: outcome.error }, 'exchange webhook delivery failed');
  return dead ? 'dead' : 'retry';
}

/**
 * One pass of the database path: claim chains, send the chains in parallel and each chain in order
 * (stopping at its first failure and giving the rest back), then record the acknowledgements in one
 * statement. Returns how many deliveries were claimed.
 */
export async function deliverBatch(input: { ctx: Ctx; signer: WebhookSigner; options: DeliveryOptions; limit: number; perKey?: number; onlyViaDatabase: boolean }): Promise<number> {
  const { ctx, options } = input;
  const chains = await claimChains(ctx.db, { now: ctx.clock.now(), limit: input.limit, perKey: input.perKey ?? 16, leaseMs: options.timeoutMs * (input.perKey ?? 16) + 5_000, onlyViaDatabase: input.onlyViaDatabase });
  if (chains.length === 0) return 0;
  const cache = newSendCache();
  const acks: Acknowledgement[] = [];
  await Promise.all(chains.map(async (chain) => {
    for (const [i, d] of chain.entries()) {
      const attemptedAt = ctx.clock.now();
      const outcome = await attemptDelivery({ ctx, delivery: d, signer: input.signer, options, cache });
      if (outcome.ok) {
        acks.push({ id: d.id, token: d.token, status: outcome.status, attemptedAt, acknowledgedAt: ctx.clock.now() });
        continue;
      }
      const { dead } = await recordFailure(ctx.db, { id: d.id, token: d.token, attempts: d.attempts, outcome, attemptedAt, now: ctx.clock.now(), options, dead: outcome.noGrant });
      ctx.log.warn({ delivery: d.id, event: d.eventId, subscription: d.subscriptionId, attempts: d.attempts + 1, dead, error: outcome.error }, 'exchange webhook delivery failed');
      // A dead letter no longer holds its key back; a retry does.
      if (!dead) {
        await releaseClaims(ctx.db, chain.slice(i + 1));
        return;
      }
    }
  }));
  await recordAcknowledged(ctx.db, acks);
  return chains.reduce((n, c) => n + c.length, 0);
}

// --- dead letters -----------------------------------------------------------------------------------

export interface DeadLetterView {
  id: string;
  eventId: string;
  subscriptionId: string;
  topicCode: string;
  topicName: string;
  subscriberXroadId: string;
  webhookUrl: string;
  type: string;
  key: string;
  payload: unknown;
  publishedAt: string;
  attempts: number;
  lastError: string | null;
  lastStatusCode: number | null;
  firstAttemptedAt: string | null;
  lastAttemptAt: string | null;
  replayedCount: number;
}

interface DeadRow {
  id: string;
  event_id: string;
  subscription_id: string;
  topic_code: string;
  topic_name: string;
  member_class: string;
  member_code: string;
  subsystem_code: string;
  webhook_url: string;
  type: string;
  ordering_key: string;
  payload: unknown;
  published_at: Date | string;
  attempts: number;
  last_error: string | null;
  last_status_code: number | null;
  first_attempted_at: Date | string | null;
  last_attempted_at: Date | string | null;
  replayed_count: number;
}

const DEAD_SELECT = sql`SELECT d.id, d.event_id, d.subscription_id, r.code AS topic_code, r.name AS topic_name, m.member_class, m.member_code, ss.code AS subsystem_code,
  s.webhook_url, e.type, e.ordering_key, e.payload, e.published_at, d.attempts, d.last_error, d.last_status_code, d.first_attempted_at, d.last_attempted_at, d.replayed_count
  FROM exchange.deliveries d JOIN exchange.topic_events e ON e.id = d.event_id JOIN exchange.resources r ON r.id = e.resource_id
  JOIN exchange.subscriptions s ON s.id = d.subscription_id JOIN exchange.subsystems ss ON ss.id = s.subscriber_subsystem_id JOIN exchange.members m ON m.id = ss.member_id`;

const deadView = (r: DeadRow): DeadLetterView => ({
  id: r.id,
  eventId: r.event_id,
  subscriptionId: r.subscription_id,
  topicCode: r.topic_code,
  topicName: r.topic_name,
  subscriberXroadId: `CN-HA/${r.member_class}/${r.member_code}/${r.subsystem_code}`,
  webhookUrl: r.webhook_url,
  type: r.type,
  key: r.ordering_key,
  payload: r.payload,
  publishedAt: iso(r.published_at),
  attempts: Number(r.attempts),
  lastError: r.last_error,
  lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
  firstAttemptedAt: r.first_attempted_at ? iso(r.first_attempted_at) : null,
  lastAttemptAt: r.last_attempted_at ? iso(r.last_attempted_at) : null,
  replayedCount: Number(r.replayed_count),
});

function requireDeadLetterManage(ctx: Ctx): void {
  if (!hasScope(ctx.actor, SCOPES.deadLetterManage)) throw forbidden('您没有查看和重新投递死信的权限。');
}

export async function listDeadLetters(ctx: Ctx, input: { limit?: number; subscriptionId?: string } = {}): Promise<DeadLetterView[]> {
  requireDeadLetterManage(ctx);
  const rows = await queryRows<DeadRow>(ctx.db, sql`${DEAD_SELECT} WHERE d.status = 'dead'
    AND (${input.subscriptionId ?? null}::uuid IS NULL OR d.subscription_id = ${input.subscriptionId ?? null})
    ORDER BY d.event_seq DESC LIMIT ${Math.min(Math.max(input.limit ?? 100, 1), 500)}`);
  return rows.map(deadView);
}

export async function getDeadLetter(ctx: Ctx, input: { id: string }): Promise<DeadLetterView> {
  requireDeadLetterManage(ctx);
  const row = await queryOne<DeadRow>(ctx.db, sql`${DEAD_SELECT} WHERE d.id = ${input.id} AND d.status = 'dead'`);
  if (!row) throw notFound('dead_letter_not_found', '死信不存在 (可能已重新投递)');
  return deadView(row);
}

/** Puts a dead letter back in the queue with fresh attempts (audited). With NATS, the database path sends it. */
export async function replayDeadLetter(ctx: Ctx, input: { id: string }): Promise<DeadLetterView> {
  const dead = await getDeadLetter(ctx, input);
  return inTransaction(ctx, async (tx) => {
    const now = tx.clock.now().toISOString();
    const rows = await queryRows<{ id: string }>(tx.db, sql`UPDATE exchange.deliveries SET status = 'pending', attempts = 0, next_attempt_at = ${now}, lease_until = NULL,
      via_database = true, replayed_count = replayed_count + 1 WHERE id = ${dead.id} AND status = 'dead' RETURNING id`);
    if (rows.length === 0) throw conflict('dead_letter_not_dead', '该投递已不是死信');
    await tx.db.execute(sql`SELECT pg_notify(${TOPIC_EVENTS_CHANNEL}, '')`);
    audit(tx, { action: 'exchange.delivery.replay', targetType: 'exchange.delivery', targetId: dead.id, targetLabel: `${dead.topicCode} → ${dead.subscriberXroadId}`, details: { eventId: dead.eventId, attempts: dead.attempts, lastError: dead.lastError } });
    await publish(tx, { type: EVENTS.deliveryReplayed, orderingKey: dead.subscriptionId, payload: { deliveryId: dead.id, eventId: dead.eventId, subscriptionId: dead.subscriptionId } });
    return { ...dead, attempts: 0, replayedCount: dead.replayedCount + 1 };
  });
}

// --- statistics ----------------------------------------------------------------------------------------

export interface DeliveryStats {
  pending: number;
  delivered: number;
  dead: number;
  /** Publication → acknowledgement, over deliveries acknowledged in the last 24 hours (null: none). */
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
}

/** Counts by status and publish→acknowledged latency percentiles, for the dashboard. */
export async function deliveryStats(ctx: Ctx, input: { since?: Date } = {}): Promise<DeliveryStats> {
  const counts = await queryRows<{ status: string; n: string | number }>(ctx.db, sql`SELECT status, count(*) AS n FROM exchange.deliveries GROUP BY status`);
  const since = (input.since ?? new Date(ctx.clock.now().getTime() - 86_400_000)).toISOString();
  const lat = await queryOne<{ p50: string | number | null; p95: string | number | null }>(ctx.db, sql`SELECT
      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM acknowledged_at - event_published_at) * 1000) AS p50,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM acknowledged_at - event_published_at) * 1000) AS p95
    FROM exchange.deliveries WHERE status = 'delivered' AND acknowledged_at >= ${since}`);
  const by = new Map(counts.map((c) => [c.status, Number(c.n)]));
  const ms = (v: string | number | null | undefined) => (v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10);
  return { pending: by.get('pending') ?? 0, delivered: by.get('delivered') ?? 0, dead: by.get('dead') ?? 0, p50LatencyMs: ms(lat?.p50), p95LatencyMs: ms(lat?.p95) };
}
