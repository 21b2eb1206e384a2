/**
 * Network links (网络接入): which unit is connected to which e-government network, since when,
 * how. Visibility follows the unit's region under the directory.network.* scopes.
 */
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Ctx } from '../../../platform/context.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { queryOne, queryRows } from '../../../platform/db/index.ts';
import { conflict, notFound } from '../../../platform/errors.ts';
import { newId } from '../../../platform/ids.ts';
import { networkLinks } from '../tables.ts';
import { DIRECTIONS, EVENTS, LINK_STATUSES, NETWORKS, NETWORK_LABELS, SCOPES, isUuid, type Direction, type LinkStatus, type Network } from '../model.ts';
import { assertWritableRegion, chinaToday, inPrefixes, likeContains, notFoundMessage, prefixesFor, regionCondition, requireScope, toIso, uniqueViolation } from './access.ts';
import { getRegion } from './regions.ts';
import { loadUnit, problemsError, type Page, type Problem, type Unit } from './units.ts';
import { getEventRegistry } from './registry.ts';

export interface NetworkLink {
  id: string;
  unitId: string;
  unitName: string;
  unitStatus: string;
  regionCode: string;
  regionLabel: string;
  network: Network;
  direction: Direction;
  connectedSince: string;
  bandwidthMbps: number | null;
  status: LinkStatus;
  note: string | null;
  isDemo: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ConnectInput {
  unitId: string;
  network: string;
  direction: string;
  /** YYYY-MM-DD, not after today. */
  connectedSince: string;
  bandwidthMbps?: number | null;
  status?: string;
  note?: string | null;
  isDemo?: boolean;
}

export interface LinkPatch {
  id: string;
  direction?: string;
  connectedSince?: string;
  bandwidthMbps?: number | null;
  status?: string;
  note?: string | null;
}

export interface LinkFilter {
  unitId?: string;
  network?: string;
  status?: string;
  /** A region code: links of units in its subtree. */
  region?: string;
  /** Matches the unit's name. */
  q?: string;
  page?: number;
  pageSize?: number;
}

interface LinkSqlRow {
  id: string;
  unit_id: string;
  unit_name: string;
  unit_status: string;
  region_code: string;
  region_label: string;
  network: string;
  direction: string;
  connected_since: string;
  bandwidth_mbps: number | string | null;
  status: string;
  note: string | null;
  is_demo: boolean;
  created_at: Date | string;
  updated_at: Date | string;
}

const SELECT_LINK = sql`SELECT l.id, l.unit_id, u.name AS unit_name, u.status AS unit_status, u.region_code,
    CASE WHEN r.level = 'county' THEN rp.name || ' ' || r.name ELSE r.name END AS region_label,
    l.network, l.direction, to_char(l.connected_since, 'YYYY-MM-DD') AS connected_since, l.bandwidth_mbps, l.status, l.note,
    l.is_demo, l.created_at, l.updated_at
  FROM directory.network_links l
  JOIN directory.units u ON u.id = l.unit_id
  JOIN directory.regions r ON r.code = u.region_code
  LEFT JOIN directory.regions rp ON rp.code = r.parent_code`;

function toLink(r: LinkSqlRow): NetworkLink {
  return {
    id: r.id,
    unitId: r.unit_id,
    unitName: r.unit_name,
    unitStatus: r.unit_status,
    regionCode: r.region_code,
    regionLabel: r.region_label,
    network: r.network as Network,
    direction: r.direction as Direction,
    connectedSince: r.connected_since,
    bandwidthMbps: r.bandwidth_mbps === null ? null : Number(r.bandwidth_mbps),
    status: r.status as LinkStatus,
    note: r.note,
    isDemo: r.is_demo,
    createdAt: toIso(r.created_at),
    updatedAt: toIso(r.updated_at),
  };
}

async function loadLink(ctx: Ctx, id: string): Promise<NetworkLink | null> {
  if (!isUuid(id)) return null;
  const row = await queryOne<LinkSqlRow>(ctx.db, sql`${SELECT_LINK} WHERE l.id = ${id}`);
  return row ? toLink(row) : null;
}

const visibleTo = (ctx: Ctx, regionCode: string) =>
  inPrefixes(prefixesFor(ctx, SCOPES.networkRead), regionCode) || inPrefixes(prefixesFor(ctx, SCOPES.networkWrite), regionCode);

export async function getLink(ctx: Ctx, id: string): Promise<NetworkLink> {
  const link = await loadLink(ctx, id);
  if (!link || !visibleTo(ctx, link.regionCode)) throw notFound('link_not_found', notFoundMessage('link'));
  return link;
}

/**
 * A unit as seen by a network administrator: visible under the directory.network.* scopes
 * (they need not hold directory.unit.read); 404 otherwise.
 */
export async function getUnitForLinks(ctx: Ctx, unitId: string): Promise<Unit> {
  const unit = await loadUnit(ctx, unitId);
  if (!unit || !visibleTo(ctx, unit.regionCode)) throw notFound('unit_not_found', notFoundMessage('unit'));
  return unit;
}

export async function listLinks(ctx: Ctx, filter: LinkFilter = {}): Promise<Page<NetworkLink>> {
  const page = Math.max(1, Math.trunc(filter.page ?? 1));
  const pageSize = Math.min(500, Math.max(1, Math.trunc(filter.pageSize ?? 50)));
  const conds: SQL[] = [regionCondition(sql`u.region_code`, prefixesFor(ctx, SCOPES.networkRead))];
  if (filter.unitId) conds.push(isUuid(filter.unitId) ? sql`l.unit_id = ${filter.unitId}` : sql`false`);
  if (filter.network) conds.push(sql`l.network = ${filter.network}`);
  if (filter.status) conds.push(sql`l.status = ${filter.status}`);
  if (filter.region) {
    const region = await getRegion(ctx, filter.region);
    conds.push(region ? sql`u.region_code LIKE ${`${region.subtreePrefix}%`}` : sql`false`);
  }
  const q = filter.q?.trim().toLowerCase();
  if (q) conds.push(sql`u.search_text LIKE ${likeContains(q)}`);
  const where = sql.join(conds, sql` AND `);
  const total = await queryOne<{ n: string | number }>(
    ctx.db,
    sql`SELECT count(*) AS n FROM directory.network_links l JOIN directory.units u ON u.id = l.unit_id WHERE ${where}`,
  );
  const rows = await queryRows<LinkSqlRow>(
    ctx.db,
    sql`${SELECT_LINK} WHERE ${where} ORDER BY u.region_code, u.name, l.network LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`,
  );
  return { items: rows.map(toLink), total: Number(total?.n ?? 0), page, pageSize };
}

interface LinkState {
  direction: string;
  connectedSince: string;
  bandwidthMbps: number | null;
  status: string;
  note: string | null;
}

function validateLinkState(ctx: Ctx, s: LinkState): Problem[] {
  const problems: Problem[] = [];
  const p = (field: string, code: string, message: string) => problems.push({ field, code, message, status: 400 });
  if (!(DIRECTIONS as readonly string[]).includes(s.direction)) p('direction', 'direction_invalid', '「接入方式」的取值不在允许范围内');
  if (!(LINK_STATUSES as readonly string[]).includes(s.status)) p('status', 'link_status_invalid', '「状态」的取值不在允许范围内');
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s.connectedSince);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!m || !d || d.toISOString().slice(0, 10) !== s.connectedSince || Number(m[1]) < 1990) p('connectedSince', 'date_invalid', '「开通日期」不是有效日期 (格式 YYYY-MM-DD, 不早于 1990 年)');
  else if (s.connectedSince > chinaToday(ctx.clock.now())) p('connectedSince', 'date_in_future', '「开通日期」不能晚于今天');
  if (s.bandwidthMbps !== null && (!Number.isInteger(s.bandwidthMbps) || s.bandwidthMbps < 1 || s.bandwidthMbps > 1_000_000)) {
    p('bandwidthMbps', 'bandwidth_invalid', '「带宽」应为 1 到 1000000 之间的整数 (Mbps)');
  }
  if (s.note !== null && [...s.note].length > 500) p('note', 'note_too_long', '「备注」不能超过 500 个字符');
  return problems;
}

const cleanNote = (v: string | null | undefined): string | null => {
  const t = (v ?? '').trim();
  return t === '' ? null : t;
};

export async function connectUnit(ctx: Ctx, input: ConnectInput): Promise<NetworkLink> {
  requireScope(ctx, SCOPES.networkWrite);
  return inTransaction(ctx, async (tctx) => {
    const unit = await loadUnit(tctx, input.unitId);
    if (!unit || !visibleTo(tctx, unit.regionCode)) throw notFound('unit_not_found', notFoundMessage('unit'));
    assertWritableRegion(tctx, { regionCode: unit.regionCode, readScope: SCOPES.networkRead, writeScope: SCOPES.networkWrite, what: 'unit' });
    const state: LinkState = {
      direction: input.direction,
      connectedSince: (input.connectedSince ?? '').trim(),
      bandwidthMbps: input.bandwidthMbps ?? null,
      status: input.status ?? 'active',
      note: cleanNote(input.note),
    };
    const problems = validateLinkState(tctx, state);
    if (!(NETWORKS as readonly string[]).includes(input.network)) problems.unshift({ field: 'network', code: 'network_invalid', status: 400, message: '「网络」的取值不在允许范围内' });
    if (unit.status !== 'active') problems.push({ field: 'unitId', code: 'unit_inactive', status: 409, message: `单位「${unit.name}」已停用, 不能新增网络接入` });
    if (problems.length > 0) throw problemsError(problems);
    const network = input.network as Network;
    const existing = await queryOne<{ id: string }>(tctx.db, sql`SELECT id FROM directory.network_links WHERE unit_id = ${unit.id} AND network = ${network}`);
    if (existing) throw conflict('link_exists', `「${unit.name}」已有${NETWORK_LABELS[network]}接入记录, 请修改现有记录`);
    const id = newId();
    const now = tctx.clock.now();
    try {
      await tctx.db.insert(networkLinks).values({ id, unitId: unit.id, network, ...state, isDemo: input.isDemo ?? false, createdAt: now, updatedAt: now });
    } catch (err) {
      if (uniqueViolation(err) !== null) throw conflict('link_exists', `「${unit.name}」已有${NETWORK_LABELS[network]}接入记录, 请修改现有记录`);
      throw err;
    }
    const link = (await loadLink(tctx, id))!;
    audit(tctx, {
      action: 'directory.network_link.create',
      targetType: 'directory.unit',
      targetId: unit.id,
      targetLabel: unit.name,
      details: { linkId: id, network, ...state },
    });
    await publish(tctx, getEventRegistry(), { type: EVENTS.linkCreated, orderingKey: unit.id, payload: linkPayload(link) });
    return link;
  });
}

function linkPayload(link: NetworkLink, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { linkId: link.id, unitId: link.unitId, network: link.network, direction: link.direction, status: link.status, connectedSince: link.connectedSince, ...extra };
}

const LINK_FIELDS = ['direction', 'connectedSince', 'bandwidthMbps', 'status', 'note'] as const;

export async function updateLink(ctx: Ctx, input: LinkPatch): Promise<NetworkLink> {
  requireScope(ctx, SCOPES.networkWrite);
  return inTransaction(ctx, async (tctx) => {
    const existing = await loadLink(tctx, input.id);
    if (!existing || !visibleTo(tctx, existing.regionCode)) throw notFound('link_not_found', notFoundMessage('link'));
    assertWritableRegion(tctx, { regionCode: existing.regionCode, readScope: SCOPES.networkRead, writeScope: SCOPES.networkWrite, what: 'link' });
    const next: LinkState = {
      direction: input.direction ?? existing.direction,
      connectedSince: (input.connectedSince ?? existing.connectedSince).trim(),
      bandwidthMbps: input.bandwidthMbps === undefined ? existing.bandwidthMbps : input.bandwidthMbps,
      status: input.status ?? existing.status,
      note: input.note === undefined ? existing.note : cleanNote(input.note),
    };
    const changes: Record<string, { from: string | number | null; to: string | number | null }> = {};
    for (const k of LINK_FIELDS) if (existing[k] !== next[k]) changes[k] = { from: existing[k], to: next[k] };
    if (Object.keys(changes).length === 0) return existing;
    const problems = validateLinkState(tctx, next);
    if (existing.unitStatus !== 'active' && next.status === 'active' && existing.status !== 'active') {
      problems.push({ field: 'status', code: 'unit_inactive', status: 409, message: `单位「${existing.unitName}」已停用, 不能恢复为在用` });
    }
    if (problems.length > 0) throw problemsError(problems);
    await tctx.db.update(networkLinks).set({ ...next, updatedAt: tctx.clock.now() }).where(eq(networkLinks.id, existing.id));
    const link = (await loadLink(tctx, existing.id))!;
    audit(tctx, {
      action: 'directory.network_link.update',
      targetType: 'directory.unit',
      targetId: link.unitId,
      targetLabel: link.unitName,
      details: { linkId: link.id, network: link.network, changes },
    });
    await publish(tctx, getEventRegistry(), { type: EVENTS.linkUpdated, orderingKey: link.unitId, payload: linkPayload(link, { changed: Object.keys(changes) }) });
    return link;
  });
}

/** Suspended links visible to the actor (a workbench pending item for network administrators). */
export async function countSuspendedLinks(ctx: Ctx): Promise<number> {
  const prefixes = prefixesFor(ctx, SCOPES.networkWrite);
  if (prefixes.length === 0) return 0;
  const row = await queryOne<{ n: string | number }>(
    ctx.db,
    sql`SELECT count(*) AS n FROM directory.network_links l JOIN directory.units u ON u.id = l.unit_id
        WHERE l.status = 'suspended' AND u.status = 'active' AND ${regionCondition(sql`u.region_code`, prefixes)}`,
  );
  return Number(row?.n ?? 0);
}
