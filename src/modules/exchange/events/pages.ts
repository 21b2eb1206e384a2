/**
 * Workbench pages of the events part: 事件订阅 (a unit's subscriptions: subscribe a subsystem to a
 * topic it holds a grant for, pause, resume, unsubscribe) and 事件死信 (delivery statistics, dead
 * letters with payload and last error, replay — operators with exchange.dead_letter.manage).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { html } from '../../../platform/ui/html.ts';
import { badge, button, errorSummary, field, form, select, table } from '../../../platform/ui/components.ts';
import { formatChinaTime } from '../../../platform/ui/time.ts';
import { hasScope } from '../../../platform/context.ts';
import { isAppError, type FieldProblem } from '../../../platform/errors.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { SCOPES } from '../model.ts';
import { listResources } from '../services/catalog.ts';
import { listSubsystems, type SubsystemView } from '../services/members.ts';
import { listSubscriptions, pauseSubscription, resumeSubscription, subscribe, unsubscribe, type SubscriptionView } from './topics.ts';
import { deliveryStats, getDeadLetter, listDeadLetters, replayDeadLetter, type DeadLetterView } from './deliveries.ts';

const SUBS = '/workbench/exchange/subscriptions';
const DEAD = '/workbench/exchange/dead-letters';
const crumbs = (...rest: { label: string; href?: string }[]) => [{ label: '工作台', href: '/workbench' }, { label: '数据共享交换' }, ...rest];
const time = (s: string | null) => (s ? html`<time datetime="${s}">${formatChinaTime(s)}</time>` : '—');
const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const IdParams = Type.Object({ id: Type.String({ title: '标识', pattern: UUID }) });
const ActionParams = Type.Object({ id: Type.String({ title: '订阅', pattern: UUID }), action: Type.Union([Type.Literal('pause'), Type.Literal('resume'), Type.Literal('cancel')], { title: '操作' }) });
const SubscribeForm = Type.Object({
  resourceId: Type.String({ title: '事件主题', pattern: UUID }),
  subscriberSubsystemId: Type.String({ title: '订阅方子系统', pattern: UUID }),
  webhookUrl: Type.String({ title: '回调地址', minLength: 8, maxLength: 2000 }),
});

/** Subsystems the actor may subscribe for: those of units where they hold exchange.subscription.manage (all for the data authority). */
async function ownSubsystems(req: FastifyRequest): Promise<SubsystemView[]> {
  if (hasScope(req.ctx.actor, SCOPES.grantManage)) return listSubsystems(req.ctx);
  const units = [...new Set(req.ctx.actor.grants.filter((g) => g.scopes.has(SCOPES.subscriptionManage)).map((g) => g.unitId))];
  return (await Promise.all(units.map((unitId) => listSubsystems(req.ctx, { unitId })))).flat();
}

async function renderSubscriptions(req: FastifyRequest, reply: FastifyReply, state: { errors?: FieldProblem[]; values?: Record<string, string>; status?: number } = {}): Promise<FastifyReply> {
  const [subs, topics, subsystems] = await Promise.all([listSubscriptions(req.ctx), listResources(req.ctx, { kind: 'topic' }), ownSubsystems(req)]);
  const errs: Record<string, string> = {};
  for (const f of state.errors ?? []) errs[f.field] = f.message;
  const v = state.values ?? {};
  const canSubscribe = subsystems.length > 0 && topics.length > 0;
  return reply.page({
    title: '事件订阅',
    breadcrumbs: crumbs({ label: '事件订阅' }),
    status: state.status,
    body: html`<p>订阅事件主题后, 主题的新事件以 HTTP POST 推送到回调地址: 请求头 <code>X-Egov-Event-Id</code> 为幂等键 (同一事件可能重复推送, 按它去重),
        <code>X-Egov-Signature</code> 为平台 SM2 签名 (公钥见 <a href="/exchange/keys">/exchange/keys</a>); 应答 2xx 即确认。同一排序键的事件按发布顺序推送。</p>
      ${table<SubscriptionView>({
        caption: `订阅 (共 ${subs.length} 个)`,
        rows: subs,
        empty: '尚无订阅。',
        columns: [
          { header: '事件主题', cell: (s) => html`${s.resourceName} <code>${s.resourceCode}</code>` },
          { header: '订阅方子系统', cell: (s) => html`${s.subscriberName}<br><code>${s.subscriberXroadId}</code>` },
          { header: '回调地址', cell: (s) => html`<code>${s.webhookUrl}</code>` },
          { header: '状态', cell: (s) => badge(s.statusLabel, s.status === 'active' ? 'ok' : 'warn') },
          { header: '待投递', cell: (s) => s.pending, className: 'num' },
          { header: '死信', cell: (s) => s.dead, className: 'num' },
          { header: '订阅时间', cell: (s) => time(s.createdAt) },
          {
            header: '操作',
            cell: (s) => html`${s.status === 'active' ? actionForm(req, s, 'pause', '暂停') : actionForm(req, s, 'resume', '恢复')} ${actionForm(req, s, 'cancel', '退订', `确定退订「${s.resourceName}」? 未投递的事件将不再推送。`)}`,
          },
        ],
      })}
      ${canSubscribe ? html`<section aria-labelledby="new-h"><h2 id="new-h">新订阅</h2>
        ${errorSummary(state.errors ?? [])}
        ${form({
          action: SUBS,
          csrf: req.csrfToken,
          label: '订阅事件主题',
          body: html`${select({ name: 'resourceId', label: '事件主题', required: true, placeholder: '请选择', value: v.resourceId, error: errs.resourceId, options: topics.map((t) => ({ value: t.id, label: `${t.name} (${t.code}, ${t.shareTypeLabel})` })) })}
            ${select({ name: 'subscriberSubsystemId', label: '订阅方子系统 (须已获该主题的授权)', required: true, placeholder: '请选择', value: v.subscriberSubsystemId, error: errs.subscriberSubsystemId, options: subsystems.map((s) => ({ value: s.id, label: `${s.name} (${s.xroadId})` })) })}
            ${field({ name: 'webhookUrl', label: '回调地址', required: true, value: v.webhookUrl, error: errs.webhookUrl, hint: '接收事件的 http:// 或 https:// 地址', maxLength: 2000 })}
            <div class="actions">${button('订阅', { kind: 'primary' })}</div>`,
        })}</section>` : ''}`,
  });
}

function actionForm(req: FastifyRequest, s: SubscriptionView, action: 'pause' | 'resume' | 'cancel', label: string, confirm?: string) {
  return form({ action: `${SUBS}/${s.id}/${action}`, csrf: req.csrfToken, label: `${label}: ${s.resourceName} → ${s.subscriberXroadId}`, confirm, body: button(label, { kind: action === 'cancel' ? 'danger' : 'secondary' }) });
}

async function renderDeadLetters(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const [stats, dead] = await Promise.all([deliveryStats(req.ctx), listDeadLetters(req.ctx, { limit: 100 })]);
  return reply.page({
    title: '事件死信 (数据共享交换)',
    breadcrumbs: crumbs({ label: '事件死信' }),
    body: html`<p>推送给订阅方的事件失败时按指数退避重试; 超过次数上限的成为死信。请排除原因 (订阅方停机、地址错误、授权失效) 后重新投递。</p>
      <section aria-labelledby="stats-h"><h2 id="stats-h">投递概况</h2>
      <dl class="facts">
        <dt>待投递</dt><dd>${stats.pending}</dd>
        <dt>已确认</dt><dd>${stats.delivered}</dd>
        <dt>死信</dt><dd>${stats.dead}</dd>
        <dt>发布到确认时延 (近 24 小时)</dt><dd>${stats.p50LatencyMs === null ? '暂无' : `中位数 ${stats.p50LatencyMs} 毫秒, 95 分位 ${stats.p95LatencyMs} 毫秒`}</dd>
      </dl></section>
      ${table<DeadLetterView>({
        caption: `死信${stats.dead > 100 ? ' (显示最近 100 条)' : ''}`,
        rows: dead,
        empty: '没有死信。',
        columns: [
          { header: '事件主题', cell: (d) => html`${d.topicName} <code>${d.topicCode}</code>` },
          { header: '事件', cell: (d) => html`<a href="${DEAD}/${d.id}"><code>${d.type}</code> ${d.key}</a>` },
          { header: '订阅方', cell: (d) => html`<code>${d.subscriberXroadId}</code>` },
          { header: '尝试次数', cell: (d) => d.attempts, className: 'num' },
          { header: '最近错误', cell: (d) => d.lastError ?? '' },
          { header: '最近尝试', cell: (d) => time(d.lastAttemptAt) },
          { header: '操作', cell: (d) => replayForm(req, d) },
        ],
      })}`,
  });
}

function replayForm(req: FastifyRequest, d: DeadLetterView) {
  return form({ action: `${DEAD}/${d.id}/replay`, csrf: req.csrfToken, label: `重新投递 ${d.type} ${d.key} 到 ${d.subscriberXroadId}`, body: button('重新投递', { kind: 'secondary' }) });
}

export function registerEventPages(app: FastifyInstance, services: PlatformServices): void {
  app.get(SUBS, { config: { scope: 'staff' } }, (req, reply) => renderSubscriptions(req, reply));

  app.post(SUBS, { config: { scope: 'staff' } }, async (req, reply) => {
    const values = (req.body ?? {}) as Record<string, string>;
    try {
      const sub = await subscribe(req.ctx, parseInput(SubscribeForm, req.body));
      services.nudgeDispatcher();
      return reply.flashRedirect(SUBS, { kind: 'success', text: `已订阅「${sub.resourceName}」, 新事件将推送到 ${sub.webhookUrl}。` });
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      const errors = err.fields.length ? err.fields : [{ field: 'resourceId', message: err.message }];
      return renderSubscriptions(req, reply, { errors, values, status: err.status === 403 || err.status === 409 ? err.status : 422 });
    }
  });

  app.post(`${SUBS}/:id/:action`, { config: { scope: 'staff' } }, async (req, reply) => {
    const { id, action } = parseInput(ActionParams, req.params);
    const fn = action === 'pause' ? pauseSubscription : action === 'resume' ? resumeSubscription : unsubscribe;
    const sub = await fn(req.ctx, { id });
    services.nudgeDispatcher();
    return reply.flashRedirect(SUBS, { kind: 'success', text: `「${sub.resourceName}」→ ${sub.subscriberXroadId}: ${sub.statusLabel}。` });
  });

  app.get(DEAD, { config: { scope: SCOPES.deadLetterManage } }, (req, reply) => renderDeadLetters(req, reply));

  app.get(`${DEAD}/:id`, { config: { scope: SCOPES.deadLetterManage } }, async (req, reply) => {
    const d = await getDeadLetter(req.ctx, parseInput(IdParams, req.params));
    return reply.page({
      title: `死信: ${d.type} ${d.key}`,
      breadcrumbs: crumbs({ label: '事件死信', href: DEAD }, { label: d.key }),
      body: html`<dl class="meta">
          <dt>事件主题</dt><dd>${d.topicName} <code>${d.topicCode}</code></dd>
          <dt>事件标识 (幂等键)</dt><dd><code>${d.eventId}</code></dd>
          <dt>事件类型</dt><dd><code>${d.type}</code></dd>
          <dt>排序键</dt><dd>${d.key}</dd>
          <dt>发布时间</dt><dd>${time(d.publishedAt)}</dd>
          <dt>订阅方</dt><dd><code>${d.subscriberXroadId}</code></dd>
          <dt>回调地址</dt><dd><code>${d.webhookUrl}</code></dd>
          <dt>尝试次数</dt><dd>${d.attempts}${d.replayedCount ? ` (已重新投递 ${d.replayedCount} 次)` : ''}</dd>
          <dt>第一次尝试</dt><dd>${time(d.firstAttemptedAt)}</dd>
          <dt>最近一次尝试</dt><dd>${time(d.lastAttemptAt)}</dd>
          <dt>最近应答状态码</dt><dd>${d.lastStatusCode ?? '无应答'}</dd>
          <dt>最近错误</dt><dd>${d.lastError ?? ''}</dd>
        </dl>
        <h2>事件内容</h2><pre>${JSON.stringify(d.payload, null, 2)}</pre>
        ${replayForm(req, d)}`,
    });
  });

  app.post(`${DEAD}/:id/replay`, { config: { scope: SCOPES.deadLetterManage } }, async (req, reply) => {
    const d = await replayDeadLetter(req.ctx, parseInput(IdParams, req.params));
    services.nudgeDispatcher();
    return reply.flashRedirect(DEAD, { kind: 'success', text: `已重新投递: ${d.type} ${d.key} → ${d.subscriberXroadId}。` });
  });
}
