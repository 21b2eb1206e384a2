/**
 * Figures of the exchange dashboard (运行看板): the catalog by provider and the applications
 * (computed here), the gateway's traffic and latency (gateway/monitoring.ts), event delivery
 * (events/deliveries.ts), and the latency from an enterprise registration's commit to its
 * acknowledgement by the subscribers of the registration topic (the tax bureaus), measured on the
 * exchange's own delivery records.
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { RESOURCE_CODES } from '../model.ts';
import { gatewayStats, type GatewayStats } from '../gateway/monitoring.ts';
import { deliveryStats, type DeliveryStats } from '../events/deliveries.ts';
import { applicationCounts } from './applications.ts';

export interface ProviderRow {
  memberId: string;
  providerName: string;
  total: number;
  api: number;
  topic: number;
  dataset: number;
  unconditional: number;
  conditional: number;
  none: number;
  hasDemo: boolean;
}

/** Published resources per provider member, by kind and share type. */
export async function resourcesByProvider(ctx: Ctx): Promise<ProviderRow[]> {
  const rows = await queryRows<Record<string, string | number | boolean>>(ctx.db, sql`SELECT m.id AS member_id, m.name AS provider_name, count(*) AS total,
      count(*) FILTER (WHERE r.kind = 'api') AS api, count(*) FILTER (WHERE r.kind = 'topic') AS topic, count(*) FILTER (WHERE r.kind = 'dataset') AS dataset,
      count(*) FILTER (WHERE r.share_type = 'unconditional') AS unconditional, count(*) FILTER (WHERE r.share_type = 'conditional') AS conditional,
      count(*) FILTER (WHERE r.share_type = 'none') AS none, bool_or(r.is_demo) AS has_demo
    FROM exchange.resources r JOIN exchange.subsystems s ON s.id = r.provider_subsystem_id JOIN exchange.members m ON m.id = s.member_id
    WHERE r.status = 'published' GROUP BY m.id, m.name ORDER BY count(*) DESC, m.name`);
  return rows.map((r) => ({
    memberId: String(r.member_id),
    providerName: String(r.provider_name),
    total: Number(r.total),
    api: Number(r.api),
    topic: Number(r.topic),
    dataset: Number(r.dataset),
    unconditional: Number(r.unconditional),
    conditional: Number(r.conditional),
    none: Number(r.none),
    hasDemo: Boolean(r.has_demo),
  }));
}

export interface LatencyFigures {
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/**
 * Registration commit (the registry event's time, carried as `registeredAt` in the topic event) →
 * acknowledgement by a subscriber of the enterprise registration topic, over deliveries
 * acknowledged since `since`. The receivers acknowledge after storing, so this is the time until
 * the tax side has the registration.
 */
export async function registrationDeliveryLatency(ctx: Ctx, input: { since: Date }): Promise<LatencyFigures> {
  const row = await queryOne<{ n: string | number; p50: string | number | null; p95: string | number | null }>(ctx.db, sql`SELECT count(*) AS n,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.acknowledged_at - (e.payload->>'registeredAt')::timestamptz) * 1000) AS p50,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM d.acknowledged_at - (e.payload->>'registeredAt')::timestamptz) * 1000) AS p95
    FROM exchange.deliveries d JOIN exchange.topic_events e ON e.id = d.event_id JOIN exchange.resources r ON r.id = e.resource_id
    WHERE r.code = ${RESOURCE_CODES.enterpriseRegistrationTopic} AND d.status = 'delivered' AND d.acknowledged_at >= ${input.since.toISOString()}
      AND e.payload ? 'registeredAt'`);
  const ms = (v: string | number | null | undefined) => (v === null || v === undefined ? null : Math.round(Number(v)));
  return { count: Number(row?.n ?? 0), p50Ms: ms(row?.p50), p95Ms: ms(row?.p95) };
}

export interface ExchangeDashboard {
  since: string;
  providers: ProviderRow[];
  applications: Awaited<ReturnType<typeof applicationCounts>>;
  gateway: GatewayStats;
  delivery: DeliveryStats;
  registrationLatency: LatencyFigures;
}

/** Everything the dashboard shows, over the last `days` days (default 14). */
export async function exchangeDashboard(ctx: Ctx, input: { days?: number } = {}): Promise<ExchangeDashboard> {
  const days = Math.min(Math.max(input.days ?? 14, 1), 366);
  const since = new Date(ctx.clock.now().getTime() - days * 86_400_000);
  return {
    since: since.toISOString(),
    providers: await resourcesByProvider(ctx),
    applications: await applicationCounts(ctx),
    gateway: await gatewayStats(ctx, { since }),
    delivery: await deliveryStats(ctx, { since }),
    registrationLatency: await registrationDeliveryLatency(ctx, { since }),
  };
}
