/**
 * 企业基础信息共享: the legal-entity registry's events become events of the enterprise registration
 * topic (RESOURCE_CODES.enterpriseRegistrationTopic), keyed by the unified social credit code, so
 * the tax bureaus subscribed to it receive 设立 / 变更 / 注销申请 / 注销 in order per enterprise.
 * An outbox handler: it runs in the kernel dispatcher's transaction, so the topic event commits
 * together with the handler's completion (once per registry event).
 */
import type { EventHandler } from '../../../platform/events/outbox.ts';
import { queryOne, sql } from '../../../platform/db/index.ts';
import { REGISTRY_EVENTS } from '../../registries/index.ts';
import { RESOURCE_CODES } from '../model.ts';
import { publishToTopic } from './topics.ts';

/** Event type codes of the enterprise registration topic (stable; receivers switch on them). */
export const ENTERPRISE_TOPIC_TYPES = {
  registered: 'registered',
  changed: 'changed',
  deregistrationRequested: 'deregistration_requested',
  deregistered: 'deregistered',
} as const;
export type EnterpriseTopicType = (typeof ENTERPRISE_TOPIC_TYPES)[keyof typeof ENTERPRISE_TOPIC_TYPES];

export const ENTERPRISE_TOPIC_TYPE_LABELS: Record<EnterpriseTopicType, string> = {
  registered: '设立',
  changed: '变更',
  deregistration_requested: '注销申请',
  deregistered: '注销',
};

/** Registry event type → topic event type. */
const TOPIC_TYPE_OF: Record<string, EnterpriseTopicType> = {
  [REGISTRY_EVENTS.entityRegistered]: ENTERPRISE_TOPIC_TYPES.registered,
  [REGISTRY_EVENTS.entityChanged]: ENTERPRISE_TOPIC_TYPES.changed,
  'registries.entity.deregistration_requested': ENTERPRISE_TOPIC_TYPES.deregistrationRequested,
  [REGISTRY_EVENTS.entityDeregistered]: ENTERPRISE_TOPIC_TYPES.deregistered,
};

export const enterpriseTopicBridge: EventHandler = {
  name: 'exchange.enterprise_topic_bridge',
  types: Object.keys(TOPIC_TYPE_OF),
  async handle(ctx, event) {
    const type = TOPIC_TYPE_OF[event.type];
    const uscc = typeof event.payload.uscc === 'string' ? event.payload.uscc : event.orderingKey;
    if (!type || !uscc) return;
    // No topic in the catalog (an installation without the exchange's demo data), or withdrawn: nobody to tell.
    const topic = await queryOne<{ status: string; kind: string }>(ctx.db, sql`SELECT status, kind FROM exchange.resources WHERE code = ${RESOURCE_CODES.enterpriseRegistrationTopic}`);
    if (!topic || topic.status !== 'published' || topic.kind !== 'topic') return;
    await publishToTopic(ctx, {
      resourceCode: RESOURCE_CODES.enterpriseRegistrationTopic,
      type,
      key: uscc,
      payload: { ...event.payload, sourceEventId: event.id, registeredAt: event.occurredAt },
    });
  },
};
