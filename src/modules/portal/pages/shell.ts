/**
 * The portal's own site shell: site header with search, the column navigation, breadcrumbs and
 * the footer elements that monitors check (党政机关标识, 主办单位, 网站标识码, ICP备案号,
 * 公安机关备案号, 联系方式, 我为政府网站找错). The page is the same for every visitor except
 * the 长者模式 switch, a slot filled when served (a link for anonymous visitors, the form with
 * the visitor's CSRF token for signed-in ones), so the rendered page can be cached per site version.
 */
import { html, raw, type HtmlValue, type SafeHtml } from '../../../platform/ui/html.ts';
import type { ColumnView, SiteView } from '../services/sites.ts';

export const CSRF_PLACEHOLDER = '__PORTAL_CSRF__';
/** Where the 长者模式 switch goes in a cached page (filled when served, see pages/cache.ts). */
export const A11Y_SLOT = '<!--portal-a11y-switch-->';

export const a11yLabel = (on: boolean) => (on ? '退出长者模式' : '长者模式 (大字/高对比)');

/**
 * The 长者模式 switch: a form with the visitor's CSRF token (or CSRF_PLACEHOLDER), or for
 * anonymous visitors of cached pages (csrf null) a link to /portal/a11y, which carries the form,
 * so that cached pages hold no per-visitor token.
 */
export function a11ySwitch(currentPath: string, a11y: boolean, csrf: string | null): string {
  if (csrf === null) return html`<a class="p-linkbtn" href="/portal/a11y?back=${encodeURIComponent(currentPath)}">${a11yLabel(a11y)}</a>`.value;
  return html`<form action="/preferences/a11y" method="post" class="p-inline">
        <input type="hidden" name="_csrf" value="${raw(csrf)}"><input type="hidden" name="back" value="${currentPath}">
        <button type="submit" class="p-linkbtn">${a11yLabel(a11y)}</button>
      </form>`.value;
}

export interface ShellInput {
  site: SiteView;
  columns: ColumnView[];
  /** '' when served by host name, '/sites/{code}' when served by path. */
  base: string;
  title: string;
  body: HtmlValue;
  breadcrumbs?: { label: string; href?: string }[];
  currentSlug?: string;
  currentPath: string;
  a11y: boolean;
  /** For pages not cached (forms): the real token; default the 长者模式 slot (cached pages). */
  csrf?: string;
  rssHref?: string;
  status?: number;
}

export const homeHref = (base: string) => base || '/';

/** Body text: one paragraph per line, `## ` headings, `[text](/path or https://…)` links. */
export function renderBody(text: string): SafeHtml {
  const link = /\[([^\]\n]{1,200})\]\(((?:\/|https?:\/\/)[^)\s]{0,500})\)/g;
  const inline = (line: string): SafeHtml => {
    const parts: HtmlValue[] = [];
    let last = 0;
    for (const m of line.matchAll(link)) {
      parts.push(line.slice(last, m.index));
      parts.push(html`<a href="${m[2]}">${m[1]}</a>`);
      last = (m.index ?? 0) + m[0].length;
    }
    parts.push(line.slice(last));
    return html`${parts}`;
  };
  return html`${text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => (l.startsWith('## ') ? html`<h2>${inline(l.slice(3))}</h2>` : html`<p>${inline(l)}</p>`))}`;
}

/** Text with ranges marked (search highlights), escaped. */
export function marked(text: string, marks: [number, number][]): SafeHtml {
  const parts: HtmlValue[] = [];
  let last = 0;
  for (const [a, b] of marks) {
    if (a < last) continue;
    parts.push(text.slice(last, a));
    parts.push(html`<mark>${text.slice(a, b)}</mark>`);
    last = b;
  }
  parts.push(text.slice(last));
  return html`${parts}`;
}

export function renderSite(p: ShellInput): string {
  const s = p.site;
  const top = p.columns.filter((c) => c.parentId === null && c.inNav);
  const crumbs = p.breadcrumbs?.length
    ? html`<nav aria-label="当前位置" class="p-crumbs"><ol><li><a href="${homeHref(p.base)}">首页</a></li>${p.breadcrumbs.map((b) => html`<li>${b.href ? html`<a href="${b.href}">${b.label}</a>` : html`<span aria-current="page">${b.label}</span>`}</li>`)}</ol></nav>`
    : '';
  const navLink = (href: string, label: string, current: boolean) => html`<li><a href="${href}"${current ? html` aria-current="page"` : ''}>${label}</a></li>`;
  const page = html`<!doctype html>
<html lang="zh-CN" class="portal theme-${s.theme}${p.a11y ? ' a11y' : ''}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title} - ${s.name}</title>
<meta name="SiteName" content="${s.name}">
<meta name="SiteDomain" content="${s.host ?? ''}">
<meta name="SiteIDCode" content="${s.code}">
<link rel="stylesheet" href="/portal/assets/portal.css">
${p.rssHref ? html`<link rel="alternate" type="application/rss+xml" title="${p.title}" href="${p.rssHref}">` : ''}
</head>
<body class="portal-body${p.a11y ? ' a11y' : ''}">
<a class="p-skip" href="#main">跳到主要内容</a>
<header class="p-head">
  <div class="p-head-inner">
    <p class="p-brand"><a href="${homeHref(p.base)}">${s.name}</a>${s.isDemo ? html` <span class="p-demo">演示内容</span>` : ''}</p>
    <div class="p-tools">
      <form class="p-search" role="search" action="${p.base}/search" method="get">
        <label for="p-q">站内搜索</label>
        <input id="p-q" name="q" type="search" maxlength="100">
        <button type="submit">搜索</button>
      </form>
      ${raw(p.csrf ? a11ySwitch(p.currentPath, p.a11y, p.csrf) : A11Y_SLOT)}
      <a href="/my/portal">我的办件</a>
      <a href="/sites">网站群</a>
    </div>
  </div>
  <nav class="p-nav" aria-label="网站栏目">
    <ul>
      ${navLink(homeHref(p.base), '首页', p.currentSlug === '')}
      ${top.map((c) => navLink(`${p.base}/c/${c.slug}`, c.name, p.currentSlug === c.slug))}
      ${navLink(`/sites/${s.code}/disclosure`, '政务公开', p.currentSlug === 'disclosure')}
      ${navLink(`/sites/${s.code}/interaction`, '互动交流', p.currentSlug === 'interaction')}
    </ul>
  </nav>
</header>
<main id="main" tabindex="-1" class="p-main">
${crumbs}
${p.body}
</main>
<footer class="p-foot">
  <div class="p-foot-inner">
    <p class="p-foot-links"><a href="${s.errorReportUrl ?? `/sites/${s.code}/interaction/write?channel=error_report`}" class="p-zhaocuo">我为政府网站找错</a>
      <a href="/sites/${s.code}/disclosure/guide">政府信息公开指南</a> <a href="${p.base}/sitemap.xml">网站地图</a></p>
    <p><span class="p-dzjg" role="img" aria-label="党政机关网站标识${s.partyLabel ? ` ${s.partyLabel}` : ''}">党政机关</span>
      主办: ${s.sponsorName}${s.organizerName ? html` · 承办: ${s.organizerName}` : ''}</p>
    <p>网站标识码: ${s.code}${s.icpNumber ? html` · ${s.icpNumber}` : ''}${s.policeNumber ? html` · ${s.policeNumber}` : ''}</p>
    <p>${s.contactPhone ? html`联系电话: ${s.contactPhone} ` : ''}${s.contactEmail ? html`· 邮箱: ${s.contactEmail} ` : ''}${s.address ? html`· 地址: ${s.address}` : ''}</p>
    <p>本站支持 IPv6 · 适老化与无障碍: 全部功能可用键盘操作, 无弹窗${s.isDemo ? ' · 本站内容为演示内容' : ''}</p>
  </div>
</footer>
</body>
</html>`;
  return page.value;
}
