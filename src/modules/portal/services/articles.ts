/**
 * Articles (信息): drafts saved as versions, the publishing round as a workflow case (编辑 → 审核
 * → 发布), scheduled publishing, withdrawal, the policy validity marked on the original,
 * syndication from a site to its child sites, the shared content library, and the disclosure
 * catalogue fields (索引号 given at first publication, late publication flagged).
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { AppError, badRequest, conflict, notFound } from '../../../platform/errors.ts';
import { newId } from '../../../platform/ids.ts';
import { loadCalendar } from '../../../platform/calendar/index.ts';
import { startCase, takeTransition } from '../../../platform/workflow/index.ts';
import {
  ARTICLE_FLOW,
  ARTICLE_KIND_LABELS,
  ARTICLE_STATUS_LABELS,
  CATALOG_COLUMN_TYPES,
  EVENTS,
  PROACTIVE_DISCLOSURE_WORKING_DAYS,
  SCOPES,
  SUBJECT_MODULE,
  VALIDITY_LABELS,
  chinaDay,
  dayOrNull,
  iso,
  isoOrNull,
  type ArticleKind,
  type ArticleRow,
  type ArticleStatus,
  type Validity,
  type VersionRow,
} from '../model.ts';
import { bumpSite, canOnSite, getColumn, requireOnSite, requireSite, siteGrant, type ColumnView, type SiteView } from './sites.ts';
import { indexTokens } from './tokens.ts';

export interface ArticleView {
  id: string;
  siteCode: string;
  columnId: string;
  status: ArticleStatus;
  statusLabel: string;
  title: string;
  currentVersion: number;
  liveVersion: number | null;
  live: { title: string; summary: string; body: string; author: string; source: string } | null;
  publishAt: string | null;
  publishedAt: string | null;
  firstPublishedAt: string | null;
  withdrawnAt: string | null;
  withdrawReason: string | null;
  caseId: string | null;
  kind: ArticleKind;
  kindLabel: string;
  indexNo: string | null;
  docNumber: string | null;
  category: string | null;
  createdDate: string | null;
  validity: Validity;
  validityLabel: string;
  validityNote: string | null;
  lateDisclosure: boolean;
  disclosureWorkingDays: number | null;
  sourceArticleId: string | null;
  shared: boolean;
  isDemo: boolean;
  createdByName: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export function articleView(r: ArticleRow): ArticleView {
  return {
    id: r.id,
    siteCode: r.site_code,
    columnId: r.column_id,
    status: r.status,
    statusLabel: ARTICLE_STATUS_LABELS[r.status],
    title: r.title,
    currentVersion: Number(r.current_version),
    liveVersion: r.live_version === null ? null : Number(r.live_version),
    live: r.live_version === null ? null : { title: r.live_title ?? '', summary: r.live_summary ?? '', body: r.live_body ?? '', author: r.live_author ?? '', source: r.live_source ?? '' },
    publishAt: isoOrNull(r.publish_at),
    publishedAt: isoOrNull(r.published_at),
    firstPublishedAt: isoOrNull(r.first_published_at),
    withdrawnAt: isoOrNull(r.withdrawn_at),
    withdrawReason: r.withdraw_reason,
    caseId: r.case_id,
    kind: r.kind,
    kindLabel: ARTICLE_KIND_LABELS[r.kind],
    indexNo: r.index_no,
    docNumber: r.doc_number,
    category: r.category,
    createdDate: dayOrNull(r.created_date),
    validity: r.validity,
    validityLabel: VALIDITY_LABELS[r.validity],
    validityNote: r.validity_note,
    lateDisclosure: r.late_disclosure,
    disclosureWorkingDays: r.disclosure_working_days === null ? null : Number(r.disclosure_working_days),
    sourceArticleId: r.source_article_id,
    shared: r.shared,
    isDemo: r.is_demo,
    createdByName: r.created_by_name,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    version: Number(r.version),
  };
}

export interface VersionView {
  version: number;
  title: string;
  summary: string;
  body: string;
  author: string;
  source: string;
  savedByName: string;
  savedAt: string;
}

const versionView = (r: VersionRow): VersionView => ({
  version: Number(r.version),
  title: r.title,
  summary: r.summary,
  body: r.body,
  author: r.author,
  source: r.source,
  savedByName: r.saved_by_name,
  savedAt: iso(r.saved_at),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function loadArticle(ctx: Ctx, id: string, lock = false): Promise<ArticleRow | null> {
  if (!UUID.test(id)) return null;
  return (await queryOne<ArticleRow>(ctx.db, lock ? sql`SELECT * FROM portal.articles WHERE id = ${id} FOR UPDATE` : sql`SELECT * FROM portal.articles WHERE id = ${id}`)) ?? null;
}

/** An article as staff of its site see it (404 for others). */
export async function getArticleForStaff(ctx: Ctx, input: { id: string }): Promise<{ article: ArticleView; site: SiteView; column: ColumnView; versions: VersionView[] }> {
  const r = await loadArticle(ctx, input.id);
  if (!r) throw notFound('article_not_found', '文章不存在或您无权查看。');
  const site = await requireSite(ctx, r.site_code);
  if (!canOnSite(ctx, site, SCOPES.articleEdit) && !canOnSite(ctx, site, SCOPES.articleReview)) throw notFound('article_not_found', '文章不存在或您无权查看。');
  const column = (await getColumn(ctx, r.column_id))!;
  const versions = (await queryRows<VersionRow>(ctx.db, sql`SELECT * FROM portal.article_versions WHERE article_id = ${r.id} ORDER BY version DESC`)).map(versionView);
  return { article: articleView(r), site, column, versions };
}

/** A published article (public; null when not live). */
export async function getLiveArticle(ctx: Ctx, input: { id: string; siteCode?: string }): Promise<ArticleView | null> {
  const r = await loadArticle(ctx, input.id);
  if (!r || r.live_version === null || (input.siteCode && r.site_code !== input.siteCode)) return null;
  return articleView(r);
}

export interface StaffListFilter {
  siteCode: string;
  status?: ArticleStatus;
  q?: string;
  page?: number;
  pageSize?: number;
}

export async function listArticlesForStaff(ctx: Ctx, f: StaffListFilter): Promise<{ items: ArticleView[]; total: number; page: number; pageSize: number }> {
  const site = await requireSite(ctx, f.siteCode);
  if (!canOnSite(ctx, site, SCOPES.articleEdit) && !canOnSite(ctx, site, SCOPES.articleReview)) return { items: [], total: 0, page: 1, pageSize: 20 };
  const page = Math.max(1, f.page ?? 1);
  const pageSize = Math.min(100, Math.max(1, f.pageSize ?? 20));
  const q = f.q?.trim() ? `%${f.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const where = sql`site_code = ${site.code} AND (${f.status ?? null}::text IS NULL OR status = ${f.status ?? null}) AND (${q}::text IS NULL OR title LIKE ${q})`;
  const rows = await queryRows<ArticleRow>(ctx.db, sql`SELECT * FROM portal.articles WHERE ${where} ORDER BY updated_at DESC, id LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`);
  const total = Number((await queryOne<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM portal.articles WHERE ${where}`))?.n ?? 0);
  return { items: rows.map(articleView), total, page, pageSize };
}

// ---- drafting ----------------------------------------------------------------------------------

export interface ArticleContent {
  title: string;
  summary?: string;
  body: string;
  author?: string;
  source?: string;
}

export interface ArticleMeta {
  kind?: ArticleKind;
  docNumber?: string | null;
  category?: string | null;
  /** 生成日期 YYYY-MM-DD (default: today). */
  createdDate?: string | null;
  /** Scheduled publication (ISO instant); null/absent: on approval. */
  publishAt?: string | null;
  shared?: boolean;
}

export interface CreateArticleInput extends ArticleContent, ArticleMeta {
  siteCode: string;
  columnId: string;
  isDemo?: boolean;
  sourceArticleId?: string | null;
}

function checkContent(c: ArticleContent): ArticleContent {
  const problems: { field: string; message: string }[] = [];
  const title = (c.title ?? '').trim();
  if (!title || title.length > 200) problems.push({ field: 'title', message: '标题应为 1 至 200 个字符' });
  if (!c.body || c.body.trim().length === 0 || c.body.length > 100_000) problems.push({ field: 'body', message: '正文不能为空, 且不超过 10 万字' });
  if ((c.summary ?? '').length > 1000) problems.push({ field: 'summary', message: '摘要不超过 1000 字' });
  if (problems.length) throw new AppError({ code: 'validation_failed', status: 400, message: problems.map((p) => p.message).join('; '), fields: problems });
  return { title, summary: (c.summary ?? '').trim(), body: c.body.replace(/\r\n/g, '\n').trim(), author: (c.author ?? '').trim(), source: (c.source ?? '').trim() };
}

function checkMeta(m: ArticleMeta, now: Date): Required<Omit<ArticleMeta, 'publishAt'>> & { publishAt: string | null } {
  const problems: { field: string; message: string }[] = [];
  const createdDate = m.createdDate || chinaDay(now);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(createdDate) || Number.isNaN(Date.parse(createdDate))) problems.push({ field: 'createdDate', message: '生成日期格式应为 YYYY-MM-DD' });
  else if (createdDate > chinaDay(now)) problems.push({ field: 'createdDate', message: '生成日期不能晚于今天' });
  let publishAt: string | null = null;
  if (m.publishAt) {
    const t = Date.parse(m.publishAt);
    if (Number.isNaN(t)) problems.push({ field: 'publishAt', message: '定时发布时间格式不正确' });
    else publishAt = new Date(t).toISOString();
  }
  if ((m.docNumber ?? '').length > 100) problems.push({ field: 'docNumber', message: '文号不超过 100 字' });
  if (problems.length) throw new AppError({ code: 'validation_failed', status: 400, message: problems.map((p) => p.message).join('; '), fields: problems });
  return { kind: m.kind ?? 'article', docNumber: m.docNumber?.trim() || null, category: m.category?.trim() || null, createdDate, publishAt, shared: Boolean(m.shared) };
}

async function insertVersion(ctx: Ctx, articleId: string, version: number, c: ArticleContent): Promise<void> {
  await ctx.db.execute(sql`INSERT INTO portal.article_versions (article_id, version, title, summary, body, author, source, saved_by_user_id, saved_by_name, saved_at)
    VALUES (${articleId}, ${version}, ${c.title}, ${c.summary ?? ''}, ${c.body}, ${c.author ?? ''}, ${c.source ?? ''}, ${ctx.actor.userId}, ${ctx.actor.name}, ${ctx.clock.now().toISOString()})`);
}

async function startRound(ctx: Ctx, site: SiteView, articleId: string, title: string): Promise<string> {
  const grant = siteGrant(ctx, site, SCOPES.articleEdit);
  const unit = { id: site.sponsorUnitId!, name: site.sponsorName };
  const c = await startCase(ctx, {
    definitionKey: ARTICLE_FLOW,
    title: `发布: ${title}`.slice(0, 200),
    regionCode: site.regionCode,
    subject: { module: SUBJECT_MODULE, id: articleId },
    data: { articleId, siteCode: site.code },
    unit,
    ...(grant && ctx.actor.userId ? { assignee: { userId: ctx.actor.userId, name: ctx.actor.name } } : {}),
  });
  return c.id;
}

/** A new article: version 1 and a publishing case assigned to its editor. */
export async function createArticle(ctx: Ctx, input: CreateArticleInput): Promise<ArticleView> {
  const site = await requireSite(ctx, input.siteCode);
  requireOnSite(ctx, site, SCOPES.articleEdit);
  const column = await getColumn(ctx, input.columnId);
  if (!column || column.siteCode !== site.code) throw badRequest('validation_failed', '栏目不属于本网站', [{ field: 'columnId', message: '请选择本网站的栏目' }]);
  const content = checkContent(input);
  const meta = checkMeta(input, ctx.clock.now());
  return inTransaction(ctx, async (tctx) => {
    const id = newId();
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`INSERT INTO portal.articles (id, site_code, column_id, region_code, status, title, current_version, publish_at, kind, doc_number, category,
        created_date, source_article_id, shared, is_demo, created_by_user_id, created_by_name, created_at, updated_at, version)
      VALUES (${id}, ${site.code}, ${column.id}, ${site.regionCode}, 'draft', ${content.title}, 1, ${meta.publishAt}, ${meta.kind}, ${meta.docNumber}, ${meta.category},
        ${meta.createdDate}, ${input.sourceArticleId ?? null}, ${meta.shared}, ${input.isDemo ?? false}, ${tctx.actor.userId}, ${tctx.actor.name}, ${now}, ${now}, 1)`);
    await insertVersion(tctx, id, 1, content);
    const caseId = await startRound(tctx, site, id, content.title);
    await tctx.db.execute(sql`UPDATE portal.articles SET case_id = ${caseId} WHERE id = ${id}`);
    audit(tctx, { action: 'portal.article.create', targetType: 'portal.article', targetId: id, targetLabel: content.title, details: { siteCode: site.code, columnId: column.id } });
    await publish(tctx, { type: EVENTS.articleSaved, orderingKey: id, payload: { articleId: id, siteCode: site.code, version: 1 } });
    return articleView((await loadArticle(tctx, id))!);
  });
}

export interface UpdateArticleInput extends ArticleContent, ArticleMeta {
  id: string;
  columnId?: string;
  expectedVersion?: number;
}

/** Saves a new version while the round is in 编辑 (draft); the live version stays online. */
export async function updateArticle(ctx: Ctx, input: UpdateArticleInput): Promise<ArticleView> {
  const content = checkContent(input);
  const meta = checkMeta(input, ctx.clock.now());
  return inTransaction(ctx, async (tctx) => {
    const r = await loadArticle(tctx, input.id, true);
    if (!r) throw notFound('article_not_found', '文章不存在或您无权查看。');
    const site = await requireSite(tctx, r.site_code);
    requireOnSite(tctx, site, SCOPES.articleEdit);
    if (input.expectedVersion !== undefined && input.expectedVersion !== Number(r.version)) throw conflict('article_changed', '文章已被他人修改, 请刷新后重试。');
    if (r.status !== 'draft') throw conflict('article_not_editable', `文章当前为「${ARTICLE_STATUS_LABELS[r.status]}」, 不能修改。已发布的文章请先「修改已发布信息」开始新一轮编辑。`);
    let columnId = r.column_id;
    if (input.columnId && input.columnId !== r.column_id) {
      const col = await getColumn(tctx, input.columnId);
      if (!col || col.siteCode !== site.code) throw badRequest('validation_failed', '栏目不属于本网站', [{ field: 'columnId', message: '请选择本网站的栏目' }]);
      columnId = col.id;
    }
    const version = Number(r.current_version) + 1;
    await insertVersion(tctx, r.id, version, content);
    await tctx.db.execute(sql`UPDATE portal.articles SET title = ${content.title}, current_version = ${version}, column_id = ${columnId}, publish_at = ${meta.publishAt},
      kind = ${meta.kind}, doc_number = ${meta.docNumber}, category = ${meta.category}, created_date = ${meta.createdDate}, shared = ${meta.shared},
      updated_at = ${tctx.clock.now().toISOString()}, version = version + 1 WHERE id = ${r.id}`);
    audit(tctx, { action: 'portal.article.update', targetType: 'portal.article', targetId: r.id, targetLabel: content.title, details: { version } });
    await publish(tctx, { type: EVENTS.articleSaved, orderingKey: r.id, payload: { articleId: r.id, siteCode: site.code, version } });
    return articleView((await loadArticle(tctx, r.id))!);
  });
}

/** Starts a new editing round on a published (or withdrawn) article; the live version stays online. */
export async function reviseArticle(ctx: Ctx, input: { id: string }): Promise<ArticleView> {
  return inTransaction(ctx, async (tctx) => {
    const r = await loadArticle(tctx, input.id, true);
    if (!r) throw notFound('article_not_found', '文章不存在或您无权查看。');
    const site = await requireSite(tctx, r.site_code);
    requireOnSite(tctx, site, SCOPES.articleEdit);
    if (r.status !== 'published' && r.status !== 'withdrawn') throw conflict('article_round_open', `文章当前为「${ARTICLE_STATUS_LABELS[r.status]}」, 已有一轮编辑在进行。`);
    const caseId = await startRound(tctx, site, r.id, r.title);
    await tctx.db.execute(sql`UPDATE portal.articles SET status = 'draft', case_id = ${caseId}, updated_at = ${tctx.clock.now().toISOString()}, version = version + 1 WHERE id = ${r.id}`);
    audit(tctx, { action: 'portal.article.revise', targetType: 'portal.article', targetId: r.id, targetLabel: r.title });
    return articleView((await loadArticle(tctx, r.id))!);
  });
}

export async function submitArticle(ctx: Ctx, input: { id: string; comment?: string }): Promise<ArticleView> {
  return inTransaction(ctx, async (tctx) => {
    const r = await loadArticle(tctx, input.id, true);
    if (!r || !r.case_id) throw notFound('article_not_found', '文章不存在或您无权查看。');
    if (r.status !== 'draft') throw conflict('article_not_draft', `文章当前为「${ARTICLE_STATUS_LABELS[r.status]}」, 不能送审。`);
    await takeTransition(tctx, { caseId: r.case_id, transition: 'submit', comment: input.comment });
    await tctx.db.execute(sql`UPDATE portal.articles SET status = 'reviewing', updated_at = ${tctx.clock.now().toISOString()}, version = version + 1 WHERE id = ${r.id}`);
    audit(tctx, { action: 'portal.article.submit', targetType: 'portal.article', targetId: r.id, targetLabel: r.title, details: { version: Number(r.current_version) } });
    await publish(tctx, { type: EVENTS.articleSubmitted, orderingKey: r.id, payload: { articleId: r.id, siteCode: r.site_code } });
    return articleView((await loadArticle(tctx, r.id))!);
  });
}

export async function returnArticle(ctx: Ctx, input: { id: string; comment: string }): Promise<ArticleView> {
  return inTransaction(ctx, async (tctx) => {
    const r = await loadArticle(tctx, input.id, true);
    if (!r || !r.case_id) throw notFound('article_not_found', '文章不存在或您无权查看。');
    if (r.status !== 'reviewing') throw conflict('article_not_reviewing', '文章不在审核环节。');
    await takeTransition(tctx, { caseId: r.case_id, transition: 'return_to_editor', comment: input.comment });
    await tctx.db.execute(sql`UPDATE portal.articles SET status = 'draft', updated_at = ${tctx.clock.now().toISOString()}, version = version + 1 WHERE id = ${r.id}`);
    audit(tctx, { action: 'portal.article.return', targetType: 'portal.article', targetId: r.id, targetLabel: r.title });
    await publish(tctx, { type: EVENTS.articleReturned, orderingKey: r.id, payload: { articleId: r.id, siteCode: r.site_code } });
    return articleView((await loadArticle(tctx, r.id))!);
  });
}

async function nextIndexNo(ctx: Ctx, siteCode: string, at: Date): Promise<string> {
  const year = Number(chinaDay(at).slice(0, 4));
  const r = await queryOne<{ last_seq: number }>(ctx.db, sql`INSERT INTO portal.index_sequences (site_code, year, last_seq) VALUES (${siteCode}, ${year}, 1)
    ON CONFLICT (site_code, year) DO UPDATE SET last_seq = portal.index_sequences.last_seq + 1 RETURNING last_seq`);
  return `${siteCode}/${year}-${String(r!.last_seq).padStart(5, '0')}`;
}

/** Search tokens of an article's live content (title and document number weigh more). */
export function searchDocument(a: { title: string; docNumber: string | null; summary: string; body: string }): { head: string; rest: string } {
  return { head: indexTokens(`${a.title} ${a.docNumber ?? ''}`), rest: indexTokens(`${a.summary}\n${a.body}`) };
}

/** Puts the current version online now (in the caller's transaction, article row locked). */
async function goLive(ctx: Ctx, r: ArticleRow): Promise<void> {
  const v = (await queryOne<VersionRow>(ctx.db, sql`SELECT * FROM portal.article_versions WHERE article_id = ${r.id} AND version = ${r.current_version}`))!;
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  const column = (await getColumn(ctx, r.column_id))!;
  const catalog = CATALOG_COLUMN_TYPES.includes(column.type) || r.kind !== 'article';
  let indexNo = r.index_no;
  if (catalog && !indexNo) indexNo = await nextIndexNo(ctx, r.site_code, now);
  let late = r.late_disclosure;
  let days = r.disclosure_working_days === null ? null : Number(r.disclosure_working_days);
  const created = dayOrNull(r.created_date);
  if (catalog && r.first_published_at === null && created) {
    const cal = await loadCalendar(ctx, { regionCode: r.region_code });
    days = cal.workingDaysBetween(new Date(`${created}T12:00:00+08:00`), now);
    late = days > PROACTIVE_DISCLOSURE_WORKING_DAYS;
  }
  const doc = searchDocument({ title: v.title, docNumber: r.doc_number, summary: v.summary, body: v.body });
  await ctx.db.execute(sql`UPDATE portal.articles SET status = 'published', live_version = ${v.version}, live_title = ${v.title}, live_summary = ${v.summary},
    live_body = ${v.body}, live_author = ${v.author}, live_source = ${v.source}, published_at = ${nowIso}, first_published_at = coalesce(first_published_at, ${nowIso}),
    withdrawn_at = NULL, withdraw_reason = NULL, index_no = ${indexNo}, late_disclosure = ${late}, disclosure_working_days = ${days},
    search_text = ${`${doc.head} ${doc.rest}`},
    search_vector = setweight(to_tsvector('simple', ${doc.head}), 'A') || setweight(to_tsvector('simple', ${doc.rest}), 'B'),
    updated_at = ${nowIso}, version = version + 1 WHERE id = ${r.id}`);
  await bumpSite(ctx, r.site_code);
  audit(ctx, { action: 'portal.article.publish', targetType: 'portal.article', targetId: r.id, targetLabel: v.title, details: { version: v.version, indexNo, lateDisclosure: late } });
  await publish(ctx, { type: EVENTS.articlePublished, orderingKey: r.id, payload: { articleId: r.id, siteCode: r.site_code, version: v.version, indexNo } });
}

/** 审核通过: the version goes online now, or at its scheduled time. */
export async function approveArticle(ctx: Ctx, input: { id: string; comment?: string }): Promise<ArticleView> {
  return inTransaction(ctx, async (tctx) => {
    const r = await loadArticle(tctx, input.id, true);
    if (!r || !r.case_id) throw notFound('article_not_found', '文章不存在或您无权查看。');
    const site = await requireSite(tctx, r.site_code);
    requireOnSite(tctx, site, SCOPES.articleReview);
    if (r.status !== 'reviewing') throw conflict('article_not_reviewing', '文章不在审核环节。');
    const now = tctx.clock.now();
    if (r.publish_at && new Date(r.publish_at).getTime() > now.getTime()) {
      await tctx.db.execute(sql`UPDATE portal.articles SET status = 'scheduled', updated_at = ${now.toISOString()}, version = version + 1 WHERE id = ${r.id}`);
      audit(tctx, { action: 'portal.article.schedule', targetType: 'portal.article', targetId: r.id, targetLabel: r.title, details: { publishAt: iso(r.publish_at) } });
      await publish(tctx, { type: EVENTS.articleScheduled, orderingKey: r.id, payload: { articleId: r.id, siteCode: r.site_code, publishAt: iso(r.publish_at) } });
    } else {
      await goLive(tctx, r);
    }
    await takeTransition(tctx, { caseId: r.case_id, transition: 'approve', comment: input.comment });
    return articleView((await loadArticle(tctx, r.id))!);
  });
}

/**
 * Publishes scheduled articles whose time has come (the worker runs this every few seconds; rows
 * claimed with FOR UPDATE SKIP LOCKED, so several workers never publish one twice).
 */
export async function publishDueArticles(ctx: Ctx, input: { limit?: number } = {}): Promise<number> {
  let done = 0;
  for (let i = 0; i < (input.limit ?? 50); i += 1) {
    const published = await inTransaction(ctx, async (tctx) => {
      const r = await queryOne<ArticleRow>(tctx.db, sql`SELECT * FROM portal.articles WHERE status = 'scheduled' AND publish_at <= ${tctx.clock.now().toISOString()}
        ORDER BY publish_at LIMIT 1 FOR UPDATE SKIP LOCKED`);
      if (!r) return false;
      await goLive(tctx, r);
      return true;
    });
    if (!published) break;
    done += 1;
  }
  return done;
}

/** 撤稿: off the site at once (the versions stay). */
export async function withdrawArticle(ctx: Ctx, input: { id: string; reason: string }): Promise<ArticleView> {
  const reason = (input.reason ?? '').trim();
  if (!reason) throw badRequest('validation_failed', '请填写撤稿原因', [{ field: 'reason', message: '请填写撤稿原因' }]);
  return inTransaction(ctx, async (tctx) => {
    const r = await loadArticle(tctx, input.id, true);
    if (!r) throw notFound('article_not_found', '文章不存在或您无权查看。');
    const site = await requireSite(tctx, r.site_code);
    requireOnSite(tctx, site, SCOPES.articleReview);
    if (r.live_version === null && r.status !== 'scheduled') throw conflict('article_not_live', '文章未发布, 无需撤稿。');
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`UPDATE portal.articles SET status = 'withdrawn', live_version = NULL, withdrawn_at = ${now}, withdraw_reason = ${reason},
      search_vector = NULL, updated_at = ${now}, version = version + 1 WHERE id = ${r.id}`);
    await bumpSite(tctx, r.site_code);
    audit(tctx, { action: 'portal.article.withdraw', targetType: 'portal.article', targetId: r.id, targetLabel: r.title, details: { reason } });
    await publish(tctx, { type: EVENTS.articleWithdrawn, orderingKey: r.id, payload: { articleId: r.id, siteCode: r.site_code } });
    return articleView((await loadArticle(tctx, r.id))!);
  });
}

/** Marks a policy amended, repealed or lapsed on the original (shown on its page and in the catalogue). */
export async function setValidity(ctx: Ctx, input: { id: string; validity: Validity; note?: string }): Promise<ArticleView> {
  if (!(input.validity in VALIDITY_LABELS)) throw badRequest('validation_failed', '效力状态无效', [{ field: 'validity', message: '请选择效力状态' }]);
  return inTransaction(ctx, async (tctx) => {
    const r = await loadArticle(tctx, input.id, true);
    if (!r) throw notFound('article_not_found', '文章不存在或您无权查看。');
    const site = await requireSite(tctx, r.site_code);
    requireOnSite(tctx, site, SCOPES.articleReview);
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`UPDATE portal.articles SET validity = ${input.validity}, validity_note = ${input.note?.trim() || null}, validity_changed_at = ${now},
      updated_at = ${now}, version = version + 1 WHERE id = ${r.id}`);
    await bumpSite(tctx, r.site_code);
    audit(tctx, { action: 'portal.article.validity', targetType: 'portal.article', targetId: r.id, targetLabel: r.title, details: { from: r.validity, to: input.validity, note: input.note ?? null } });
    await publish(tctx, { type: EVENTS.articleValidity, orderingKey: r.id, payload: { articleId: r.id, siteCode: r.site_code, validity: input.validity } });
    return articleView((await loadArticle(tctx, r.id))!);
  });
}

/**
 * 转载: a published article of a site goes live on columns of its child sites (the province's
 * portal to the city portals) at once, credited to the source; taken by the source's reviewers.
 */
export async function syndicateArticle(ctx: Ctx, input: { id: string; columnIds: string[] }): Promise<{ created: ArticleView[] }> {
  if (!input.columnIds?.length) throw badRequest('validation_failed', '请选择转载到的栏目', [{ field: 'columnIds', message: '请选择转载到的栏目' }]);
  return inTransaction(ctx, async (tctx) => {
    const r = await loadArticle(tctx, input.id, true);
    if (!r || r.live_version === null) throw notFound('article_not_found', '文章不存在或未发布。');
    const source = await requireSite(tctx, r.site_code);
    requireOnSite(tctx, source, SCOPES.articleReview);
    const created: ArticleView[] = [];
    for (const columnId of [...new Set(input.columnIds)]) {
      const col = await getColumn(tctx, columnId);
      const target = col ? await requireSite(tctx, col.siteCode) : null;
      if (!col || !target || target.parentCode !== source.code) throw badRequest('syndication_target_invalid', '只能转载到本网站下级网站的栏目', [{ field: 'columnIds', message: '只能转载到本网站下级网站的栏目' }]);
      if (await queryOne(tctx.db, sql`SELECT 1 FROM portal.articles WHERE source_article_id = ${r.id} AND column_id = ${col.id} AND live_version IS NOT NULL`)) continue;
      const id = newId();
      const now = tctx.clock.now().toISOString();
      const src = `${r.live_source || source.name}`;
      await tctx.db.execute(sql`INSERT INTO portal.articles (id, site_code, column_id, region_code, status, title, current_version, kind, doc_number, category, created_date,
          source_article_id, shared, is_demo, created_by_user_id, created_by_name, created_at, updated_at, version)
        VALUES (${id}, ${target.code}, ${col.id}, ${target.regionCode}, 'reviewing', ${r.live_title}, 1, ${r.kind}, ${r.doc_number}, ${r.category}, ${r.created_date},
          ${r.id}, false, ${r.is_demo}, ${tctx.actor.userId}, ${tctx.actor.name}, ${now}, ${now}, 1)`);
      await insertVersion(tctx, id, 1, { title: r.live_title ?? r.title, summary: r.live_summary ?? '', body: r.live_body ?? '', author: r.live_author ?? '', source: src });
      const row = (await loadArticle(tctx, id, true))!;
      await goLive(tctx, row);
      created.push(articleView((await loadArticle(tctx, id))!));
    }
    audit(tctx, { action: 'portal.article.syndicate', targetType: 'portal.article', targetId: r.id, targetLabel: r.live_title ?? r.title, details: { to: created.map((c) => c.id) } });
    await publish(tctx, { type: EVENTS.articleSyndicated, orderingKey: r.id, payload: { articleId: r.id, copies: created.map((c) => ({ id: c.id, siteCode: c.siteCode })) } });
    return { created };
  });
}

/** The shared content library (统一信息资源库): shared, published articles of every site. */
export async function listLibrary(ctx: Ctx, input: { q?: string; page?: number }): Promise<{ items: (ArticleView & { siteName: string })[]; total: number }> {
  const q = input.q?.trim() ? `%${input.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const page = Math.max(1, input.page ?? 1);
  const where = sql`a.shared AND a.live_version IS NOT NULL AND (${q}::text IS NULL OR a.live_title LIKE ${q})`;
  const rows = await queryRows<ArticleRow & { site_name: string }>(ctx.db, sql`SELECT a.*, s.name AS site_name FROM portal.articles a JOIN portal.sites s ON s.code = a.site_code
    WHERE ${where} ORDER BY a.published_at DESC LIMIT 20 OFFSET ${(page - 1) * 20}`);
  const total = Number((await queryOne<{ n: string }>(ctx.db, sql`SELECT count(*) AS n FROM portal.articles a WHERE ${where}`))?.n ?? 0);
  return { items: rows.map((r) => ({ ...articleView(r), siteName: r.site_name })), total };
}

/** Takes a library item into one of the editor's columns as a new draft (credited to the source). */
export async function importFromLibrary(ctx: Ctx, input: { sourceId: string; columnId: string }): Promise<ArticleView> {
  const src = await loadArticle(ctx, input.sourceId);
  if (!src || !src.shared || src.live_version === null) throw notFound('library_item_not_found', '资源库中没有该信息。');
  const column = await getColumn(ctx, input.columnId);
  if (!column) throw badRequest('validation_failed', '请选择栏目', [{ field: 'columnId', message: '请选择栏目' }]);
  const srcSite = await requireSite(ctx, src.site_code);
  return createArticle(ctx, {
    siteCode: column.siteCode,
    columnId: column.id,
    title: src.live_title ?? src.title,
    summary: src.live_summary ?? '',
    body: src.live_body ?? '',
    author: src.live_author ?? '',
    source: src.live_source || srcSite.name,
    kind: src.kind,
    docNumber: src.doc_number,
    category: src.category,
    createdDate: dayOrNull(src.created_date),
    sourceArticleId: src.id,
  });
}
