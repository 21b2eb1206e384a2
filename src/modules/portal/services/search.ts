/**
 * Search across the site group and within a site, in Chinese: the query is cut into Han runs
 * (matched by all their bigrams) and other words, against the articles' tsvector (title and
 * document number weight A, summary and body B; GIN index). Relevance: text rank (titles count
 * more) plus a boost for recent items and for policies. Filters: site, column, type, date range.
 * Snippets are cut and marked here (the stored text is not space-separated, so ts_headline
 * cannot do it).
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import type { SQL } from 'drizzle-orm';
import { ARTICLE_KIND_LABELS, VALIDITY_LABELS, iso, type ArticleKind, type ColumnType, type Validity } from '../model.ts';
import { queryTerms, snippet, tsQueryText, type QueryTerm } from './tokens.ts';

export interface SearchInput {
  q: string;
  siteCode?: string;
  columnId?: string;
  /** A column type (news, policies …) or an article kind (policy, rule, normative …). */
  type?: string;
  from?: string;
  to?: string;
  page?: number;
  pageSize?: number;
}

export interface SearchHit {
  id: string;
  siteCode: string;
  siteName: string;
  columnName: string;
  title: string;
  titleMarks: [number, number][];
  snippet: string;
  snippetMarks: [number, number][];
  publishedAt: string;
  kind: ArticleKind;
  kindLabel: string;
  validity: Validity;
  validityLabel: string;
  docNumber: string | null;
  isDemo: boolean;
}

export interface SearchResult {
  q: string;
  terms: QueryTerm[];
  /** Matching live articles, counted up to COUNT_CAP; `totalCapped` when there are more. */
  total: number;
  totalCapped: boolean;
  page: number;
  pageSize: number;
  hits: SearchHit[];
}

/** Matches counted exactly up to this; beyond it the page says "1000+" (no full count). */
export const COUNT_CAP = 1000;
/** The most recent matches ranked (plus title matches and effective policies, below). */
const RECENT_CANDIDATES = 1000;
/** The most recent matches in titles, and of effective policies, ranked whatever their age. */
const TITLE_CANDIDATES = 300;
const POLICY_CANDIDATES = 300;

function marksIn(text: string, terms: QueryTerm[]): [number, number][] {
  const lower = text.toLowerCase();
  const out: [number, number][] = [];
  for (const t of terms) {
    let from = 0;
    for (;;) {
      const i = lower.indexOf(t.word, from);
      if (i < 0) break;
      out.push([i, i + t.word.length]);
      from = i + t.word.length;
    }
  }
  return out.sort((a, b) => a[0] - b[0]);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Ranking every match (ts_rank reads each row's vector) and counting every match made a common
 * word cost the whole result set. The search is two-step instead: a bounded candidate set found
 * through the GIN index — the RECENT_CANDIDATES most recent matches, plus the most recent
 * TITLE_CANDIDATES matches in titles (weight A) and POLICY_CANDIDATES effective policies, so
 * titles and current policies still come first however old — then only those are ranked. The
 * count stops at COUNT_CAP + 1 rows. Results past the candidate set are not reachable by paging
 * (the pages stop at 500 results anyway).
 */
export async function searchArticles(ctx: Ctx, input: SearchInput): Promise<SearchResult> {
  const terms = queryTerms(input.q ?? '');
  const page = Math.max(1, Math.min(50, Math.floor(input.page ?? 1)));
  const pageSize = Math.max(1, Math.min(50, Math.floor(input.pageSize ?? 10)));
  const empty = { q: input.q ?? '', terms, total: 0, totalCapped: false, page, pageSize, hits: [] };
  if (terms.length === 0) return empty;
  const tsq = tsQueryText(terms);
    const nowIso = ctx.clock.now().toISOString();
  const columnTypes: ColumnType[] = ['news', 'notices', 'policies', 'interpretation', 'disclosure', 'services', 'interaction', 'overview', 'other'];
  const kinds = Object.keys(ARTICLE_KIND_LABELS);
  const type = input.type && (columnTypes as string[]).includes(input.type) ? { column: input.type } : input.type && kinds.includes(input.type) ? { kind: input.type } : {};
  const from = input.from && DATE.test(input.from) ? new Date(`${input.from}T00:00:00+08:00`).toISOString() : null;
  const to = input.to && DATE.test(input.to) ? new Date(new Date(`${input.to}T00:00:00+08:00`).getTime() + 86_400_000).toISOString() : null;
  const siteCode = input.siteCode && /^[0-9a-z]{10}$/.test(input.siteCode) ? input.siteCode : null;
  const columnId = input.columnId && /^[0-9a-f-]{36}$/i.test(input.columnId) ? input.columnId : null;
  // Only the filters given (so the planner sees a plain query).
  const filters: SQL[] = [sql`a.live_version IS NOT NULL`];
  if (siteCode) filters.push(sql`a.site_code = ${siteCode}`);
  if (columnId) filters.push(sql`a.column_id = ${columnId}::uuid`);
  if (type.column) filters.push(sql`a.column_id IN (SELECT id FROM portal.columns WHERE type = ${type.column})`);
  if (type.kind) filters.push(sql`a.kind = ${type.kind}`);
  if (from) filters.push(sql`a.published_at >= ${from}::timestamptz`);
  if (to) filters.push(sql`a.published_at < ${to}::timestamptz`);
  const where = sql.join(filters, sql` AND `);
  const match = sql`a.search_vector @@ to_tsquery('simple', ${tsq})`;
  // In the title (or document number): every query word as a substring (the title is stored inline, not in TOAST).
  const inTitle = sql.join(terms.map((t) => sql`strpos(lower(a.live_title || ' ' || coalesce(a.doc_number, '')), ${t.word}) > 0`), sql` AND `);
  const rows = await queryRows<{
    id: string; site_code: string; site_name: string; column_name: string; live_title: string; live_summary: string; live_body: string; published_at: Date | string;
    kind: ArticleKind; validity: Validity; doc_number: string | null; is_demo: boolean; matches: string | number;
  }>(ctx.db, sql`WITH m AS MATERIALIZED (
      SELECT a.id, a.published_at, ${inTitle} AS in_title, (a.kind IN ('policy', 'rule', 'normative') AND a.validity = 'effective') AS policy
      FROM portal.articles a WHERE ${match} AND ${where}
    ), cand AS (
      (SELECT id FROM m ORDER BY published_at DESC LIMIT ${RECENT_CANDIDATES})
      UNION (SELECT id FROM m WHERE in_title ORDER BY published_at DESC LIMIT ${TITLE_CANDIDATES})
      UNION (SELECT id FROM m WHERE policy ORDER BY published_at DESC LIMIT ${POLICY_CANDIDATES})
    )
    SELECT a.id, a.site_code, s.name AS site_name, c.name AS column_name, a.live_title, a.live_summary, left(a.live_body, 4000) AS live_body, a.published_at, a.kind, a.validity,
      a.doc_number, a.is_demo, (SELECT count(*) FROM (SELECT 1 FROM m LIMIT ${COUNT_CAP + 1}) x) AS matches
    FROM cand JOIN portal.articles a ON a.id = cand.id JOIN portal.sites s ON s.code = a.site_code JOIN portal.columns c ON c.id = a.column_id
    ORDER BY ts_rank(a.search_vector, to_tsquery('simple', ${tsq}), 1)
        * (CASE WHEN a.kind IN ('policy', 'rule', 'normative') AND a.validity = 'effective' THEN 1.5 ELSE 1 END)
        * (1 + 1 / (1 + greatest(0, extract(epoch FROM (${nowIso}::timestamptz - a.published_at)) / 86400 / 90)))
      DESC, a.published_at DESC, a.id
    LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`);
  // Past the last ranked page the candidate query returns no row: count on its own (capped).
  const counted = rows.length
    ? Number(rows[0].matches)
    : Number((await queryOne<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM (SELECT 1 FROM portal.articles a WHERE ${match} AND ${where} LIMIT ${COUNT_CAP + 1}) m`))?.n ?? 0);
  return {
    q: input.q,
    terms,
    total: Math.min(counted, COUNT_CAP),
    totalCapped: counted > COUNT_CAP,
    page,
    pageSize,
    hits: rows.map((r) => {
      const sn = snippet(`${r.live_summary ? `${r.live_summary} ` : ''}${r.live_body}`, terms);
      return {
        id: r.id,
        siteCode: r.site_code,
        siteName: r.site_name,
        columnName: r.column_name,
        title: r.live_title,
        titleMarks: marksIn(r.live_title, terms),
        snippet: sn.text,
        snippetMarks: sn.marks,
        publishedAt: iso(r.published_at),
        kind: r.kind,
        kindLabel: ARTICLE_KIND_LABELS[r.kind],
        validity: r.validity,
        validityLabel: VALIDITY_LABELS[r.validity],
        docNumber: r.doc_number,
        isDemo: r.is_demo,
      };
    }),
  };
}
