/**
 * Site health (网站健康检查): the inspection's single-veto rules (国办秘函〔2019〕19号) —
 * homepage not updated for 2 weeks, stale columns (≥ 5 vetoes), empty columns (≥ 5 vetoes),
 * messages unanswered for more than 3 months — plus broken internal links (a deduction item).
 *
 * Computed continuously: the worker task `site-health` rechecks every site whose `due_at` has
 * come (every HEALTH_RECHECK_MINUTES, and at once after a publish, withdrawal or reply — the
 * event handler `portal.health-due` sets `due_at` to now), claiming rows with SKIP LOCKED so
 * several workers share the load. The result is stored per site with the time of the check
 * (`portal.site_health`); pages read the stored result. A change of health (a veto raised or
 * cleared, broken links appearing or gone) is written to `portal.site_health_changes` with an
 * audit record and the event `portal.site.health_changed`, for the security platform.
 * Availability (≥ 5 % slow or failed probes) needs an outside prober and is not computed here.
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { newId } from '../../../platform/ids.ts';
import { getAttachment } from '../../../platform/files/index.ts';
import { ARTICLE_ATTACHMENT_OWNER, EVENTS, UNANSWERED_VETO_DAYS, iso, isoOrNull } from '../model.ts';
import { listSites, requireSite, siteByHost, type SiteView } from './sites.ts';

export type HealthKey = 'homepage' | 'stale_columns' | 'empty_columns' | 'unanswered' | 'broken_links';
export const HEALTH_KEYS: readonly HealthKey[] = ['homepage', 'stale_columns', 'empty_columns', 'unanswered', 'broken_links'];

export interface HealthCheck {
  key: HealthKey;
  label: string;
  value: number;
  veto: boolean;
  details: string[];
}

export interface SiteHealth {
  code: string;
  name: string;
  lastPublishedAt: string | null;
  checks: HealthCheck[];
  vetoed: boolean;
}

export interface StoredSiteHealth extends SiteHealth {
  /** When the stored result was computed; null = not checked yet. */
  checkedAt: string | null;
  dueAt: string | null;
}

export interface HealthChange {
  id: string;
  siteCode: string;
  changedAt: string;
  checkKey: HealthKey;
  change: 'veto_raised' | 'veto_cleared' | 'issue_raised' | 'issue_cleared';
  valueBefore: number | null;
  valueAfter: number;
  details: string[];
}

/** A full recheck of every site at least this often (time alone makes homepages and columns stale). */
export const HEALTH_RECHECK_MINUTES = 30;
const DAY = 86_400_000;
const MAX_DETAILS = 50;

// ---- internal links ----------------------------------------------------------------------------

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const BODY_LINK = /\]\(((?:\/|https?:\/\/)[^)\s]{0,500})\)/g;
/** Site pages that exist whenever the site does. */
const SITE_FIXED = /^(?:\/?|\/search|\/sitemap\.xml|\/disclosure|\/disclosure\/guide|\/disclosure\/reports\/\d{4}(?:\/pdf)?|\/interaction|\/interaction\/write|\/apply)$/;

/**
 * Whether an internal link of a live article resolves for a visitor, by the data behind the
 * platform's own routes: /sites/{code}/… (columns, live articles, solicitations, surveys),
 * site-relative /c/… and /articles/… (as served by host name), /files/{id} (attachments — of a
 * live article when they belong to one), and absolute URLs on a site's host name. Returns null
 * for links this check does not judge (other sites, other platform pages).
 */
async function linkProblem(ctx: Ctx, ownSite: string, href: string): Promise<string | null | 'ok'> {
  let path: string;
  let siteCode: string | null = null;
  if (/^https?:\/\//.test(href)) {
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      return '地址格式错误';
    }
    const site = await siteByHost(ctx, url.host);
    if (!site) return null; // not one of ours
    siteCode = site.code;
    path = url.pathname;
  } else {
    path = href.replace(/[?#].*$/, '');
  }
  const inSite = path.match(/^\/sites\/([0-9a-z]{10})(\/.*)?$/);
  if (inSite) {
    siteCode = inSite[1];
    path = inSite[2] ?? '/';
  } else if (/^\/(c|articles)\//.test(path)) {
    siteCode ??= ownSite;
  } else if (siteCode === null) {
    const file = path.match(new RegExp(`^/files/(${UUID})$`, 'i'));
    if (file) return fileProblem(ctx, file[1]);
    if (/^\/files\//.test(path)) return '附件不存在';
    return null;
  }
  const site = await queryOne<{ status: string }>(ctx.db, sql`SELECT status FROM portal.sites WHERE code = ${siteCode}`);
  if (!site) return `网站 ${siteCode} 不存在`;
  if (site.status !== 'active') return `网站 ${siteCode} 已关停`;
  if (SITE_FIXED.test(path)) return 'ok';
  const col = path.match(/^\/c\/([a-z0-9-]+)\/?(?:rss\.xml)?$/);
  if (col) return (await queryOne(ctx.db, sql`SELECT 1 FROM portal.columns WHERE site_code = ${siteCode} AND slug = ${col[1]}`)) ? 'ok' : `栏目「${col[1]}」不存在`;
  const art = path.match(new RegExp(`^/articles/(${UUID})$`, 'i'));
  if (art) {
    const a = await queryOne<{ live: boolean }>(ctx.db, sql`SELECT (live_version IS NOT NULL) AS live FROM portal.articles WHERE id = ${art[1]} AND site_code = ${siteCode}`);
    return !a ? '信息不存在' : a.live ? 'ok' : '信息已撤稿或未发布';
  }
  const sol = path.match(new RegExp(`^/interaction/solicitations/(${UUID})$`, 'i'));
  if (sol) return (await queryOne(ctx.db, sql`SELECT 1 FROM portal.solicitations WHERE id = ${sol[1]} AND site_code = ${siteCode}`)) ? 'ok' : '意见征集不存在';
  const sur = path.match(new RegExp(`^/interaction/surveys/(${UUID})$`, 'i'));
  if (sur) return (await queryOne(ctx.db, sql`SELECT 1 FROM portal.surveys WHERE id = ${sur[1]} AND site_code = ${siteCode}`)) ? 'ok' : '网上调查不存在';
  return '页面不存在';
}

async function fileProblem(ctx: Ctx, id: string): Promise<string | 'ok'> {
  const f = await getAttachment(ctx, { id });
  if (!f) return '附件不存在';
  if (f.ownerType !== ARTICLE_ATTACHMENT_OWNER) return 'ok';
  // Attachments of a draft or withdrawn article are not public (the module's attachment policy).
  const a = await queryOne<{ live: boolean }>(ctx.db, sql`SELECT (live_version IS NOT NULL) AS live FROM portal.articles WHERE id::text = ${f.ownerId}`);
  return a?.live ? 'ok' : '附件所属信息已撤稿或未发布, 公众无法下载';
}

// ---- computing ---------------------------------------------------------------------------------

/** Computes a site's health from the data now (no storing). */
export async function computeSiteHealth(ctx: Ctx, site: SiteView): Promise<SiteHealth> {
  const now = ctx.clock.now().getTime();
  const cols = await queryRows<{ id: string; name: string; slug: string; type: string; update_days: number | null; last: Date | string | null; n: string }>(ctx.db, sql`
    SELECT c.id, c.name, c.slug, c.type, c.update_days, max(a.published_at) AS last, count(a.id) AS n
    FROM portal.columns c LEFT JOIN portal.articles a ON a.column_id = c.id AND a.live_version IS NOT NULL
    WHERE c.site_code = ${site.code} GROUP BY c.id, c.name, c.slug, c.type, c.update_days ORDER BY c.position, c.name`);
  const lastAll = cols.map((c) => (c.last ? new Date(c.last).getTime() : 0)).reduce((a, b) => Math.max(a, b), 0);
  const homepageIdle = lastAll === 0 ? Infinity : Math.floor((now - lastAll) / DAY);
  const contentCols = cols.filter((c) => !['services', 'interaction', 'overview'].includes(c.type));
  const stale = cols.filter((c) => c.update_days !== null && Number(c.n) > 0 && c.last && now - new Date(c.last).getTime() > Number(c.update_days) * DAY);
  const empty = contentCols.filter((c) => Number(c.n) === 0);
  // 互动回应差: valid enquiries unanswered > 3 months (找错 reports are not 政务咨询).
  const unanswered = await queryRows<{ title: string; received_at: Date | string; unit_name: string }>(ctx.db, sql`SELECT title, received_at, unit_name FROM portal.messages
    WHERE site_code = ${site.code} AND channel <> 'error_report' AND replied_at IS NULL AND received_at < ${new Date(now - UNANSWERED_VETO_DAYS * DAY).toISOString()} ORDER BY received_at LIMIT ${MAX_DETAILS}`);
  const bodies = await queryRows<{ id: string; live_title: string; live_body: string }>(ctx.db, sql`SELECT id, live_title, live_body FROM portal.articles
    WHERE site_code = ${site.code} AND live_version IS NOT NULL AND live_body LIKE '%](%' ORDER BY published_at DESC`);
  const broken: string[] = [];
  const seen = new Map<string, string | null>();
  for (const b of bodies) {
    for (const m of b.live_body.matchAll(BODY_LINK)) {
      const href = m[1];
      if (!seen.has(href)) {
        const p = await linkProblem(ctx, site.code, href);
        seen.set(href, p === 'ok' ? null : p);
      }
      const problem = seen.get(href);
      if (problem) broken.push(`「${b.live_title}」中的链接 ${href}: ${problem}`);
    }
  }
  const fmt = (d: Date | string | null) => (d ? iso(d).slice(0, 10) : '从未更新');
  const checks: HealthCheck[] = [
    {
      key: 'homepage',
      label: '首页 2 周内有更新',
      value: homepageIdle === Infinity ? -1 : homepageIdle,
      veto: homepageIdle > 14,
      details: [homepageIdle === Infinity ? '网站没有任何已发布信息' : `最近一次更新在 ${homepageIdle} 天前`],
    },
    { key: 'stale_columns', label: '不更新栏目少于 5 个 (动态 2 周, 通知公告和政策文件 6 个月)', value: stale.length, veto: stale.length >= 5, details: stale.map((c) => `${c.name}: 最近更新 ${fmt(c.last)}, 应每 ${c.update_days} 天更新`) },
    { key: 'empty_columns', label: '空白栏目少于 5 个', value: empty.length, veto: empty.length >= 5, details: empty.map((c) => c.name) },
    { key: 'unanswered', label: '没有超过 3 个月未答复的留言', value: unanswered.length, veto: unanswered.length > 0, details: unanswered.map((u) => `${u.title} (${u.unit_name}, 受理于 ${fmt(u.received_at)})`) },
    { key: 'broken_links', label: '没有错误的站内链接 (扣分项)', value: broken.length, veto: false, details: broken.slice(0, MAX_DETAILS) },
  ];
  return { code: site.code, name: site.name, lastPublishedAt: lastAll ? new Date(lastAll).toISOString() : null, checks, vetoed: checks.some((c) => c.veto) };
}

/** Changes between two results: vetoes raised or cleared, deduction issues appearing or gone. */
function healthChanges(before: HealthCheck[] | null, after: HealthCheck[]): Omit<HealthChange, 'id' | 'siteCode' | 'changedAt'>[] {
  const out: Omit<HealthChange, 'id' | 'siteCode' | 'changedAt'>[] = [];
  for (const a of after) {
    const b = before?.find((x) => x.key === a.key) ?? null;
    const was = b === null ? false : a.key === 'broken_links' ? b.value > 0 : b.veto;
    const is = a.key === 'broken_links' ? a.value > 0 : a.veto;
    if (was === is) continue;
    const kind = a.key === 'broken_links' ? (is ? 'issue_raised' : 'issue_cleared') : is ? 'veto_raised' : 'veto_cleared';
    out.push({ checkKey: a.key, change: kind, valueBefore: b?.value ?? null, valueAfter: a.value, details: a.details.slice(0, MAX_DETAILS) });
  }
  return out;
}

async function ensureHealthRows(ctx: Ctx): Promise<void> {
  await ctx.db.execute(sql`INSERT INTO portal.site_health (site_code, due_at)
    SELECT s.code, ${ctx.clock.now().toISOString()} FROM portal.sites s
    WHERE s.status = 'active' AND NOT EXISTS (SELECT 1 FROM portal.site_health h WHERE h.site_code = s.code)
    ON CONFLICT (site_code) DO NOTHING`);
}

/** Computes and stores one site's health in the caller's transaction (the row is locked by the caller or here). */
async function storeCheck(tctx: Ctx, site: SiteView, previous: HealthCheck[] | null): Promise<{ health: SiteHealth; changes: number }> {
  const started = Date.now();
  const health = await computeSiteHealth(tctx, site);
  const now = tctx.clock.now();
  const changes = healthChanges(previous, health.checks);
  const vetoKeys = health.checks.filter((c) => c.veto).map((c) => c.key);
  await tctx.db.execute(sql`UPDATE portal.site_health SET checked_at = ${now.toISOString()}, due_at = ${new Date(now.getTime() + HEALTH_RECHECK_MINUTES * 60_000).toISOString()},
    vetoed = ${health.vetoed}, veto_keys = ${JSON.stringify(vetoKeys)}::jsonb, checks = ${JSON.stringify(health.checks)}::jsonb, last_published_at = ${health.lastPublishedAt},
    content_version = ${site.contentVersion}, duration_ms = ${Date.now() - started} WHERE site_code = ${site.code}`);
  if (changes.length) {
    for (const c of changes) {
      await tctx.db.execute(sql`INSERT INTO portal.site_health_changes (id, site_code, changed_at, check_key, change, value_before, value_after, details)
        VALUES (${newId()}, ${site.code}, ${now.toISOString()}, ${c.checkKey}, ${c.change}, ${c.valueBefore}, ${c.valueAfter}, ${JSON.stringify(c.details)}::jsonb)`);
    }
    audit(tctx, { action: 'portal.site.health_changed', targetType: 'portal.site', targetId: site.code, targetLabel: site.name, details: { vetoed: health.vetoed, changes: changes.map((c) => ({ key: c.checkKey, change: c.change, before: c.valueBefore, after: c.valueAfter })) } });
    await publish(tctx, {
      type: EVENTS.siteHealthChanged,
      orderingKey: site.code,
      payload: { siteCode: site.code, checkedAt: now.toISOString(), vetoed: health.vetoed, vetoKeys, changes: changes.map((c) => ({ key: c.checkKey, change: c.change, valueBefore: c.valueBefore, valueAfter: c.valueAfter })) },
    });
  }
  return { health, changes: changes.length };
}

/**
 * The worker's step: rechecks sites whose check is due, one transaction per site, rows claimed
 * with FOR UPDATE SKIP LOCKED (another worker takes the next one). Returns the number checked.
 */
export async function recheckDueSites(ctx: Ctx, input: { limit?: number } = {}): Promise<number> {
  await ensureHealthRows(ctx);
  let checked = 0;
  const limit = input.limit ?? 50;
  while (checked < limit) {
    const did = await inTransaction(ctx, async (tctx) => {
      const row = await queryOne<{ site_code: string; checked_at: Date | string | null; checks: HealthCheck[] }>(tctx.db, sql`SELECT h.site_code, h.checked_at, h.checks
        FROM portal.site_health h JOIN portal.sites s ON s.code = h.site_code
        WHERE h.due_at <= ${tctx.clock.now().toISOString()} AND s.status = 'active'
        ORDER BY h.due_at LIMIT 1 FOR UPDATE OF h SKIP LOCKED`);
      if (!row) return false;
      const site = await requireSite(tctx, row.site_code);
      await storeCheck(tctx, site, row.checked_at === null ? null : row.checks);
      return true;
    });
    if (!did) break;
    checked += 1;
  }
  return checked;
}

/** Checks one site now (a staff member's 立即检查), waiting for a worker holding the row. */
export async function recheckSite(ctx: Ctx, input: { code: string }): Promise<StoredSiteHealth> {
  const site = await requireSite(ctx, input.code);
  await ensureHealthRows(ctx);
  await inTransaction(ctx, async (tctx) => {
    const row = await queryOne<{ checked_at: Date | string | null; checks: HealthCheck[] }>(tctx.db, sql`SELECT checked_at, checks FROM portal.site_health WHERE site_code = ${site.code} FOR UPDATE`);
    await storeCheck(tctx, site, row && row.checked_at !== null ? row.checks : null);
  });
  return (await storedSiteHealth(ctx, site))!;
}

/** Marks a site's health due now (event handler after a publish, withdrawal, reply …). */
export async function markHealthDue(ctx: Ctx, siteCode: string): Promise<void> {
  const now = ctx.clock.now().toISOString();
  await ctx.db.execute(sql`INSERT INTO portal.site_health (site_code, due_at) SELECT code, ${now} FROM portal.sites WHERE code = ${siteCode}
    ON CONFLICT (site_code) DO UPDATE SET due_at = LEAST(portal.site_health.due_at, EXCLUDED.due_at)`);
}

// ---- reading -----------------------------------------------------------------------------------

interface HealthRow {
  site_code: string;
  due_at: Date | string;
  checked_at: Date | string | null;
  vetoed: boolean;
  checks: HealthCheck[];
  last_published_at: Date | string | null;
}

const storedView = (site: SiteView, r: HealthRow | undefined): StoredSiteHealth => ({
  code: site.code,
  name: site.name,
  lastPublishedAt: r ? isoOrNull(r.last_published_at) : null,
  checks: r?.checks ?? [],
  vetoed: r?.vetoed ?? false,
  checkedAt: r ? isoOrNull(r.checked_at) : null,
  dueAt: r ? iso(r.due_at) : null,
});

/** The stored result for a site (not yet checked: `checkedAt` null, no checks). */
export async function storedSiteHealth(ctx: Ctx, site: SiteView): Promise<StoredSiteHealth> {
  const r = await queryOne<HealthRow>(ctx.db, sql`SELECT site_code, due_at, checked_at, vetoed, checks, last_published_at FROM portal.site_health WHERE site_code = ${site.code}`);
  return storedView(site, r);
}

/** The stored results of every active site of the group. */
export async function storedGroupHealth(ctx: Ctx): Promise<StoredSiteHealth[]> {
  const rows = await queryRows<HealthRow>(ctx.db, sql`SELECT site_code, due_at, checked_at, vetoed, checks, last_published_at FROM portal.site_health`);
  const by = new Map(rows.map((r) => [r.site_code, r]));
  return (await listSites(ctx)).filter((s) => s.status === 'active').map((s) => storedView(s, by.get(s.code)));
}

/** Recorded changes of health, newest first (for the site page and the security platform). */
export async function listHealthChanges(ctx: Ctx, input: { siteCode?: string; limit?: number }): Promise<HealthChange[]> {
  const rows = await queryRows<{ id: string; site_code: string; changed_at: Date | string; check_key: HealthKey; change: HealthChange['change']; value_before: number | null; value_after: number; details: string[] }>(ctx.db, sql`
    SELECT * FROM portal.site_health_changes WHERE (${input.siteCode ?? null}::text IS NULL OR site_code = ${input.siteCode ?? null}) ORDER BY changed_at DESC, id DESC LIMIT ${input.limit ?? 50}`);
  return rows.map((r) => ({ id: r.id, siteCode: r.site_code, changedAt: iso(r.changed_at), checkKey: r.check_key, change: r.change, valueBefore: r.value_before === null ? null : Number(r.value_before), valueAfter: Number(r.value_after), details: r.details }));
}
