/**
 * Reads for the public pages: live articles of a column or a site, the disclosure catalogue,
 * sitemap entries. No scope checks: only live content (live_version set) is returned.
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { VALIDITY_LABELS, ARTICLE_KIND_LABELS, dayOrNull, iso, type ArticleKind, type Validity } from '../model.ts';

export interface LiveItem {
  id: string;
  siteCode: string;
  columnId: string;
  title: string;
  summary: string;
  publishedAt: string;
  kind: ArticleKind;
  kindLabel: string;
  validity: Validity;
  validityLabel: string;
  docNumber: string | null;
  indexNo: string | null;
  category: string | null;
  createdDate: string | null;
  lateDisclosure: boolean;
  isDemo: boolean;
}

interface LiveRow {
  id: string;
  site_code: string;
  column_id: string;
  live_title: string;
  live_summary: string | null;
  published_at: Date | string;
  kind: ArticleKind;
  validity: Validity;
  doc_number: string | null;
  index_no: string | null;
  category: string | null;
  created_date: Date | string | null;
  late_disclosure: boolean;
  is_demo: boolean;
}

const item = (r: LiveRow): LiveItem => ({
  id: r.id,
  siteCode: r.site_code,
  columnId: r.column_id,
  title: r.live_title,
  summary: r.live_summary ?? '',
  publishedAt: iso(r.published_at),
  kind: r.kind,
  kindLabel: ARTICLE_KIND_LABELS[r.kind],
  validity: r.validity,
  validityLabel: VALIDITY_LABELS[r.validity],
  docNumber: r.doc_number,
  indexNo: r.index_no,
  category: r.category,
  createdDate: dayOrNull(r.created_date),
  lateDisclosure: r.late_disclosure,
  isDemo: r.is_demo,
});

const COLS = sql`id, site_code, column_id, live_title, live_summary, published_at, kind, validity, doc_number, index_no, category, created_date, late_disclosure, is_demo`;

export async function liveInColumns(ctx: Ctx, input: { columnIds: string[]; page?: number; pageSize?: number }): Promise<{ items: LiveItem[]; total: number }> {
  if (input.columnIds.length === 0) return { items: [], total: 0 };
  const ids = sql.join(input.columnIds.map((c) => sql`${c}::uuid`), sql`, `);
  const pageSize = input.pageSize ?? 20;
  const page = Math.max(1, input.page ?? 1);
  const rows = await queryRows<LiveRow>(ctx.db, sql`SELECT ${COLS} FROM portal.articles WHERE column_id IN (${ids}) AND live_version IS NOT NULL
    ORDER BY published_at DESC, id LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`);
  const total = Number((await queryOne<{ n: string }>(ctx.db, sql`SELECT count(*) AS n FROM portal.articles WHERE column_id IN (${ids}) AND live_version IS NOT NULL`))?.n ?? 0);
  return { items: rows.map(item), total };
}

export async function latestOfSite(ctx: Ctx, input: { siteCode: string; limit: number }): Promise<LiveItem[]> {
  return (await queryRows<LiveRow>(ctx.db, sql`SELECT ${COLS} FROM portal.articles WHERE site_code = ${input.siteCode} AND live_version IS NOT NULL
    ORDER BY published_at DESC, id LIMIT ${input.limit}`)).map(item);
}

/** The disclosure catalogue (政府信息公开目录): live items with an index number. */
export async function catalog(ctx: Ctx, input: { siteCode: string; kind?: string; page?: number }): Promise<{ items: LiveItem[]; total: number }> {
  const page = Math.max(1, input.page ?? 1);
  const kind = input.kind && input.kind in ARTICLE_KIND_LABELS ? input.kind : null;
  const where = sql`site_code = ${input.siteCode} AND live_version IS NOT NULL AND index_no IS NOT NULL AND (${kind}::text IS NULL OR kind = ${kind})`;
  const rows = await queryRows<LiveRow>(ctx.db, sql`SELECT ${COLS} FROM portal.articles WHERE ${where} ORDER BY index_no DESC LIMIT 30 OFFSET ${(page - 1) * 30}`);
  const total = Number((await queryOne<{ n: string }>(ctx.db, sql`SELECT count(*) AS n FROM portal.articles WHERE ${where}`))?.n ?? 0);
  return { items: rows.map(item), total };
}

export async function sitemapEntries(ctx: Ctx, input: { siteCode: string }): Promise<{ id: string; updatedAt: string }[]> {
  const rows = await queryRows<{ id: string; published_at: Date | string }>(ctx.db, sql`SELECT id, published_at FROM portal.articles WHERE site_code = ${input.siteCode} AND live_version IS NOT NULL
    ORDER BY published_at DESC LIMIT 50000`);
  return rows.map((r) => ({ id: r.id, updatedAt: iso(r.published_at) }));
}
