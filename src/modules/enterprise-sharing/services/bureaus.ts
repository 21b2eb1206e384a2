/**
 * The tax bureaus' connection to the exchange: each bureau is a directory unit, an exchange member
 * with a receiving subsystem that holds a grant on market regulation's enterprise registration
 * topic and subscribes to it with a webhook pointing at this module; the bureaus publish the tax
 * clearance topic, to which market regulation's registration system subscribes. The registries
 * learn each bureau as a clearance authority for its region. Everything here is idempotent, so the
 * demo seed, tests and benchmarks share it.
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope } from '../../../platform/context.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { createUnit, findUnit } from '../../directory/index.ts';
import { setClearanceAuthority } from '../../registries/index.ts';
import {
  createGrant, createMember, createSubsystem, findActiveGrant, getResource, listSubscriptions, listSubsystems, memberForUnit, publishResource, subscribe,
  type ResourceView, type SubsystemView,
} from '../../exchange/index.ts';
import { DEMO_BUREAUS, EVENTS, TOPIC_CODES, WEBHOOK_PATHS, type BureauSpec } from '../model.ts';

export interface Bureau {
  code: string;
  name: string;
  unitId: string;
  regionPrefix: string;
  subsystemId: string;
  isDemo: boolean;
}

interface BureauRow {
  code: string;
  name: string;
  unit_id: string;
  region_prefix: string;
  subsystem_id: string;
  is_demo: boolean;
}

const bureauOf = (r: BureauRow): Bureau => ({ code: r.code, name: r.name, unitId: r.unit_id, regionPrefix: r.region_prefix, subsystemId: r.subsystem_id, isDemo: r.is_demo });

export async function getBureau(ctx: Ctx, input: { code: string }): Promise<Bureau | null> {
  const row = await queryOne<BureauRow>(ctx.db, sql`SELECT * FROM tax.bureaus WHERE code = ${input.code}`);
  return row ? bureauOf(row) : null;
}

export async function listBureaus(ctx: Ctx): Promise<Bureau[]> {
  return (await queryRows<BureauRow>(ctx.db, sql`SELECT * FROM tax.bureaus ORDER BY region_prefix, code`)).map(bureauOf);
}

/** The bureaus whose staff the actor is for `scope` (the unit of a grant holding it); all for the platform itself. */
export async function bureausFor(ctx: Ctx, scope: string): Promise<Bureau[]> {
  if (hasScope(ctx.actor, '*')) return listBureaus(ctx);
  const units = new Set(ctx.actor.grants.filter((g) => g.scopes.has(scope)).map((g) => g.unitId));
  if (units.size === 0) return [];
  return (await listBureaus(ctx)).filter((b) => units.has(b.unitId));
}

const REGISTRATION_PURPOSE = '税务登记: 接收市场主体设立、变更、注销登记信息, 办理税务登记和注销前清税 (工商企注字〔2015〕228号)';
const CLEARANCE_PURPOSE = '注销登记: 接收税务机关的清税信息和税务登记信息 (工商企注字〔2015〕228号)';

async function ensureUnit(ctx: Ctx, spec: BureauSpec, isDemo: boolean): Promise<string> {
  const found = await findUnit(ctx, { regionCode: spec.regionCode, unitType: 'department', name: spec.name });
  if (found) return found.id;
  return (await createUnit(ctx, { name: spec.name, unitType: 'department', regionCode: spec.regionCode, isDemo })).id;
}

async function ensureSubsystem(ctx: Ctx, spec: BureauSpec, unitId: string, isDemo: boolean): Promise<SubsystemView> {
  const member = (await memberForUnit(ctx, { unitId })) ?? (await createMember(ctx, { memberClass: 'GOV', memberCode: spec.memberCode, name: spec.name, unitId, isDemo }));
  const existing = (await listSubsystems(ctx, { memberId: member.id })).find((s) => s.code === spec.subsystem.code);
  return existing ?? createSubsystem(ctx, { memberId: member.id, code: spec.subsystem.code, name: spec.subsystem.name, description: spec.subsystem.description });
}

/** An active grant and a live subscription of `subscriber` to `topic` at `webhookUrl` (made when missing). */
async function ensureSubscription(ctx: Ctx, topic: ResourceView, subscriber: SubsystemView, webhookUrl: string, purpose: string): Promise<void> {
  if (!(await findActiveGrant(ctx, { clientSubsystemId: subscriber.id, resourceId: topic.id }))) {
    await createGrant(ctx, { resourceId: topic.id, subsystemId: subscriber.id, purpose });
  }
  const subs = await listSubscriptions(ctx, { resourceId: topic.id, subscriberSubsystemId: subscriber.id });
  if (!subs.some((s) => s.webhookUrl === webhookUrl)) await subscribe(ctx, { resourceId: topic.id, subscriberSubsystemId: subscriber.id, webhookUrl });
}

async function ensureClearanceTopic(ctx: Ctx, provider: SubsystemView, isDemo: boolean): Promise<ResourceView> {
  try {
    return await getResource(ctx, { code: TOPIC_CODES.taxClearance });
  } catch {
    return publishResource(ctx, {
      code: TOPIC_CODES.taxClearance,
      catalogType: 'department',
      classification: '部门信息资源/税务/税务登记',
      name: '清税信息和税务登记信息 (反馈市场监管)',
      providerSubsystemId: provider.id,
      abstract: '税务机关对注销申请的清税答复 (已清税或未清事项), 以及确认接收企业后的主管税务机关、生产经营地、财务负责人和核算方式',
      format: 'JSON 事件 (Webhook 推送)',
      kind: 'topic',
      serviceCode: 'tax-clearance',
      items: [
        { name: '事件类型', type: '字符型 C', description: 'clearance 清税信息 / tax_registration 税务登记信息' },
        { name: '统一社会信用代码', type: '字符型 C', description: 'GB 32100' },
        { name: '税务机关名称', type: '字符型 C' },
        { name: '是否已清税', type: '布尔型 B' },
        { name: '未清事项', type: '字符型 C' },
        { name: '生产经营地', type: '字符型 C' },
        { name: '财务负责人', type: '字符型 C' },
        { name: '核算方式', type: '字符型 C', description: '独立核算 / 非独立核算' },
        { name: '答复时间', type: '日期时间型 T' },
      ],
      shareType: 'conditional',
      shareCondition: '限于市场监管部门办理注销登记和维护法人单位基础信息',
      legalBasis: '工商企注字〔2015〕228号: 税务机关向登记机关反馈清税信息和税务登记变更信息',
      shareMethod: '事件订阅 (Webhook 推送, 至少一次, 按企业保序)',
      openType: 'closed',
      updateCycle: '实时',
      relatedCodes: [TOPIC_CODES.enterpriseRegistration],
      isDemo,
    });
  }
}

/**
 * Connects the tax bureaus (the demo's two by default): units, members, subsystems, grants and
 * subscriptions, the clearance topic, market regulation's subscription to it and the registries'
 * clearance authorities. `baseUrl` is where the exchange reaches this platform (config.internalBaseUrl).
 * Needs the enterprise registration topic in the catalog (the exchange demo publishes it).
 */
export async function connectTaxBureaus(ctx: Ctx, input: { baseUrl: string; bureaus?: BureauSpec[]; isDemo?: boolean }): Promise<Bureau[]> {
  const base = input.baseUrl.replace(/\/+$/, '');
  const isDemo = input.isDemo ?? false;
  const registration = await getResource(ctx, { code: TOPIC_CODES.enterpriseRegistration });
  const specs = input.bureaus ?? DEMO_BUREAUS;
  const out: Bureau[] = [];
  let clearanceProvider: SubsystemView | null = null;
  for (const spec of specs) {
    const unitId = await ensureUnit(ctx, spec, isDemo);
    const subsystem = await ensureSubsystem(ctx, spec, unitId, isDemo);
    clearanceProvider ??= subsystem;
    await inTransaction(ctx, async (tx) => {
      await tx.db.execute(sql`INSERT INTO tax.bureaus (code, name, unit_id, region_prefix, subsystem_id, is_demo, created_at)
        VALUES (${spec.code}, ${spec.name}, ${unitId}, ${spec.regionPrefix}, ${subsystem.id}, ${isDemo}, ${tx.clock.now()})
        ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, unit_id = EXCLUDED.unit_id, region_prefix = EXCLUDED.region_prefix, subsystem_id = EXCLUDED.subsystem_id`);
      audit(tx, { action: 'tax.bureau.connect', targetType: 'tax.bureau', targetId: spec.code, targetLabel: spec.name, details: { subsystem: subsystem.xroadId, regionPrefix: spec.regionPrefix } });
      await publish(tx, { type: EVENTS.bureauConnected, orderingKey: spec.code, payload: { code: spec.code, subsystemId: subsystem.id, regionPrefix: spec.regionPrefix } });
    });
    await ensureSubscription(ctx, registration, subsystem, `${base}${WEBHOOK_PATHS.taxRegistrations(spec.code)}`, REGISTRATION_PURPOSE);
    await setClearanceAuthority(ctx, { code: spec.code, name: spec.name, regionPrefix: spec.regionPrefix });
    out.push((await getBureau(ctx, { code: spec.code }))!);
  }
  if (clearanceProvider) {
    const clearance = await ensureClearanceTopic(ctx, clearanceProvider, isDemo);
    await ensureSubscription(ctx, clearance, registration.provider, `${base}${WEBHOOK_PATHS.marketClearances}`, CLEARANCE_PURPOSE);
  }
  return out;
}
