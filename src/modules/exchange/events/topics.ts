/**
 * Event topics (事件主题) and their subscriptions (事件订阅). A topic is a catalog resource of kind
 * 'topic'; publishing into it writes the event, and one pending delivery per live subscription, in
 * the publisher's own transaction — so a topic event exists iff the business change committed, and
 * a subscription receives exactly the events published after it was made.
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope } from '../../../platform/context.ts';
import { badRequest, conflict, forbidden, notFound } from '../../../platform/errors.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { newId } from '../../../platform/ids.ts';
import { EVENTS, SCOPES, iso } from '../model.ts';
import { actsForMember, getSubsystem } from '../services/members.ts';
import { getResource } from '../services/catalog.ts';
import { findActiveGrant } from '../services/grants.ts';

/** PostgreSQL NOTIFY channel raised by every publish (delivered at commit); deliverers LISTEN on it. */
export const TOPIC_EVENTS_CHANNEL = 'exchange_topic_events';

export interface TopicEventInput {
  /** Catalog code of the topic resource. */
  resourceCode: string;
  /** Event type code, lower case (e.g. `registered`). */
  type: string;
  /** Ordering key: a subscriber receives events of one key in publication order. */
  key: string;
  payload: Record<string, unknown>;
  /** Set by the HTTP publishing route: the calling provider subsystem (already authenticated). */
  publisherSubsystemId?: string;
  /** With publisherSubsystemId: the client's X-Road-Id; a retry with the same id returns the first event. */
  clientMessageId?: string;
}

interface TopicRow {
  id: string;
  code: string;
  kind: string;
  status: string;
  provider_subsystem_id: string;
  provider_unit_id: string | null;
}

/**
 * Publishes into a topic inside the caller's transaction (joins it; opens one when called outside).
 * Only the platform itself (system actor) or staff acting for the provider's unit may publish; the
 * topic must be a published resource of kind 'topic'. Returns the event id and how many deliveries it made.
 * The caller's own change carries the audit record; the event row keeps who published it.
 */
export async function publishToTopic(ctx: Ctx, input: TopicEventInput): Promise<{ eventId: string; deliveries: number; duplicate: boolean }> {
  if (!/^[a-z][a-z0-9_.-]{0,63}$/.test(input.type)) throw badRequest('event_type_invalid', '事件类型代码应为小写字母开头的字母、数字、点、下划线或连字符');
  if (!input.key || input.key.length > 200) throw badRequest('event_key_invalid', '排序键应为 1 至 200 个字符');
  const topic = await queryOne<TopicRow>(ctx.db, sql`SELECT r.id, r.code, r.kind, r.status, r.provider_subsystem_id, m.unit_id AS provider_unit_id
    FROM exchange.resources r JOIN exchange.subsystems s ON s.id = r.provider_subsystem_id JOIN exchange.members m ON m.id = s.member_id
    WHERE r.code = ${input.resourceCode}`);
  if (!topic) throw notFound('topic_not_found', `事件主题 ${input.resourceCode} 不存在`);
  if (topic.kind !== 'topic') throw badRequest('not_a_topic', `资源 ${topic.code} 不是事件主题`);
  if (topic.status !== 'published') throw conflict('topic_withdrawn', `事件主题 ${topic.code} 已撤销, 不能发布事件`);
  const allowed = ctx.actor.kind === 'system'
    || (input.publisherSubsystemId !== undefined && input.publisherSubsystemId === topic.provider_subsystem_id)
    || (input.publisherSubsystemId === undefined && actsForMember(ctx, { unitId: topic.provider_unit_id }, SCOPES.resourcePublish));
  if (!allowed) throw forbidden('只有事件主题的提供方可以发布事件。');
  return inTransaction(ctx, async (tx) => {
    if (input.publisherSubsystemId && input.clientMessageId) {
      const seen = await queryOne<{ id: string }>(tx.db, sql`SELECT id FROM exchange.topic_events WHERE publisher_subsystem_id = ${input.publisherSubsystemId} AND client_message_id = ${input.clientMessageId}`);
      if (seen) return { eventId: seen.id, deliveries: 0, duplicate: true };
    }
    const id = newId();
    const now = tx.clock.now().toISOString();
    const [event] = await queryRows<{ seq: string | number }>(tx.db, sql`INSERT INTO exchange.topic_events
      (id, resource_id, type, ordering_key, payload, published_at, publisher_subsystem_id, client_message_id, actor_user_id, actor_name, request_id)
      VALUES (${id}, ${topic.id}, ${input.type}, ${input.key}, ${JSON.stringify(input.payload)}::jsonb, ${now}, ${input.publisherSubsystemId ?? null}, ${input.clientMessageId ?? null},
        ${tx.actor.userId}, ${tx.actor.name}, ${tx.requestId}) RETURNING seq`);
    const made = await queryRows<{ id: string }>(tx.db, sql`INSERT INTO exchange.deliveries
      (id, event_id, subscription_id, ordering_key, event_seq, event_published_at, status, attempts, next_attempt_at)
      SELECT gen_random_uuid(), ${id}, s.id, ${input.key}, ${event.seq}, ${now}, 'pending', 0, ${now}
      FROM exchange.subscriptions s WHERE s.resource_id = ${topic.id} AND s.status <> 'cancelled' RETURNING id`);
    await tx.db.execute(sql`SELECT pg_notify(${TOPIC_EVENTS_CHANNEL}, '')`);
    return { eventId: id, deliveries: made.length, duplicate: false };
  });
}

// --- subscriptions --------------------------------------------------------------------------------

export type SubscriptionStatus = 'active' | 'paused' | 'cancelled';
export const SUBSCRIPTION_STATUS_LABELS: Record<SubscriptionStatus, string> = { active: '推送中', paused: '已暂停', cancelled: '已退订' };

export interface SubscriptionView {
  id: string;
  resourceId: string;
  resourceCode: string;
  resourceName: string;
  subscriberSubsystemId: string;
  subscriberXroadId: string;
  subscriberName: string;
  webhookUrl: string;
  status: SubscriptionStatus;
  statusLabel: string;
  createdByName: string;
  createdAt: string;
  pausedAt: string | null;
  cancelledAt: string | null;
  pending: number;
  dead: number;
}

interface SubscriptionRow {
  id: string;
  resource_id: string;
  resource_code: string;
  resource_name: string;
  subscriber_subsystem_id: string;
  member_class: string;
  member_code: string;
  subsystem_code: string;
  subsystem_name: string;
  unit_id: string | null;
  webhook_url: string;
  status: SubscriptionStatus;
  created_by_name: string;
  created_at: Date | string;
  paused_at: Date | string | null;
  cancelled_at: Date | string | null;
  pending: string | number;
  dead: string | number;
}

const SUBSCRIPTION_SELECT = sql`SELECT sub.id, sub.resource_id, r.code AS resource_code, r.name AS resource_name, sub.subscriber_subsystem_id,
  m.member_class, m.member_code, s.code AS subsystem_code, s.name AS subsystem_name, m.unit_id, sub.webhook_url, sub.status, sub.created_by_name,
  sub.created_at, sub.paused_at, sub.cancelled_at,
  (SELECT count(*) FROM exchange.deliveries d WHERE d.subscription_id = sub.id AND d.status = 'pending') AS pending,
  (SELECT count(*) FROM exchange.deliveries d WHERE d.subscription_id = sub.id AND d.status = 'dead') AS dead
  FROM exchange.subscriptions sub JOIN exchange.resources r ON r.id = sub.resource_id
  JOIN exchange.subsystems s ON s.id = sub.subscriber_subsystem_id JOIN exchange.members m ON m.id = s.member_id`;

const subscriptionView = (r: SubscriptionRow): SubscriptionView & { unitId: string | null } => ({
  id: r.id,
  resourceId: r.resource_id,
  resourceCode: r.resource_code,
  resourceName: r.resource_name,
  subscriberSubsystemId: r.subscriber_subsystem_id,
  subscriberXroadId: `CN-HA/${r.member_class}/${r.member_code}/${r.subsystem_code}`,
  subscriberName: r.subsystem_name,
  unitId: r.unit_id,
  webhookUrl: r.webhook_url,
  status: r.status,
  statusLabel: SUBSCRIPTION_STATUS_LABELS[r.status],
  createdByName: r.created_by_name,
  createdAt: iso(r.created_at),
  pausedAt: r.paused_at ? iso(r.paused_at) : null,
  cancelledAt: r.cancelled_at ? iso(r.cancelled_at) : null,
  pending: Number(r.pending),
  dead: Number(r.dead),
});

/** Staff acting for the subscriber's unit (exchange.subscription.manage), or the data authority (exchange.grant.manage). */
function mayManage(ctx: Ctx, subscriber: { unitId: string | null }): boolean {
  return actsForMember(ctx, subscriber, SCOPES.subscriptionManage) || hasScope(ctx.actor, SCOPES.grantManage);
}

function checkWebhookUrl(url: string): void {
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || url.length > 2000) throw badRequest('webhook_url_invalid', '回调地址应为 http:// 或 https:// 开头的完整地址', [{ field: 'webhookUrl', message: '回调地址应为 http:// 或 https:// 开头的完整地址' }]);
}

export async function getSubscription(ctx: Ctx, input: { id: string }): Promise<SubscriptionView & { unitId: string | null }> {
  const row = await queryOne<SubscriptionRow>(ctx.db, sql`${SUBSCRIPTION_SELECT} WHERE sub.id = ${input.id}`);
  if (!row) throw notFound('subscription_not_found', '订阅不存在');
  return subscriptionView(row);
}

/** One subscription, for those who may manage it or see all subscriptions. */
export async function viewSubscription(ctx: Ctx, input: { id: string }): Promise<SubscriptionView> {
  const sub = await getSubscription(ctx, input);
  const seeAll = hasScope(ctx.actor, SCOPES.monitorRead) || hasScope(ctx.actor, SCOPES.grantManage);
  if (!seeAll && !mayManage(ctx, sub)) throw forbidden('您没有查看该订阅的权限。');
  return sub;
}

/**
 * Subscribes a subsystem to a topic. The subsystem needs an active grant on the topic (applications
 * and grants give it); the actor acts for the subscriber's unit or is the data authority.
 */
export async function subscribe(ctx: Ctx, input: { resourceId: string; subscriberSubsystemId: string; webhookUrl: string }): Promise<SubscriptionView> {
  const subscriber = await getSubsystem(ctx, { id: input.subscriberSubsystemId });
  if (!mayManage(ctx, subscriber)) throw forbidden('只能为本单位的子系统订阅事件主题。');
  checkWebhookUrl(input.webhookUrl);
  const resource = await getResource(ctx, { id: input.resourceId });
  if (resource.kind !== 'topic') throw badRequest('not_a_topic', `资源「${resource.name}」不是事件主题, 不能订阅`);
  if (resource.status !== 'published') throw conflict('topic_withdrawn', `事件主题「${resource.name}」已撤销`);
  if (subscriber.status !== 'active') throw conflict('subsystem_disabled', `子系统 ${subscriber.xroadId} 已停用`);
  const grant = await findActiveGrant(ctx, { clientSubsystemId: subscriber.id, resourceId: resource.id });
  if (!grant) throw forbidden(`子系统 ${subscriber.xroadId} 没有事件主题「${resource.name}」的有效授权, 请先申请使用。`);
  return inTransaction(ctx, async (tx) => {
    const dup = await queryOne(tx.db, sql`SELECT 1 FROM exchange.subscriptions WHERE resource_id = ${resource.id} AND subscriber_subsystem_id = ${subscriber.id}
      AND webhook_url = ${input.webhookUrl} AND status <> 'cancelled'`);
    if (dup) throw conflict('subscription_exists', '该子系统已用这个回调地址订阅了此主题');
    const id = newId();
    await tx.db.execute(sql`INSERT INTO exchange.subscriptions (id, resource_id, subscriber_subsystem_id, webhook_url, status, created_by_name, created_at)
      VALUES (${id}, ${resource.id}, ${subscriber.id}, ${input.webhookUrl}, 'active', ${tx.actor.name}, ${tx.clock.now().toISOString()})`);
    audit(tx, { action: 'exchange.subscription.create', targetType: 'exchange.resource', targetId: resource.id, targetLabel: `${resource.code} ${resource.name}`, details: { subscriptionId: id, subscriber: subscriber.xroadId, webhookUrl: input.webhookUrl } });
    await publish(tx, { type: EVENTS.subscriptionChanged, orderingKey: id, payload: { subscriptionId: id, resourceId: resource.id, subscriberSubsystemId: subscriber.id, status: 'active' } });
    return getSubscription(tx, { id });
  });
}

async function setStatus(ctx: Ctx, input: { id: string }, to: SubscriptionStatus): Promise<SubscriptionView> {
  const sub = await getSubscription(ctx, input);
  if (!mayManage(ctx, sub)) throw forbidden('只能管理本单位子系统的订阅。');
  if (sub.status === 'cancelled') throw conflict('subscription_cancelled', '该订阅已退订');
  if (sub.status === to) return sub;
  return inTransaction(ctx, async (tx) => {
    const now = tx.clock.now().toISOString();
    await tx.db.execute(sql`UPDATE exchange.subscriptions SET status = ${to},
      paused_at = ${to === 'paused' ? now : null}, cancelled_at = ${to === 'cancelled' ? now : null} WHERE id = ${sub.id}`);
    // Undelivered events of a cancelled subscription are not sent any more.
    if (to === 'cancelled') await tx.db.execute(sql`UPDATE exchange.deliveries SET status = 'cancelled', lease_until = NULL WHERE subscription_id = ${sub.id} AND status IN ('pending', 'dead')`);
    if (to === 'active') await tx.db.execute(sql`SELECT pg_notify(${TOPIC_EVENTS_CHANNEL}, '')`);
    audit(tx, { action: `exchange.subscription.${to === 'active' ? 'resume' : to === 'paused' ? 'pause' : 'cancel'}`, targetType: 'exchange.resource', targetId: sub.resourceId, targetLabel: `${sub.resourceCode} ${sub.resourceName}`, details: { subscriptionId: sub.id, subscriber: sub.subscriberXroadId } });
    await publish(tx, { type: EVENTS.subscriptionChanged, orderingKey: sub.id, payload: { subscriptionId: sub.id, resourceId: sub.resourceId, subscriberSubsystemId: sub.subscriberSubsystemId, status: to } });
    return getSubscription(tx, input);
  });
}

/** Stops pushing (events keep arriving and wait, in order, until resumed). */
export const pauseSubscription = (ctx: Ctx, input: { id: string }) => setStatus(ctx, input, 'paused');
export const resumeSubscription = (ctx: Ctx, input: { id: string }) => setStatus(ctx, input, 'active');
/** Ends the subscription; its undelivered events are dropped. */
export const unsubscribe = (ctx: Ctx, input: { id: string }) => setStatus(ctx, input, 'cancelled');

/**
 * Subscriptions the actor may see: all with exchange.monitor.read or exchange.grant.manage, otherwise
 * those of subsystems of the actor's units (exchange.subscription.manage).
 */
export async function listSubscriptions(ctx: Ctx, input: { resourceId?: string; subscriberSubsystemId?: string; includeCancelled?: boolean } = {}): Promise<SubscriptionView[]> {
  const seeAll = hasScope(ctx.actor, SCOPES.monitorRead) || hasScope(ctx.actor, SCOPES.grantManage);
  const units = ctx.actor.grants.filter((g) => g.scopes.has(SCOPES.subscriptionManage)).map((g) => g.unitId);
  if (!seeAll && units.length === 0) throw forbidden('您没有查看事件订阅的权限。');
  const rows = await queryRows<SubscriptionRow>(ctx.db, sql`${SUBSCRIPTION_SELECT}
    WHERE (${input.resourceId ?? null}::uuid IS NULL OR sub.resource_id = ${input.resourceId ?? null})
      AND (${input.subscriberSubsystemId ?? null}::uuid IS NULL OR sub.subscriber_subsystem_id = ${input.subscriberSubsystemId ?? null})
      AND (${input.includeCancelled ?? false} OR sub.status <> 'cancelled')
      AND (${seeAll} OR m.unit_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(units)}::jsonb)::uuid))
    ORDER BY r.code, sub.created_at`);
  return rows.map(subscriptionView);
}
