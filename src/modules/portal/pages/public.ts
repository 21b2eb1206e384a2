/**
 * Public pages of the site group, served by path (/sites/{标识码}/…, for the demo) and by host
 * name (www.xxx.gov.cn/…): home, column lists, articles, search, RSS per column, sitemap.xml,
 * the group's site list and group-wide search. Rendered with the portal's own shell and cached
 * per site version (pages/cache.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, raw, type HtmlValue } from '../../../platform/ui/html.ts';
import { pagination } from '../../../platform/ui/components.ts';
import { notFound } from '../../../platform/errors.ts';
import { listAttachmentsUnchecked, attachmentList } from '../../../platform/files/index.ts';
import { ARTICLE_ATTACHMENT_OWNER, CATALOG_COLUMN_TYPES, COLUMN_TYPE_LABELS, chinaDay, type ColumnType } from '../model.ts';
import { columnBySlug, getSite, listColumns, listSites, siteByHost, type ColumnView, type SiteView } from '../services/sites.ts';
import { getLiveArticle } from '../services/articles.ts';
import { latestOfSite, liveInColumns, sitemapEntries, type LiveItem } from '../services/public.ts';
import { searchArticles } from '../services/search.ts';
import { fastServe, servePage } from './cache.ts';
import { a11ySwitch, homeHref, marked, renderBody, renderSite } from './shell.ts';

const CSS = fs.readFileSync(path.resolve(import.meta.dirname, '../assets/portal.css'));
/** Hosts served by host name: government domains (the site row decides which site). */
export const PORTAL_HOSTS = /^[a-z0-9.-]+\.gov\.cn(:\d+)?$/;

export interface SiteReq {
  site: SiteView;
  base: string;
}

async function siteOf(req: FastifyRequest, code: string | undefined): Promise<SiteReq> {
  if (code !== undefined) {
    const site = await getSite(req.ctx, code);
    if (!site || site.status !== 'active') throw notFound('site_not_found', '网站不存在或已关停。');
    return { site, base: `/sites/${site.code}` };
  }
  const site = await siteByHost(req.ctx, req.hostname);
  if (!site) throw notFound('site_not_found', '该域名没有对应的政府网站。');
  return { site, base: '' };
}

const day = (iso: string) => chinaDay(iso);
const demoBadge = (on: boolean) => (on ? html` <span class="p-demo">演示内容</span>` : '');

function itemList(items: LiveItem[], base: string, empty = '本栏目暂无信息。'): HtmlValue {
  if (items.length === 0) return html`<p class="p-empty">${empty}</p>`;
  return html`<ul class="p-list">${items.map((i) => html`<li><a href="${base}/articles/${i.id}">${i.title}</a>${i.validity !== 'effective' ? html` <span class="p-validity">[${i.validityLabel}]</span>` : ''}${demoBadge(i.isDemo)} <span class="p-date">${day(i.publishedAt)}</span></li>`)}</ul>`;
}

export function shellFor(req: FastifyRequest, s: SiteReq, columns: ColumnView[], o: { title: string; body: HtmlValue; crumbs?: { label: string; href?: string }[]; slug?: string; rss?: string; csrf?: string }): string {
  return renderSite({
    site: s.site,
    columns,
    base: s.base,
    title: o.title,
    body: o.body,
    breadcrumbs: o.crumbs,
    currentSlug: o.slug,
    currentPath: req.url.split('?')[0],
    a11y: req.a11y,
    csrf: o.csrf,
    rssHref: o.rss,
  });
}

async function home(req: FastifyRequest, reply: FastifyReply, s: SiteReq): Promise<FastifyReply> {
  return servePage(req, reply, s.site, async () => {
    const columns = await listColumns(req.ctx, s.site.code);
    const top = columns.filter((c) => c.parentId === null && c.inNav && !['services', 'interaction'].includes(c.type)).slice(0, 8);
    const blocks: HtmlValue[] = [];
    for (const c of top) {
      const ids = [c.id, ...columns.filter((x) => x.parentId === c.id).map((x) => x.id)];
      const { items } = await liveInColumns(req.ctx, { columnIds: ids, pageSize: 6 });
      blocks.push(html`<section class="p-block" aria-labelledby="h-${c.slug}"><h2 id="h-${c.slug}"><a href="${s.base}/c/${c.slug}">${c.name}</a></h2>${itemList(items, s.base)}</section>`);
    }
    const latest = await latestOfSite(req.ctx, { siteCode: s.site.code, limit: 1 });
    const body = html`<h1 class="p-visually-hidden">${s.site.name}</h1>
      ${s.site.isDemo ? html`<p class="p-notice">本网站为演示网站, 全部栏目和信息为演示内容 (演示内容), 不代表真实政府信息。</p>` : ''}
      <div class="p-blocks">${blocks}</div>
      <section class="p-block" aria-labelledby="h-svc"><h2 id="h-svc">公众服务</h2><ul class="p-list">
        <li><a href="/sites/${s.site.code}/apply">依申请公开 (网上申请政府信息)</a></li>
        <li><a href="/sites/${s.site.code}/interaction/write?channel=mailbox">领导信箱</a></li>
        <li><a href="/sites/${s.site.code}/interaction/write?channel=consultation">咨询</a> · <a href="/sites/${s.site.code}/interaction/write?channel=complaint">投诉</a></li>
        <li><a href="/sites/${s.site.code}/disclosure">政府信息公开目录</a></li>
      </ul></section>
      <p class="p-updated">最近更新: ${latest[0] ? day(latest[0].publishedAt) : '暂无'}</p>`;
    return { html: shellFor(req, s, columns, { title: '首页', body, slug: '' }) };
  });
}

async function columnPage(req: FastifyRequest, reply: FastifyReply, s: SiteReq, slug: string): Promise<FastifyReply> {
  return servePage(req, reply, s.site, async () => {
    const columns = await listColumns(req.ctx, s.site.code);
    const col = columns.find((c) => c.slug === slug);
    if (!col) throw notFound('column_not_found', '栏目不存在。');
    const page = Math.max(1, Number((req.query as { page?: string }).page ?? 1) || 1);
    const children = columns.filter((c) => c.parentId === col.id);
    const parent = col.parentId ? columns.find((c) => c.id === col.parentId) : undefined;
    const { items, total } = await liveInColumns(req.ctx, { columnIds: [col.id, ...children.map((c) => c.id)], page });
    const catalogCols = CATALOG_COLUMN_TYPES.includes(col.type);
    const body = html`<h1>${col.name}</h1>
      ${children.length ? html`<nav aria-label="子栏目" class="p-subnav"><ul>${children.map((c) => html`<li><a href="${s.base}/c/${c.slug}">${c.name}</a></li>`)}</ul></nav>` : ''}
      ${catalogCols && items.length
        ? html`<div class="p-table"><table><caption>${col.name}信息列表</caption><thead><tr><th scope="col">标题</th><th scope="col">文号</th><th scope="col">发布日期</th></tr></thead>
          <tbody>${items.map((i) => html`<tr><td><a href="${s.base}/articles/${i.id}">${i.title}</a>${i.validity !== 'effective' ? html` <span class="p-validity">[${i.validityLabel}]</span>` : ''}${demoBadge(i.isDemo)}</td><td>${i.docNumber ?? ''}</td><td>${day(i.publishedAt)}</td></tr>`)}</tbody></table></div>`
        : itemList(items, s.base)}
      ${pagination({ page, pageSize: 20, total, hrefFor: (p) => `${s.base}/c/${col.slug}?page=${p}` })}
      <p><a href="${s.base}/c/${col.slug}/rss.xml">订阅本栏目 (RSS)</a></p>`;
    return {
      html: shellFor(req, s, columns, {
        title: col.name,
        body,
        slug: parent?.slug ?? col.slug,
        rss: `${s.base}/c/${col.slug}/rss.xml`,
        crumbs: [...(parent ? [{ label: parent.name, href: `${s.base}/c/${parent.slug}` }] : []), { label: col.name }],
      }),
    };
  });
}

async function articlePage(req: FastifyRequest, reply: FastifyReply, s: SiteReq, id: string): Promise<FastifyReply> {
  return servePage(req, reply, s.site, async () => {
    const a = await getLiveArticle(req.ctx, { id, siteCode: s.site.code });
    if (!a || !a.live) throw notFound('article_not_found', '信息不存在或已撤下。');
    const columns = await listColumns(req.ctx, s.site.code);
    const col = columns.find((c) => c.id === a.columnId)!;
    const parent = col.parentId ? columns.find((c) => c.id === col.parentId) : undefined;
    const files = await listAttachmentsUnchecked(req.ctx, { ownerType: ARTICLE_ATTACHMENT_OWNER, ownerId: a.id });
    const source = a.sourceArticleId ? await getLiveArticle(req.ctx, { id: a.sourceArticleId }) : null;
    const meta = a.indexNo
      ? html`<div class="p-table"><table class="p-meta"><caption>政府信息公开目录信息</caption><tbody>
          <tr><th scope="row">索引号</th><td>${a.indexNo}</td><th scope="row">主题分类</th><td>${a.category ?? '—'}</td></tr>
          <tr><th scope="row">发文字号</th><td>${a.docNumber ?? '—'}</td><th scope="row">信息种类</th><td>${a.kindLabel}</td></tr>
          <tr><th scope="row">生成日期</th><td>${a.createdDate ?? '—'}</td><th scope="row">发布日期</th><td>${a.publishedAt ? day(a.publishedAt) : '—'}</td></tr>
          <tr><th scope="row">效力状态</th><td colspan="3">${a.validityLabel}${a.validityNote ? html` (${a.validityNote})` : ''}</td></tr>
        </tbody></table></div>`
      : '';
    const body = html`<article class="p-article">
      <h1>${a.live.title}${demoBadge(a.isDemo)}</h1>
      ${a.validity !== 'effective' ? html`<p class="p-validity-banner" role="note">本文件${a.validityLabel}${a.validityNote ? html`: ${a.validityNote}` : ''}。</p>` : ''}
      <p class="p-byline">发布日期: ${a.publishedAt ? day(a.publishedAt) : ''}${a.live.source ? html` · 来源: ${a.live.source}` : ''}${a.live.author ? html` · 作者: ${a.live.author}` : ''}</p>
      ${meta}
      ${a.live.summary ? html`<p class="p-summary">${a.live.summary}</p>` : ''}
      <div class="p-content">${renderBody(a.live.body)}</div>
      ${files.length ? html`<section aria-labelledby="h-files"><h2 id="h-files">附件</h2>${attachmentList(files, { caption: '附件' })}</section>` : ''}
      ${source ? html`<p class="p-source">转载自: <a href="/sites/${source.siteCode}/articles/${source.id}">${source.live?.title}</a></p>` : ''}
      ${a.isDemo ? html`<p class="p-notice">以上为演示内容, 不代表真实政府信息。</p>` : ''}
    </article>`;
    return {
      html: shellFor(req, s, columns, {
        title: a.live.title,
        body,
        slug: parent?.slug ?? col.slug,
        crumbs: [...(parent ? [{ label: parent.name, href: `${s.base}/c/${parent.slug}` }] : []), { label: col.name, href: `${s.base}/c/${col.slug}` }, { label: '正文' }],
      }),
    };
  });
}

interface SearchQuery {
  q?: string;
  column?: string;
  type?: string;
  from?: string;
  to?: string;
  page?: string;
}

/** The search form and results (not cached: queries vary without end). */
export function searchBody(o: { action: string; query: SearchQuery; result: Awaited<ReturnType<typeof searchArticles>> | null; columns?: ColumnView[]; sites?: SiteView[]; showSite: boolean }): HtmlValue {
  const q = o.query;
  const types: { value: string; label: string }[] = [
    { value: '', label: '全部类型' },
    ...(['news', 'notices', 'policies', 'interpretation', 'disclosure'] as ColumnType[]).map((t) => ({ value: t, label: `栏目: ${COLUMN_TYPE_LABELS[t]}` })),
    { value: 'rule', label: '规章' },
    { value: 'normative', label: '行政规范性文件' },
  ];
  const params = (page: number) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...q, page: String(page) })) if (v) p.set(k, String(v));
    return `${o.action}?${p.toString()}`;
  };
  const r = o.result;
  return html`<h1>搜索</h1>
    <form class="p-search-form" action="${o.action}" method="get" role="search" aria-label="搜索条件">
      <div class="p-field"><label for="s-q">关键词</label><input id="s-q" name="q" type="search" value="${q.q ?? ''}" maxlength="100"></div>
      ${o.columns ? html`<div class="p-field"><label for="s-column">栏目</label><select id="s-column" name="column"><option value="">全部栏目</option>${o.columns.map((c) => html`<option value="${c.id}"${c.id === q.column ? html` selected` : ''}>${c.name}</option>`)}</select></div>` : ''}
      <div class="p-field"><label for="s-type">类型</label><select id="s-type" name="type">${types.map((t) => html`<option value="${t.value}"${t.value === (q.type ?? '') ? html` selected` : ''}>${t.label}</option>`)}</select></div>
      <div class="p-field"><label for="s-from">发布日期从</label><input id="s-from" name="from" type="date" value="${q.from ?? ''}"></div>
      <div class="p-field"><label for="s-to">至</label><input id="s-to" name="to" type="date" value="${q.to ?? ''}"></div>
      <button type="submit">搜索</button>
    </form>
    ${r === null
      ? ''
      : r.total === 0
        ? html`<p class="p-empty" role="status">没有找到与「${q.q}」相关的信息。</p>`
        : html`<p role="status">找到约 ${r.total} 条${r.totalCapped ? '以上' : ''}与「${q.q}」相关的信息。</p>
          <ol class="p-results">${r.hits.map((h) => html`<li><h2><a href="/sites/${h.siteCode}/articles/${h.id}">${marked(h.title, h.titleMarks)}</a>${demoBadge(h.isDemo)}</h2>
            <p>${marked(h.snippet, h.snippetMarks)}</p>
            <p class="p-date">${o.showSite ? html`${h.siteName} · ` : ''}${h.columnName} · ${h.kindLabel}${h.docNumber ? html` · ${h.docNumber}` : ''}${h.validity !== 'effective' ? html` · ${h.validityLabel}` : ''} · ${day(h.publishedAt)}</p></li>`)}</ol>
          ${pagination({ page: r.page, pageSize: r.pageSize, total: Math.min(r.total, 500), hrefFor: params })}`}`;
}

async function searchPage(req: FastifyRequest, reply: FastifyReply, s: SiteReq): Promise<FastifyReply> {
  const q = req.query as SearchQuery;
  const columns = await listColumns(req.ctx, s.site.code);
  const result = q.q?.trim() ? await searchArticles(req.ctx, { q: q.q, siteCode: s.site.code, columnId: q.column, type: q.type, from: q.from, to: q.to, page: Number(q.page) || 1 }) : null;
  const body = html`${searchBody({ action: `${s.base}/search`, query: q, result, columns, showSite: false })}
    <p><a href="/sites/search${q.q ? `?q=${encodeURIComponent(q.q)}` : ''}">在全省政府网站群中搜索</a></p>`;
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(shellFor(req, s, columns, { title: '搜索', body, crumbs: [{ label: '搜索' }], csrf: req.csrfToken }));
}

const xmlEscape = (v: string) => v.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

function absolute(req: FastifyRequest, p: string): string {
  return `${req.protocol}://${req.host}${p}`;
}

async function rss(req: FastifyRequest, reply: FastifyReply, s: SiteReq, slug: string): Promise<FastifyReply> {
  const col = await columnBySlug(req.ctx, s.site.code, slug);
  if (!col) throw notFound('column_not_found', '栏目不存在。');
  const { items } = await liveInColumns(req.ctx, { columnIds: [col.id], pageSize: 30 });
  const body = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>${xmlEscape(`${s.site.name} - ${col.name}`)}</title><link>${xmlEscape(absolute(req, `${s.base}/c/${col.slug}`))}</link>
<description>${xmlEscape(`${s.site.name}${col.name}栏目`)}</description><language>zh-cn</language>
${items.map((i) => `<item><title>${xmlEscape(i.title)}</title><link>${xmlEscape(absolute(req, `${s.base}/articles/${i.id}`))}</link><guid isPermaLink="false">${i.id}</guid><pubDate>${new Date(i.publishedAt).toUTCString()}</pubDate>${i.summary ? `<description>${xmlEscape(i.summary)}</description>` : ''}</item>`).join('\n')}
</channel></rss>`;
  return reply.type('application/rss+xml; charset=utf-8').header('cache-control', 'public, max-age=60').header('etag', `W/"r${s.site.contentVersion}"`).send(body);
}

async function sitemap(req: FastifyRequest, reply: FastifyReply, s: SiteReq): Promise<FastifyReply> {
  const columns = await listColumns(req.ctx, s.site.code);
  const entries = await sitemapEntries(req.ctx, { siteCode: s.site.code });
  const url = (loc: string, lastmod?: string) => `<url><loc>${xmlEscape(absolute(req, loc))}</loc>${lastmod ? `<lastmod>${lastmod.slice(0, 10)}</lastmod>` : ''}</url>`;
  const body = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
${url(homeHref(s.base), s.site.contentChangedAt)}
${columns.map((c) => url(`${s.base}/c/${c.slug}`)).join('\n')}
${entries.map((e) => url(`${s.base}/articles/${e.id}`, e.updatedAt)).join('\n')}
</urlset>`;
  return reply.type('application/xml; charset=utf-8').header('cache-control', 'public, max-age=300').send(body);
}

export function registerPublicPages(app: FastifyInstance): void {
  app.get('/portal/assets/portal.css', { config: { scope: 'public' } }, async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CSS));

  // The 长者模式 switch for visitors of cached pages (which carry no per-visitor token): the form, with this visitor's token.
  app.get('/portal/a11y', { config: { scope: 'public' } }, async (req, reply) => {
    const back = String((req.query as { back?: string }).back ?? '/');
    const target = back.startsWith('/') && !back.startsWith('//') ? back : '/';
    return reply.page({
      title: '长者模式',
      shell: 'public',
      body: html`<p>长者模式使用大字号和高对比度显示网站页面, 可随时退出。</p>${raw(a11ySwitch(target, req.a11y, req.csrfToken))}<p><a href="${target}">返回原页面</a></p>`,
    });
  });

  app.get('/sites', { config: { scope: 'public' } }, async (req, reply) => {
    const sites = (await listSites(req.ctx)).filter((s) => s.status === 'active');
    return reply.page({
      title: '政府网站群',
      shell: 'public',
      body: html`<p>河南省政府网站集约化平台上的政府网站。</p>
        <form action="/sites/search" method="get" role="search" aria-label="网站群搜索"><label for="g-q">在全部网站中搜索</label> <input id="g-q" name="q" type="search"> <button type="submit" class="btn btn-primary">搜索</button></form>
        <ul class="p-sites">${sites.map((s) => html`<li><a href="/sites/${s.code}">${s.name}</a> <span class="hint">网站标识码 ${s.code}${s.host ? html` · ${s.host}` : ''}</span>${s.isDemo ? html` <span class="badge badge-demo">演示数据</span>` : ''}</li>`)}</ul>`,
    });
  });

  app.get('/sites/search', { config: { scope: 'public' } }, async (req, reply) => {
    const q = req.query as SearchQuery & { site?: string };
    const sites = (await listSites(req.ctx)).filter((s) => s.status === 'active');
    const result = q.q?.trim() ? await searchArticles(req.ctx, { q: q.q, siteCode: q.site, type: q.type, from: q.from, to: q.to, page: Number(q.page) || 1 }) : null;
    return reply.page({ title: '网站群搜索', shell: 'public', body: html`${searchBody({ action: '/sites/search', query: q, result, sites, showSite: true })}` });
  });

  // By path (demo): /sites/{code}/…
  // Cached pages (home, columns, articles) take the kernel's anonymous fast path (pages/cache.ts).
  const cachedPage = { scope: 'public' as const, anonymousFastPath: fastServe };
  const uncached = { scope: 'public' as const };
  const byPath = <P extends Record<string, string>>(url: string, handler: (req: FastifyRequest, reply: FastifyReply, s: SiteReq, params: P) => Promise<FastifyReply>, config: typeof uncached = uncached) => {
    app.get(url, { config }, async (req, reply) => {
      const params = req.params as P & { code: string };
      return handler(req, reply, await siteOf(req, params.code), params);
    });
  };
  byPath('/sites/:code', (req, reply, s) => home(req, reply, s), cachedPage);
  byPath<{ slug: string }>('/sites/:code/c/:slug', (req, reply, s, p) => columnPage(req, reply, s, p.slug), cachedPage);
  byPath<{ id: string }>('/sites/:code/articles/:id', (req, reply, s, p) => articlePage(req, reply, s, p.id), cachedPage);
  byPath('/sites/:code/search', (req, reply, s) => searchPage(req, reply, s));
  byPath<{ slug: string }>('/sites/:code/c/:slug/rss.xml', (req, reply, s, p) => rss(req, reply, s, p.slug));
  byPath('/sites/:code/sitemap.xml', (req, reply, s) => sitemap(req, reply, s));

  // By host name: www.xxx.gov.cn/… (routes constrained to government hosts; the site row decides).
  const byHost = <P extends Record<string, string>>(url: string, handler: (req: FastifyRequest, reply: FastifyReply, s: SiteReq, params: P) => Promise<FastifyReply>, config: typeof uncached = uncached) => {
    app.get(url, { config, constraints: { host: PORTAL_HOSTS } }, async (req, reply) => handler(req, reply, await siteOf(req, undefined), req.params as P));
  };
  byHost('/', (req, reply, s) => home(req, reply, s), cachedPage);
  byHost<{ slug: string }>('/c/:slug', (req, reply, s, p) => columnPage(req, reply, s, p.slug), cachedPage);
  byHost<{ id: string }>('/articles/:id', (req, reply, s, p) => articlePage(req, reply, s, p.id), cachedPage);
  byHost('/search', (req, reply, s) => searchPage(req, reply, s));
  byHost<{ slug: string }>('/c/:slug/rss.xml', (req, reply, s, p) => rss(req, reply, s, p.slug));
  byHost('/sitemap.xml', (req, reply, s) => sitemap(req, reply, s));
}

