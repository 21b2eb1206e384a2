/**
 * Operations view of the outbox: delivery counts, dead letters with their payload and last error,
 * and replay (an audited operator action that puts the delivery back in the queue).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App } from '../http/app.ts';
import type { PlatformServices } from '../module.ts';
import { notFound } from '../errors.ts';
import { parseInput } from '../http/validation.ts';
import { html } from '../ui/html.ts';
import { button, form, table } from '../ui/components.ts';
import { listDeadLetters, outboxStats, type DeadLetter } from './outbox.ts';
import { replayDeadLetter } from './dispatcher.ts';
import { formatChinaTime } from '../ui/time.ts';

export const EVENTS_ADMIN_SCOPE = 'platform.events.admin';
const PAGE_LIMIT = 100;
const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

export const ReplayBody = Type.Object({
  eventId: Type.String({ title: '事件标识', pattern: UUID_PATTERN }),
  handler: Type.String({ title: '处理器', minLength: 1, maxLength: 200 }),
});

const DeadLetterSchema = Type.Object({
  eventId: Type.String({ title: '事件标识' }),
  handler: Type.String({ title: '处理器 (模块.处理器)' }),
  type: Type.String({ title: '事件类型' }),
  attempts: Type.Integer({ title: '已尝试次数' }),
  lastError: Type.Union([Type.String(), Type.Null()], { title: '最近一次失败原因' }),
  updatedAt: Type.String({ title: '进入死信的时间 (ISO 8601)' }),
  payload: Type.Unknown({ title: '事件内容' }),
}, { title: '死信' });

const StatsSchema = Type.Object({
  pending: Type.Integer({ title: '待投递' }),
  done: Type.Integer({ title: '已完成' }),
  dead: Type.Integer({ title: '死信' }),
  awaitingFanOut: Type.Integer({ title: '待分发给订阅者的事件数' }),
  oldestPendingDueAt: Type.Union([Type.String(), Type.Null()], { title: '最早一条待投递的应投递时间' }),
}, { title: '投递统计' });

export function registerDeadLetterRoutes(app: App, services: PlatformServices): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/workbench/system/dead-letters', { config: { scope: EVENTS_ADMIN_SCOPE } }, async (req, reply) => {
    const [stats, dead] = await Promise.all([outboxStats(req.ctx), listDeadLetters(req.ctx, { limit: PAGE_LIMIT })]);
    return reply.page({
      title: '事件死信',
      breadcrumbs: [{ label: '工作台', href: '/workbench' }, { label: '事件死信' }],
      body: html`<p>模块之间通过事件协作。投递失败时按指数退避重试, 超过次数上限的投递成为死信, 需排除原因后重新投递。</p>
        <section aria-labelledby="stats-h"><h2 id="stats-h">投递概况</h2>
        <dl class="facts">
          <dt>待分发事件</dt><dd>${stats.awaitingFanOut}</dd>
          <dt>待投递</dt><dd>${stats.pending}${stats.oldestPendingDueAt ? html` <span class="muted">(最早一条应于 ${formatChinaTime(stats.oldestPendingDueAt)} 投递)</span>` : ''}</dd>
          <dt>已完成</dt><dd>${stats.done}</dd>
          <dt>死信</dt><dd>${stats.dead}</dd>
        </dl></section>
        <section aria-labelledby="dead-h"><h2 id="dead-h">死信${stats.dead > PAGE_LIMIT ? html` <span class="muted">(显示最近 ${PAGE_LIMIT} 条)</span>` : ''}</h2>
        ${table<DeadLetter>({
          caption: '投递失败且已停止重试的事件',
          empty: '没有死信。',
          rows: dead,
          columns: [
            { header: '事件类型', cell: (d) => html`<code>${d.type}</code>` },
            { header: '处理器', cell: (d) => html`<code>${d.handler}</code>` },
            { header: '尝试次数', cell: (d) => d.attempts, className: 'num' },
            { header: '最近错误', cell: (d) => d.lastError ?? '' },
            { header: '时间', cell: (d) => html`<time datetime="${d.updatedAt}">${formatChinaTime(d.updatedAt)}</time>` },
            { header: '内容', cell: (d) => html`<span class="muted mono">${d.eventId}</span><pre>${JSON.stringify(d.payload, null, 2)}</pre>` },
            {
              header: '操作',
              cell: (d) => form({
                action: '/workbench/system/dead-letters/replay',
                csrf: req.csrfToken,
                label: `重新投递 ${d.type} 到 ${d.handler}`,
                body: html`<input type="hidden" name="eventId" value="${d.eventId}"><input type="hidden" name="handler" value="${d.handler}">${button('重新投递', { kind: 'secondary' })}`,
              }),
            },
          ],
        })}</section>`,
    });
  });

  r.post('/workbench/system/dead-letters/replay', { config: { scope: EVENTS_ADMIN_SCOPE } }, async (req, reply) => {
    const input = parseInput(ReplayBody, req.body);
    const replayed = await replayDeadLetter(req.ctx, input);
    if (replayed) services.nudgeDispatcher();
    return reply.flashRedirect(
      '/workbench/system/dead-letters',
      replayed
        ? { kind: 'success', text: `已重新投递: 处理器 ${input.handler}, 事件 ${input.eventId}。` }
        : { kind: 'error', text: '该死信不存在或已被重新投递。' },
    );
  });

  r.get('/api/platform/dead-letters', {
    config: { scope: EVENTS_ADMIN_SCOPE },
    schema: {
      summary: '查询事件死信',
      description: '投递统计与最近的死信 (新的在前)。',
      tags: ['platform'],
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ title: '最多返回条数', minimum: 1, maximum: 1000 })) }),
      response: { 200: Type.Object({ stats: StatsSchema, items: Type.Array(DeadLetterSchema, { title: '死信' }) }) },
    },
  }, async (req) => {
    const [stats, items] = await Promise.all([outboxStats(req.ctx), listDeadLetters(req.ctx, { limit: req.query.limit ?? PAGE_LIMIT })]);
    return { stats, items };
  });

  r.post('/api/platform/dead-letters/replay', {
    config: { scope: EVENTS_ADMIN_SCOPE },
    schema: {
      summary: '重新投递死信',
      description: '把一条死信放回投递队列 (尝试次数清零), 操作记入审计日志。',
      tags: ['platform'],
      body: ReplayBody,
      response: { 200: Type.Object({ replayed: Type.Boolean({ title: '是否已放回队列' }) }) },
    },
  }, async (req) => {
    const replayed = await replayDeadLetter(req.ctx, req.body);
    if (!replayed) throw notFound('dead_letter_not_found', '该死信不存在或已被重新投递。');
    services.nudgeDispatcher();
    return { replayed };
  });
}
