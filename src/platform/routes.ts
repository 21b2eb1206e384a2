/**
 * Routes the kernel itself owns: health, the public home, the workbench home with pending items.
 */
import type { App } from './http/app.ts';
import { html } from './ui/html.ts';
import { queryOne, sql } from './db/index.ts';
import type { ModuleDefinition, PendingItem, PlatformServices } from './module.ts';
import { hasScope } from './context.ts';

export function registerPlatformRoutes(app: App, deps: { services: PlatformServices; modules: ModuleDefinition[] }): void {
  app.get('/healthz', {
    config: { scope: 'public' },
    schema: { summary: '健康检查', tags: ['platform'] },
  }, async (_req, reply) => {
    await queryOne(deps.services.database.db, sql`SELECT 1 AS ok`);
    return reply.header('cache-control', 'no-store').send({ status: 'ok', database: deps.services.database.kind });
  });

  app.get('/', { config: { scope: 'public' } }, async (req, reply) => {
    const links = deps.modules.flatMap((m) => m.publicLinks ?? []);
    return reply.page({
      title: '欢迎访问河南省政务服务平台',
      shell: 'public',
      body: html`<p>本平台汇集全省政府网站群、政务公开、网上办事与政民互动。</p>
        <div class="cards">${links.map((l) => html`<section class="card"><h2><a href="${l.href}">${l.label}</a></h2><p>${l.description}</p></section>`)}
        <section class="card"><h2><a href="/login">工作人员登录</a></h2><p>省、市、县各级政府部门工作人员进入政务工作台。</p></section>
        ${req.ctx.actor.kind === 'anonymous' ? html`<section class="card"><h2><a href="/register">个人 / 法人注册</a></h2><p>使用公民身份号码或统一社会信用代码注册账号。</p></section>` : ''}
        </div>`,
    });
  });

  app.get('/workbench', { config: { scope: 'staff' } }, async (req, reply) => {
    const items: PendingItem[] = [];
    for (const m of deps.modules) if (m.pendingItems) items.push(...(await m.pendingItems(req.ctx)));
    const grants = req.ctx.actor.grants;
    return reply.page({
      title: '工作台首页',
      body: html`<section aria-labelledby="pending-h"><h2 id="pending-h">待办事项</h2>
        ${items.length === 0 ? html`<p class="empty">暂无待办事项。</p>` : html`<ul class="pending">${items.map((i) => html`<li><a href="${i.href}">${i.title}</a> <span class="count-badge">${i.count}</span></li>`)}</ul>`}
        </section>
        <section aria-labelledby="roles-h"><h2 id="roles-h">我的岗位</h2>
        <ul>${grants.map((g) => html`<li>${g.unitName} · ${g.roleName}</li>`)}</ul></section>
        ${hasScope(req.ctx.actor, 'platform.audit.read') ? html`<p><a href="/workbench/audit">查看审计日志</a></p>` : ''}`,
    });
  });
}
