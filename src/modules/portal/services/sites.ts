/**
 * Sites (网站) and their column trees. A site's staff are those who hold a portal scope at the
 * site's sponsor unit (主办单位); the publishing cases run at that unit too. Every change that a
 * public page may show bumps the site's content_version, which keys every process's page cache.
 */
import type { Ctx, Grant } from '../../../platform/context.ts';
import { hasScope } from '../../../platform/context.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { badRequest, conflict, forbidden, notFound } from '../../../platform/errors.ts';
import { newId } from '../../../platform/ids.ts';
import { siteContentChanged } from '../pages/cache.ts';
import { getRegion, getUnitSummary } from '../../directory/index.ts';
import {
  CHANNELS,
  CHANNEL_LABELS,
  CHANNEL_REPLY_DAYS,
  REPLY_DAYS_RANGE,
  COLUMN_TYPE_LABELS,
  DEFAULT_UPDATE_DAYS,
  EVENTS,
  checkSiteCode,
  iso,
  type Channel,
  type ColumnRow,
  type ColumnType,
  type SiteRow,
} from '../model.ts';

export interface SiteView {
  code: string;
  name: string;
  host: string | null;
  level: SiteRow['level'];
  regionCode: string;
  parentCode: string | null;
  sponsorUnitId: string | null;
  sponsorName: string;
  organizerName: string | null;
  partyLabel: string | null;
  icpNumber: string | null;
  policeNumber: string | null;
  /** 我为政府网站找错 entry; null = the site's own 找错 form. */
  errorReportUrl: string | null;
  /** Reply deadline per message channel in working days (the site's setting, else the platform default). */
  replyDays: Record<Channel, number>;
  contactPhone: string | null;
  contactEmail: string | null;
  address: string | null;
  theme: SiteRow['theme'];
  disclosureGuide: string;
  contentVersion: number;
  contentChangedAt: string;
  status: SiteRow['status'];
  isDemo: boolean;
}

export const siteView = (r: SiteRow): SiteView => ({
  code: r.code,
  name: r.name,
  host: r.host,
  level: r.level,
  regionCode: r.region_code,
  parentCode: r.parent_code,
  sponsorUnitId: r.sponsor_unit_id,
  sponsorName: r.sponsor_name,
  organizerName: r.organizer_name,
  partyLabel: r.party_label,
  icpNumber: r.icp_number,
  policeNumber: r.police_number,
  errorReportUrl: r.error_report_url ?? null,
  replyDays: { ...CHANNEL_REPLY_DAYS, ...(r.reply_days ?? {}) },
  contactPhone: r.contact_phone,
  contactEmail: r.contact_email,
  address: r.address,
  theme: r.theme,
  disclosureGuide: r.disclosure_guide,
  contentVersion: Number(r.content_version),
  contentChangedAt: iso(r.content_changed_at),
  status: r.status,
  isDemo: r.is_demo,
});

export interface ColumnView {
  id: string;
  siteCode: string;
  parentId: string | null;
  slug: string;
  name: string;
  type: ColumnType;
  typeLabel: string;
  updateDays: number | null;
  position: number;
  inNav: boolean;
}

export const columnView = (r: ColumnRow): ColumnView => ({
  id: r.id,
  siteCode: r.site_code,
  parentId: r.parent_id,
  slug: r.slug,
  name: r.name,
  type: r.type,
  typeLabel: COLUMN_TYPE_LABELS[r.type],
  updateDays: r.update_days === null ? null : Number(r.update_days),
  position: Number(r.position),
  inNav: r.in_nav,
});

// ---- access ------------------------------------------------------------------------------------

const isSystem = (ctx: Ctx) => ctx.actor.kind === 'system';

/** The actor's grant holding `scope` at the site's sponsor unit (the site's staff), or null. */
export function siteGrant(ctx: Ctx, site: Pick<SiteView, 'sponsorUnitId'>, scope: string): Grant | null {
  return ctx.actor.grants.find((g) => g.unitId === site.sponsorUnitId && (g.scopes.has(scope) || g.scopes.has('*'))) ?? null;
}

export function canOnSite(ctx: Ctx, site: Pick<SiteView, 'sponsorUnitId'>, scope: string): boolean {
  return isSystem(ctx) || siteGrant(ctx, site, scope) !== null;
}

export function requireOnSite(ctx: Ctx, site: Pick<SiteView, 'sponsorUnitId' | 'name'>, scope: string): void {
  if (!canOnSite(ctx, site, scope)) throw forbidden(`您不是「${site.name}」主办单位中具有该权限的工作人员。`, 'portal_not_site_staff');
}

/** Sites where the actor holds `scope` (at the sponsor unit). */
export async function sitesForActor(ctx: Ctx, scope: string): Promise<SiteView[]> {
  if (isSystem(ctx)) return listSites(ctx);
  const units = [...new Set(ctx.actor.grants.filter((g) => g.scopes.has(scope) || g.scopes.has('*')).map((g) => g.unitId))];
  if (units.length === 0 || !hasScope(ctx.actor, scope)) return [];
  const rows = await queryRows<SiteRow>(ctx.db, sql`SELECT * FROM portal.sites WHERE sponsor_unit_id IN (${sql.join(units.map((u) => sql`${u}`), sql`, `)}) ORDER BY code`);
  return rows.map(siteView);
}

// ---- reads -------------------------------------------------------------------------------------

export async function getSite(ctx: Ctx, code: string): Promise<SiteView | null> {
  if (!checkSiteCode(code).ok) return null;
  const r = await queryOne<SiteRow>(ctx.db, sql`SELECT * FROM portal.sites WHERE code = ${code}`);
  return r ? siteView(r) : null;
}

export async function requireSite(ctx: Ctx, code: string): Promise<SiteView> {
  const s = await getSite(ctx, code);
  if (!s || s.status !== 'active') throw notFound('site_not_found', '网站不存在或已关停。');
  return s;
}

export async function siteByHost(ctx: Ctx, host: string): Promise<SiteView | null> {
  const h = host.toLowerCase().replace(/:\d+$/, '');
  if (!/^[a-z0-9.-]{1,253}$/.test(h)) return null;
  const r = await queryOne<SiteRow>(ctx.db, sql`SELECT * FROM portal.sites WHERE host = ${h} AND status = 'active'`);
  return r ? siteView(r) : null;
}

export async function listSites(ctx: Ctx): Promise<SiteView[]> {
  const rows = await queryRows<SiteRow>(ctx.db, sql`SELECT * FROM portal.sites ORDER BY (level = 'province') DESC, code`);
  return rows.map(siteView);
}

/** The content version of a site (the page cache key); one indexed read. */
export async function siteVersion(ctx: Ctx, code: string): Promise<{ version: number; changedAt: Date } | null> {
  const r = await queryOne<{ content_version: string | number; content_changed_at: Date | string }>(ctx.db, sql`SELECT content_version, content_changed_at FROM portal.sites WHERE code = ${code}`);
  return r ? { version: Number(r.content_version), changedAt: new Date(r.content_changed_at) } : null;
}

/** Marks a site's public pages stale (in the caller's transaction). */
export async function bumpSite(ctx: Ctx, code: string): Promise<void> {
  siteContentChanged(code);
  await ctx.db.execute(sql`UPDATE portal.sites SET content_version = content_version + 1, content_changed_at = ${ctx.clock.now().toISOString()} WHERE code = ${code}`);
}

export async function listColumns(ctx: Ctx, siteCode: string): Promise<ColumnView[]> {
  const rows = await queryRows<ColumnRow>(ctx.db, sql`SELECT * FROM portal.columns WHERE site_code = ${siteCode} ORDER BY parent_id NULLS FIRST, position, name`);
  return rows.map(columnView);
}

export async function getColumn(ctx: Ctx, id: string): Promise<ColumnView | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const r = await queryOne<ColumnRow>(ctx.db, sql`SELECT * FROM portal.columns WHERE id = ${id}`);
  return r ? columnView(r) : null;
}

export async function columnBySlug(ctx: Ctx, siteCode: string, slug: string): Promise<ColumnView | null> {
  const r = await queryOne<ColumnRow>(ctx.db, sql`SELECT * FROM portal.columns WHERE site_code = ${siteCode} AND slug = ${slug}`);
  return r ? columnView(r) : null;
}

// ---- changes -----------------------------------------------------------------------------------

export interface SiteInput {
  code: string;
  name: string;
  host?: string | null;
  level: SiteRow['level'];
  parentCode?: string | null;
  sponsorUnitId: string;
  organizerName?: string | null;
  partyLabel?: string | null;
  icpNumber?: string | null;
  policeNumber?: string | null;
  errorReportUrl?: string | null;
  contactPhone?: string | null;
  contactEmail?: string | null;
  address?: string | null;
  theme?: SiteRow['theme'];
  disclosureGuide?: string;
  isDemo?: boolean;
}

export const SITE_THEMES = ['red', 'blue', 'green'] as const;
export const SITE_THEME_LABELS: Record<SiteRow['theme'], string> = { red: '红色 (党政)', blue: '蓝色', green: '绿色' };
export const SITE_LEVELS = ['province', 'city', 'county', 'department'] as const;
export const SITE_LEVEL_LABELS: Record<SiteRow['level'], string> = { province: '省级门户', city: '市级门户', county: '县级门户', department: '部门网站' };

const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;
const blankToNull = (v: string | null | undefined): string | null | undefined => (v === undefined ? undefined : v === null || v.trim() === '' ? null : v.trim());

/** Field checks shared by opening a site and changing its settings; every problem at once, in Chinese. */
async function siteFieldProblems(ctx: Ctx, v: Omit<SitePatch, 'code'> & { parentCode?: string | null }, selfCode: string | null): Promise<{ field: string; message: string }[]> {
  const problems: { field: string; message: string }[] = [];
  const max = (field: keyof typeof v, label: string, n: number) => {
    const x = v[field];
    if (typeof x === 'string' && x.length > n) problems.push({ field, message: `${label}不能超过 ${n} 个字` });
  };
  if (v.name !== undefined && !v.name.trim()) problems.push({ field: 'name', message: '请填写网站名称' });
  max('name', '网站名称', 100);
  if (v.host && !HOST.test(v.host)) problems.push({ field: 'host', message: '域名格式不正确, 如 www.henan.gov.cn' });
  max('organizerName', '承办单位', 100);
  max('partyLabel', '党政机关标识', 50);
  max('icpNumber', 'ICP备案号', 50);
  max('policeNumber', '公安机关备案号', 50);
  max('contactPhone', '联系电话', 30);
  max('address', '地址', 200);
  max('disclosureGuide', '政府信息公开指南', 20_000);
  if (v.contactEmail && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.contactEmail)) problems.push({ field: 'contactEmail', message: '电子邮箱格式不正确' });
  if (v.errorReportUrl) {
    let ok: boolean;
    try {
      ok = ['https:', 'http:'].includes(new URL(v.errorReportUrl).protocol) && v.errorReportUrl.length <= 500;
    } catch {
      ok = false;
    }
    if (!ok) problems.push({ field: 'errorReportUrl', message: '「我为政府网站找错」入口应为 http(s):// 开头的网址' });
  }
  if (v.theme !== undefined && !(SITE_THEMES as readonly string[]).includes(v.theme)) problems.push({ field: 'theme', message: '请选择主题' });
  if (v.parentCode) {
    if (v.parentCode === selfCode) problems.push({ field: 'parentCode', message: '上级网站不能是本网站' });
    else if (!(await queryOne(ctx.db, sql`SELECT 1 FROM portal.sites WHERE code = ${v.parentCode}`))) problems.push({ field: 'parentCode', message: '上级网站不存在' });
  }
  return problems;
}

const invalid = (problems: { field: string; message: string }[]) => badRequest('validation_failed', problems.map((p) => p.message).join('; '), problems);

/** Opens a site (网站开办). Only holders of portal.site.manage at the sponsor unit or above it. */
export async function createSite(ctx: Ctx, input: SiteInput): Promise<SiteView> {
  const check = checkSiteCode(input.code);
  if (!check.ok) throw badRequest('site_code_invalid', check.message, [{ field: 'code', message: check.message }]);
  const unit = await getUnitSummary(ctx, input.sponsorUnitId);
  if (!unit || unit.status !== 'active') throw badRequest('validation_failed', '主办单位不存在或已停用', [{ field: 'sponsorUnitId', message: '主办单位不存在或已停用' }]);
  if (check.kind === 'local') {
    const region = await getRegion(ctx, check.regionCode).catch(() => null);
    if (!region) throw badRequest('site_code_invalid', `网站标识码前 6 位「${check.regionCode}」不是已知的行政区划代码`, [{ field: 'code', message: '前 6 位不是已知的行政区划代码' }]);
    if (unit.regionCode !== check.regionCode) {
      throw badRequest('site_code_invalid', `网站标识码的行政区划「${check.regionCode}」与主办单位所在区划「${unit.regionCode}」不符`, [{ field: 'code', message: '与主办单位所在区划不符' }]);
    }
  }
  if (!isSystem(ctx) && !ctx.actor.grants.some((g) => (g.scopes.has('portal.site.manage') || g.scopes.has('*')) && unit.regionCode.startsWith(g.regionPrefix))) {
    throw forbidden('您没有在该区划开办网站的权限。');
  }
  if (!(SITE_LEVELS as readonly string[]).includes(input.level)) throw invalid([{ field: 'level', message: '请选择网站层级' }]);
  const host = input.host ? input.host.trim().toLowerCase() : null;
  const fields = { ...input, host, errorReportUrl: blankToNull(input.errorReportUrl), contactEmail: blankToNull(input.contactEmail), parentCode: blankToNull(input.parentCode) };
  const problems = await siteFieldProblems(ctx, fields, input.code);
  if (problems.length) throw invalid(problems);
  return inTransaction(ctx, async (tctx) => {
    if (await queryOne(tctx.db, sql`SELECT 1 FROM portal.sites WHERE code = ${input.code}`)) throw conflict('site_exists', `网站标识码 ${input.code} 已被使用。`);
    if (host && (await queryOne(tctx.db, sql`SELECT 1 FROM portal.sites WHERE host = ${host}`))) throw conflict('host_taken', `域名 ${host} 已被其他网站使用。`);
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`INSERT INTO portal.sites (code, name, host, level, region_code, parent_code, sponsor_unit_id, sponsor_name, organizer_name, party_label,
        icp_number, police_number, error_report_url, contact_phone, contact_email, address, theme, disclosure_guide, content_version, content_changed_at, status, is_demo, created_at, updated_at)
      VALUES (${input.code}, ${input.name.trim()}, ${host}, ${input.level}, ${unit.regionCode}, ${fields.parentCode ?? null}, ${unit.id}, ${unit.name},
        ${blankToNull(input.organizerName) ?? null}, ${blankToNull(input.partyLabel) ?? null}, ${blankToNull(input.icpNumber) ?? null}, ${blankToNull(input.policeNumber) ?? null},
        ${fields.errorReportUrl ?? null}, ${blankToNull(input.contactPhone) ?? null}, ${fields.contactEmail ?? null}, ${blankToNull(input.address) ?? null}, ${input.theme ?? 'red'},
        ${input.disclosureGuide ?? ''}, 1, ${now}, 'active', ${input.isDemo ?? false}, ${now}, ${now})`);
    audit(tctx, { action: 'portal.site.create', targetType: 'portal.site', targetId: input.code, targetLabel: input.name, details: { sponsorUnitId: unit.id, host } });
    await publish(tctx, { type: EVENTS.siteCreated, orderingKey: input.code, payload: { code: input.code, name: input.name, regionCode: unit.regionCode } });
    return (await getSite(tctx, input.code))!;
  });
}

export interface SitePatch {
  code: string;
  name?: string;
  host?: string | null;
  organizerName?: string | null;
  partyLabel?: string | null;
  icpNumber?: string | null;
  policeNumber?: string | null;
  errorReportUrl?: string | null;
  /** Per channel; a channel left out keeps its current deadline. */
  replyDays?: Partial<Record<Channel, number>>;
  contactPhone?: string | null;
  contactEmail?: string | null;
  address?: string | null;
  theme?: SiteRow['theme'];
  disclosureGuide?: string;
}

/** Changes the site's settings and footer elements (the site's admins). Empty text clears a field. */
export async function updateSite(ctx: Ctx, input: SitePatch): Promise<SiteView> {
  const site = await requireSite(ctx, input.code);
  requireOnSite(ctx, site, 'portal.site.manage');
  const patch: Omit<SitePatch, 'code'> = {
    name: input.name?.trim(),
    host: input.host === undefined ? undefined : blankToNull(input.host)?.toLowerCase() ?? null,
    organizerName: blankToNull(input.organizerName),
    partyLabel: blankToNull(input.partyLabel),
    icpNumber: blankToNull(input.icpNumber),
    policeNumber: blankToNull(input.policeNumber),
    errorReportUrl: blankToNull(input.errorReportUrl),
    contactPhone: blankToNull(input.contactPhone),
    contactEmail: blankToNull(input.contactEmail),
    address: blankToNull(input.address),
    theme: input.theme,
    disclosureGuide: input.disclosureGuide,
  };
  const problems = await siteFieldProblems(ctx, patch, site.code);
  for (const [channel, days] of Object.entries(input.replyDays ?? {})) {
    if (!CHANNELS.includes(channel as Channel)) problems.push({ field: `replyDays.${channel}`, message: `未知的留言渠道「${channel}」` });
    else if (!Number.isInteger(days) || days < REPLY_DAYS_RANGE.min || days > REPLY_DAYS_RANGE.max) {
      problems.push({ field: `replyDays.${channel}`, message: `${CHANNEL_LABELS[channel as Channel]}的答复期限应为 ${REPLY_DAYS_RANGE.min} 至 ${REPLY_DAYS_RANGE.max} 个工作日` });
    }
  }
  // Only what differs from the platform default is stored, so a changed default applies to sites that never chose.
  const replyDays = Object.fromEntries(CHANNELS.map((c) => [c, input.replyDays?.[c] ?? site.replyDays[c]]).filter(([c, d]) => d !== CHANNEL_REPLY_DAYS[c as Channel]));
  if (problems.length) throw invalid(problems);
  return inTransaction(ctx, async (tctx) => {
    if (patch.host && patch.host !== site.host && (await queryOne(tctx.db, sql`SELECT 1 FROM portal.sites WHERE host = ${patch.host} AND code <> ${site.code}`))) {
      throw conflict('host_taken', `域名 ${patch.host} 已被其他网站使用。`);
    }
    const now = tctx.clock.now().toISOString();
    const v = <T>(x: T | undefined, cur: T): T => (x === undefined ? cur : x);
    await tctx.db.execute(sql`UPDATE portal.sites SET name = ${v(patch.name, site.name)}, host = ${v(patch.host, site.host)}, organizer_name = ${v(patch.organizerName, site.organizerName)},
      party_label = ${v(patch.partyLabel, site.partyLabel)}, icp_number = ${v(patch.icpNumber, site.icpNumber)}, police_number = ${v(patch.policeNumber, site.policeNumber)},
      error_report_url = ${v(patch.errorReportUrl, site.errorReportUrl)}, contact_phone = ${v(patch.contactPhone, site.contactPhone)}, contact_email = ${v(patch.contactEmail, site.contactEmail)},
      address = ${v(patch.address, site.address)}, theme = ${v(patch.theme, site.theme)}, disclosure_guide = ${v(patch.disclosureGuide, site.disclosureGuide)},
      reply_days = ${JSON.stringify(replyDays)}::jsonb, updated_at = ${now} WHERE code = ${site.code}`);
    await bumpSite(tctx, site.code);
    const changed: string[] = (Object.keys(patch) as (keyof typeof patch)[]).filter((k) => patch[k] !== undefined && patch[k] !== site[k]);
    if (CHANNELS.some((c) => (input.replyDays?.[c] ?? site.replyDays[c]) !== site.replyDays[c])) changed.push('replyDays');
    audit(tctx, { action: 'portal.site.update', targetType: 'portal.site', targetId: site.code, targetLabel: site.name, details: { changed } });
    await publish(tctx, { type: EVENTS.siteUpdated, orderingKey: site.code, payload: { code: site.code, changed } });
    return (await getSite(tctx, site.code))!;
  });
}

export interface ColumnInput {
  siteCode: string;
  parentId?: string | null;
  slug: string;
  name: string;
  type: ColumnType;
  updateDays?: number | null;
  position?: number;
  inNav?: boolean;
  isDemo?: boolean;
}

export async function createColumn(ctx: Ctx, input: ColumnInput): Promise<ColumnView> {
  const site = await requireSite(ctx, input.siteCode);
  requireOnSite(ctx, site, 'portal.site.manage');
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(input.slug)) throw badRequest('validation_failed', '栏目路径名应为小写字母、数字或连字符', [{ field: 'slug', message: '栏目路径名应为小写字母、数字或连字符' }]);
  if (['search', 'articles', 'disclosure', 'apply', 'interaction', 'rss', 'sitemap.xml', 'health', 'assets', 'a11y'].includes(input.slug)) {
    throw badRequest('validation_failed', `「${input.slug}」是保留路径`, [{ field: 'slug', message: '保留路径, 请换一个' }]);
  }
  if (input.updateDays !== undefined && input.updateDays !== null && !(Number.isInteger(input.updateDays) && input.updateDays >= 1 && input.updateDays <= 3650)) {
    throw badRequest('validation_failed', '应更新周期应为 1 至 3650 天', [{ field: 'updateDays', message: '应更新周期应为 1 至 3650 天' }]);
  }
  if (!input.name?.trim() || input.name.length > 50) throw badRequest('validation_failed', '栏目名称应为 1 至 50 个字', [{ field: 'name', message: '栏目名称应为 1 至 50 个字' }]);
  return inTransaction(ctx, async (tctx) => {
    if (input.parentId) {
      const parent = await getColumn(tctx, input.parentId);
      if (!parent || parent.siteCode !== site.code) throw badRequest('validation_failed', '上级栏目不属于本网站', [{ field: 'parentId', message: '上级栏目不属于本网站' }]);
    }
    if (await columnBySlug(tctx, site.code, input.slug)) throw conflict('column_exists', `本网站已有路径名为「${input.slug}」的栏目。`);
    const id = newId();
    const updateDays = input.updateDays === undefined ? DEFAULT_UPDATE_DAYS[input.type] ?? null : input.updateDays;
    await tctx.db.execute(sql`INSERT INTO portal.columns (id, site_code, parent_id, slug, name, type, update_days, position, in_nav, is_demo, created_at)
      VALUES (${id}, ${site.code}, ${input.parentId ?? null}, ${input.slug}, ${input.name.trim()}, ${input.type}, ${updateDays}, ${input.position ?? 0}, ${input.inNav ?? true},
        ${input.isDemo ?? false}, ${tctx.clock.now().toISOString()})`);
    await bumpSite(tctx, site.code);
    audit(tctx, { action: 'portal.column.create', targetType: 'portal.column', targetId: id, targetLabel: `${site.name} / ${input.name}`, details: { type: input.type, slug: input.slug } });
    await publish(tctx, { type: EVENTS.columnCreated, orderingKey: site.code, payload: { siteCode: site.code, columnId: id, type: input.type } });
    return (await getColumn(tctx, id))!;
  });
}
