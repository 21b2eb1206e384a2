/**
 * The two page shells: the public site (citizens, enterprises) and the staff workbench.
 * Simplified Chinese, skip link, landmarks, visible focus, and the 适老化 mode (large text, high
 * contrast) switched by a cookie through a plain form, so it works without JavaScript.
 */
import { html, type HtmlValue, type SafeHtml } from './html.ts';
import { flash as flashBox } from './components.ts';
import type { Actor } from '../context.ts';

export interface NavEntry {
  label: string;
  href: string;
  group: string;
}

export interface PageInput {
  title: string;
  body: HtmlValue;
  /** 'workbench' for staff pages, 'public' for the site. */
  shell: 'workbench' | 'public';
  actor: Actor;
  csrf: string;
  nav: NavEntry[];
  currentPath: string;
  a11y: boolean;
  flash?: { kind: 'success' | 'error' | 'info'; text: string } | null;
  breadcrumbs?: { label: string; href?: string }[];
  /** Unread messages of the signed-in user; absent: no messages link in the header. */
  unreadCount?: number;
}

function navGroups(nav: NavEntry[], currentPath: string): SafeHtml {
  const groups = new Map<string, NavEntry[]>();
  for (const n of nav) groups.set(n.group, [...(groups.get(n.group) ?? []), n]);
  return html`${[...groups.entries()].map(
    ([group, items]) => html`<div class="nav-group"><h2 class="nav-title">${group}</h2><ul>${items.map((i) => {
      const current = currentPath === i.href || (i.href !== '/workbench' && currentPath.startsWith(`${i.href}/`));
      return html`<li><a href="${i.href}"${current ? html` aria-current="page"` : ''}>${i.label}</a></li>`;
    })}</ul></div>`,
  )}`;
}

function userBox(p: PageInput): SafeHtml {
  if (p.actor.kind === 'anonymous') {
    return html`<a href="/login">登录</a> <a href="/register">注册</a>`;
  }
  const home = p.actor.kind === 'staff' ? '/workbench' : '/my';
  return html`<a href="${home}">${p.actor.name}</a>
    <form action="/logout" method="post" class="inline"><input type="hidden" name="_csrf" value="${p.csrf}"><button type="submit" class="link">退出</button></form>`;
}

function messagesLink(p: PageInput): SafeHtml {
  if (p.unreadCount === undefined || p.actor.kind === 'anonymous') return html``;
  const href = p.actor.kind === 'staff' ? '/workbench/notifications' : '/my/notifications';
  const n = p.unreadCount;
  return html`<a href="${href}" class="bell" aria-label="${n > 0 ? `消息, ${n} 条未读` : '消息, 没有未读消息'}">消息${n > 0 ? html` <span class="count-badge">${n > 99 ? '99+' : n}</span>` : ''}</a>`;
}

function a11yToggle(p: PageInput): SafeHtml {
  return html`<form action="/preferences/a11y" method="post" class="inline">
    <input type="hidden" name="_csrf" value="${p.csrf}"><input type="hidden" name="back" value="${p.currentPath}">
    <button type="submit" class="link">${p.a11y ? '退出长者模式' : '长者模式 (大字/高对比)'}</button></form>`;
}

export function renderPage(p: PageInput): string {
  const crumbs = p.breadcrumbs?.length
    ? html`<nav aria-label="位置" class="breadcrumbs"><ol>${p.breadcrumbs.map((b) => html`<li>${b.href ? html`<a href="${b.href}">${b.label}</a>` : b.label}</li>`)}</ol></nav>`
    : '';
  const workbench = p.shell === 'workbench';
  const page = html`<!doctype html>
<html lang="zh-CN"${p.a11y ? html` class="a11y"` : ''}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title} - ${workbench ? '政务工作台' : '河南省政务服务平台'}</title>
<link rel="stylesheet" href="/assets/egov.css">
<script src="/assets/egov.js" defer></script>
</head>
<body class="${workbench ? 'wb' : 'pub'}${p.a11y ? ' a11y' : ''}">
<a class="skip" href="#main">跳到主要内容</a>
<header class="top">
  <div class="brand"><a href="${workbench ? '/workbench' : '/'}">${workbench ? '政务工作台' : '河南省政务服务平台'}</a></div>
  <div class="tools">${messagesLink(p)} ${a11yToggle(p)} ${userBox(p)}</div>
</header>
<div class="frame">
${workbench && p.nav.length > 0 ? html`<nav class="side" aria-label="工作台导航">${navGroups(p.nav, p.currentPath)}</nav>` : ''}
<main id="main" tabindex="-1">
${crumbs}
<h1>${p.title}</h1>
${flashBox(p.flash)}
${p.body}
</main>
</div>
<footer class="foot"><p>主办: 河南省人民政府办公厅 (参考部署) · egov 开源政务平台</p></footer>
</body>
</html>`;
  return page.value;
}
