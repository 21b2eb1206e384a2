/**
 * Site health (网站健康检查): the inspection's single-veto rules (国办秘函〔2019〕19号), computed
 * from the data whenever asked — homepage not updated for 2 weeks, stale columns (≥ 5 vetoes),
 * empty columns (≥ 5 vetoes), messages unanswered for more than 3 months — plus broken internal
 * links (a deduction item). Availability (≥ 5 % slow or failed probes) needs an outside prober and
 * is not computed here.
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryRows, sql } from '../../../platform/db/index.ts';
import { UNANSWERED_VETO_DAYS, iso } from '../model.ts';
import { listSites, type SiteView } from './sites.ts';

export interface HealthCheck {
  key: 'homepage' | 'stale_columns' | 'empty_columns' | 'unanswered' | 'broken_links';
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

const DAY = 86_400_000;
const LINK = /\]\((\/sites\/([0-9a-z]{10})\/(?:articles\/([0-9a-f-]{36})|([a-z0-9-]+)\/?))\)/g;

export async function siteHealth(ctx: Ctx, site: SiteView): Promise<SiteHealth> {
  const now = ctx.clock.now().getTime();
  const cols = await queryRows<{ id: string; name: string; slug: string; type: string; update_days: number | null; last: Date | string | null; n: string }>(ctx.db, sql`
    SELECT c.id, c.name, c.slug, c.type, c.update_days, max(a.published_at) AS last, count(a.id) AS n
    FROM portal.columns c LEFT JOIN portal.articles a ON a.column_id = c.id AND a.live_version IS NOT NULL
    WHERE c.site_code = ${site.code} GROUP BY c.id, c.name, c.slug, c.type, c.update_days`);
  const lastAll = cols.map((c) => (c.last ? new Date(c.last).getTime() : 0)).reduce((a, b) => Math.max(a, b), 0);
  const homepageIdle = lastAll === 0 ? Infinity : Math.floor((now - lastAll) / DAY);
  const contentCols = cols.filter((c) => !['services', 'interaction', 'overview'].includes(c.type));
  const stale = cols.filter((c) => c.update_days !== null && Number(c.n) > 0 && c.last && now - new Date(c.last).getTime() > Number(c.update_days) * DAY);
  const empty = contentCols.filter((c) => Number(c.n) === 0);
  const unanswered = await queryRows<{ title: string; received_at: Date | string }>(ctx.db, sql`SELECT title, received_at FROM portal.messages
    WHERE site_code = ${site.code} AND channel <> 'error_report' AND replied_at IS NULL AND received_at < ${new Date(now - UNANSWERED_VETO_DAYS * DAY).toISOString()} ORDER BY received_at LIMIT 50`);
  // Broken internal links in live bodies: a link to an article that is not live or a column that does not exist.
  const bodies = await queryRows<{ id: string; live_title: string; live_body: string }>(ctx.db, sql`SELECT id, live_title, live_body FROM portal.articles
    WHERE site_code = ${site.code} AND live_version IS NOT NULL AND live_body LIKE '%](/sites/%'`);
  const broken: string[] = [];
  for (const b of bodies) {
    for (const m of b.live_body.matchAll(LINK)) {
      const [, href, code, articleId, slug] = m;
      const ok = articleId
        ? (await queryRows(ctx.db, sql`SELECT 1 FROM portal.articles WHERE id = ${articleId} AND site_code = ${code} AND live_version IS NOT NULL`)).length > 0
        : (await queryRows(ctx.db, sql`SELECT 1 FROM portal.columns WHERE site_code = ${code} AND slug = ${slug}`)).length > 0;
      if (!ok) broken.push(`「${b.live_title}」中的链接 ${href}`);
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
    { key: 'unanswered', label: '没有超过 3 个月未答复的留言', value: unanswered.length, veto: unanswered.length > 0, details: unanswered.map((u) => `${u.title} (受理于 ${fmt(u.received_at)})`) },
    { key: 'broken_links', label: '没有错误的站内链接 (扣分项)', value: broken.length, veto: false, details: broken.slice(0, 50) },
  ];
  return { code: site.code, name: site.name, lastPublishedAt: lastAll ? new Date(lastAll).toISOString() : null, checks, vetoed: checks.some((c) => c.veto) };
}

export async function groupHealth(ctx: Ctx): Promise<SiteHealth[]> {
  const out: SiteHealth[] = [];
  for (const s of await listSites(ctx)) if (s.status === 'active') out.push(await siteHealth(ctx, s));
  return out;
}
