/**
 * The exchange dashboard (运行看板, /workbench/exchange): resources by provider, requests per day
 * (chart with its table), success rate and latency percentiles through the gateway, per-service
 * figures, open and overdue applications, event delivery with dead letters, and the latency from
 * an enterprise registration to the tax side's acknowledgement.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { badge, button, form, select, table } from '../../../platform/ui/components.ts';
import { chart } from '../../../platform/ui/chart.ts';
import { formatChinaTime } from '../../../platform/ui/time.ts';
import { hasScope } from '../../../platform/context.ts';
import { SCOPES } from '../model.ts';
import { exchangeDashboard, type ProviderRow } from '../services/dashboard.ts';
import { DEMO_BADGE, EXCHANGE_BASE as BASE } from './catalog.ts';

const PERIODS = [7, 14, 30, 90];
const msText = (v: number | null) => (v === null ? '—' : `${v} 毫秒`);
const pct = (v: number) => `${(Math.round(v * 1000) / 10).toFixed(1)}%`;

async function renderDashboard(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const q = Number((req.query as Record<string, string | undefined>).days);
  const days = PERIODS.includes(q) ? q : 14;
  const d = await exchangeDashboard(req.ctx, { days });
  const g = d.gateway;
  const card = (label: string, value: string | number, note?: string) => html`<dt>${label}</dt><dd>${value}${note ? html` <span class="muted">${note}</span>` : ''}</dd>`;
  return reply.page({
    title: '数据共享交换运行看板',
    breadcrumbs: [{ label: '工作台', href: '/workbench' }, { label: '数据共享交换', href: `${BASE}/catalog` }, { label: '运行看板' }],
    body: html`${form({
        action: BASE,
        method: 'get',
        csrf: req.csrfToken,
        className: 'filters',
        label: '统计时段',
        body: html`${select({ name: 'days', label: '统计时段', options: PERIODS.map((p) => ({ value: String(p), label: `最近 ${p} 天` })), value: String(days) })}<div class="actions">${button('查看')}</div>`,
      })}
      <p class="hint">统计自 ${formatChinaTime(d.since).slice(0, 16)} 起。</p>
      <section aria-labelledby="gw-h"><h2 id="gw-h">网关调用</h2>
        <dl class="facts">
          ${card('调用次数', g.requests)}
          ${card('成功率', pct(g.successRate), g.failures ? `失败 ${g.failures} 次` : undefined)}
          ${card('耗时 P50', msText(g.requests ? g.p50Ms : null))}
          ${card('耗时 P95', msText(g.requests ? g.p95Ms : null))}
          ${card('耗时 P99', msText(g.requests ? g.p99Ms : null))}
        </dl>
        ${chart({
          id: 'requests-per-day',
          title: '每日调用次数 (成功 / 失败)',
          option: {
            tooltip: { trigger: 'axis' },
            legend: { data: ['成功', '失败'] },
            xAxis: { type: 'category', data: g.byDay.map((x) => x.day) },
            yAxis: { type: 'value', name: '次' },
            series: [
              { type: 'bar', name: '成功', stack: 'all', data: g.byDay.map((x) => x.requests - x.failures) },
              { type: 'bar', name: '失败', stack: 'all', data: g.byDay.map((x) => x.failures) },
            ],
          },
          table: table({
            caption: '每日调用次数',
            rows: g.byDay,
            empty: '统计时段内没有调用。',
            columns: [
              { header: '日期', cell: (x) => x.day },
              { header: '调用', cell: (x) => x.requests, className: 'num' },
              { header: '失败', cell: (x) => x.failures, className: 'num' },
            ],
          }),
        })}
        ${table({
          caption: '各服务调用情况',
          rows: g.byService,
          empty: '统计时段内没有调用。',
          columns: [
            { header: '资源', cell: (s) => html`<a href="${BASE}/resources/${s.resourceId}">${s.name}</a> <code>${s.code}</code>` },
            { header: '调用', cell: (s) => s.requests, className: 'num' },
            { header: '失败', cell: (s) => s.failures, className: 'num' },
            { header: '最短 / 平均 / 最长 (毫秒)', cell: (s) => `${s.minMs} / ${s.avgMs} / ${s.maxMs}`, className: 'num' },
          ],
        })}
      </section>
      <section aria-labelledby="app-h"><h2 id="app-h">共享申请</h2>
        <dl class="facts">
          ${card('待答复', d.applications.open)}
          ${card('超期未答复', d.applications.overdue)}
          ${card('已同意', d.applications.approved)}
          ${card('不同意', d.applications.refused)}
        </dl>
        ${d.applications.overdue && hasScope(req.ctx.actor, SCOPES.grantManage) ? html`<p>${badge('督办', 'warn')} <a href="${BASE}/applications">处理超期未答复的申请</a></p>` : ''}
      </section>
      <section aria-labelledby="ev-h"><h2 id="ev-h">事件投递</h2>
        <dl class="facts">
          ${card('待投递', d.delivery.pending)}
          ${card('已确认', d.delivery.delivered)}
          ${card('死信', d.delivery.dead)}
          ${card('发布→确认 P50', msText(d.delivery.p50LatencyMs))}
          ${card('发布→确认 P95', msText(d.delivery.p95LatencyMs))}
        </dl>
        ${d.delivery.dead && hasScope(req.ctx.actor, SCOPES.deadLetterManage) ? html`<p><a href="${BASE}/dead-letters">查看和重新投递死信</a></p>` : ''}
        <h3>企业登记 → 税务部门确认接收</h3>
        <dl class="facts">
          ${card('事件数', d.registrationLatency.count)}
          ${card('时延 P50', msText(d.registrationLatency.p50Ms))}
          ${card('时延 P95', msText(d.registrationLatency.p95Ms))}
        </dl>
        <p class="hint">从登记机关提交登记 (法人库事务提交) 到订阅企业登记主题的税务部门确认接收 (接收方保存后应答)。</p>
      </section>
      <section aria-labelledby="res-h"><h2 id="res-h">资源 (按提供方)</h2>
        ${table<ProviderRow>({
          caption: `已发布资源 (共 ${d.providers.reduce((n, p) => n + p.total, 0)} 项)`,
          rows: d.providers,
          empty: '目录中还没有资源。',
          columns: [
            { header: '提供方', cell: (p) => html`${p.providerName}${p.hasDemo ? html` ${DEMO_BADGE()}` : ''}` },
            { header: '合计', cell: (p) => p.total, className: 'num' },
            { header: '接口服务', cell: (p) => p.api, className: 'num' },
            { header: '事件主题', cell: (p) => p.topic, className: 'num' },
            { header: '数据集', cell: (p) => p.dataset, className: 'num' },
            { header: '无条件 / 有条件 / 不予共享', cell: (p) => `${p.unconditional} / ${p.conditional} / ${p.none}`, className: 'num' },
          ],
        })}
      </section>`,
  });
}

export async function registerDashboardPage(app: FastifyInstance): Promise<void> {
  app.get(BASE, { config: { scope: SCOPES.monitorRead } }, renderDashboard);
}
