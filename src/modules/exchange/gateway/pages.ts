/**
 * Pages of the gateway: the message log viewer with chain verification and per-service health
 * (exchange.monitor.read), the staff lookup of a person's data usage (exchange.usage.read, purpose
 * required, audited), and the citizen's / enterprise's own 数据使用记录 page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type HtmlValue, type SafeHtml } from '../../../platform/ui/html.ts';
import { badge, button, errorSummary, field, form, pagination, select, table } from '../../../platform/ui/components.ts';
import { formatChinaTime } from '../../../platform/ui/time.ts';
import { isAppError, notFound, type FieldProblem } from '../../../platform/errors.ts';
import { systemActor } from '../../../platform/context.ts';
import { getUser, readPersonalData } from '../../identity/index.ts';
import { SCOPES } from '../model.ts';
import { listResources } from '../services/catalog.ts';
import { verifyMessageLog, type Outcome } from './message-log.ts';
import { OUTCOME_LABELS, dataUsageOf, getMessage, listMessages, lookupDataUsage, serviceHealth, type DataUsageLine, type MessageView, type ServiceHealth } from './monitoring.ts';

export const MESSAGES_PAGE = '/workbench/exchange/messages';
export const HEALTH_PAGE = '/workbench/exchange/health';
export const USAGE_PAGE = '/workbench/exchange/usage';
export const MY_USAGE_PAGE = '/my/data-usage';

const crumbs = (label: string) => [{ label: '工作台', href: '/workbench' }, { label: '共享交换' }, { label }];
const time = (s: string | null) => (s ? formatChinaTime(s) : '—');
const outcomeBadge = (o: Outcome) => badge(OUTCOME_LABELS[o], o === 'success' ? 'ok' : 'warn');
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const OUTCOMES = Object.keys(OUTCOME_LABELS) as Outcome[];
/** A date field (YYYY-MM-DD, China time) as the start of that day, or of the next day for `to`. */
const chinaDayStart = (d: string | undefined, next = false): string | undefined => {
  if (!d || !/^\d{4}-\d{2}-\d{2}$/.test(d)) return undefined;
  const t = Date.parse(`${d}T00:00:00+08:00`) + (next ? 86_400_000 : 0);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
};

async function messagesPage(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const q = (req.query ?? {}) as Record<string, unknown>;
  const filter = {
    resourceId: str(q.resource) && /^[0-9a-f-]{36}$/i.test(String(q.resource)) ? String(q.resource) : undefined,
    client: str(q.client),
    outcome: OUTCOMES.includes(q.outcome as Outcome) ? (q.outcome as Outcome) : undefined,
    from: str(q.from),
    to: str(q.to),
    page: Math.max(Number(q.page) || 1, 1),
  };
  const [list, resources] = await Promise.all([
    listMessages(req.ctx, { ...filter, from: chinaDayStart(filter.from), to: chinaDayStart(filter.to, true), pageSize: 50 }),
    listResources(req.ctx, { kind: 'api', includeWithdrawn: true }),
  ]);
  const params = (page: number) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries({ resource: filter.resourceId, client: filter.client, outcome: filter.outcome, from: filter.from, to: filter.to })) if (v) p.set(k, v);
    p.set('page', String(page));
    return `${MESSAGES_PAGE}?${p.toString()}`;
  };
  return reply.page({
    title: '消息日志',
    breadcrumbs: crumbs('消息日志'),
    body: html`<p>经网关的每条消息都记入日志 (元数据、摘要值; 资源要求时保存完整消息体), 按提交顺序以 SM3 哈希链相连, 并由平台交换密钥分批签名。</p>
      ${form({ action: `${MESSAGES_PAGE}/verify`, csrf: req.csrfToken, label: '校验消息日志', body: button('校验哈希链和批次签名', { kind: 'secondary' }) })}
      <form action="${MESSAGES_PAGE}" method="get" class="filters" aria-label="筛选消息">
        ${select({ name: 'resource', label: '服务', placeholder: '全部服务', value: filter.resourceId, options: resources.map((r) => ({ value: r.id, label: `${r.code} ${r.name}` })) })}
        ${field({ name: 'client', label: '客户端子系统', value: filter.client, hint: '如 CN-HA/GOV/…, 可只填一部分' })}
        ${select({ name: 'outcome', label: '结果', placeholder: '全部', value: filter.outcome, options: OUTCOMES.map((o) => ({ value: o, label: OUTCOME_LABELS[o] })) })}
        ${field({ name: 'from', label: '起始日期', type: 'date', value: filter.from })}
        ${field({ name: 'to', label: '截止日期', type: 'date', value: filter.to })}
        ${button('筛选')}
      </form>
      ${table<MessageView>({
        caption: '消息 (最新的在前)',
        rows: list.rows,
        empty: '没有符合条件的消息。',
        columns: [
          { header: '序号', cell: (m) => html`<a href="${MESSAGES_PAGE}/${m.seq}">${m.seq}</a>` },
          { header: '时间', cell: (m) => time(m.receivedAt) },
          { header: '客户端', cell: (m) => html`<code>${m.clientXroadId}</code>` },
          { header: '服务', cell: (m) => html`${m.resourceName ?? ''} <code>${m.serviceXroadId}</code> ${m.method} ${m.restPath}` },
          { header: '用户 / 用途', cell: (m) => html`${m.userId || '—'} / ${m.purpose || '—'}${m.issue ? html` (${m.issue})` : ''}` },
          { header: '结果', cell: (m) => html`${outcomeBadge(m.outcome)} ${m.status}${m.errorCode ? html` <code>${m.errorCode}</code>` : ''}` },
          { header: '大小 (请求/应答)', cell: (m) => `${m.requestBytes} / ${m.responseBytes} B` },
          { header: '耗时 (总/提供方)', cell: (m) => `${m.durationMs} / ${m.providerMs} ms` },
          { header: '摘要', cell: (m) => html`<span class="mono" title="请求 ${m.requestHash} 应答 ${m.responseHash} 链 ${m.hash}">${m.hash.slice(0, 12)}…</span>${m.bodiesLogged ? html` ${badge('含消息体')}` : ''}` },
        ],
      })}
      ${pagination({ page: filter.page, pageSize: 50, total: list.total, hrefFor: params })}`,
  });
}

function healthTable(rows: ServiceHealth[]): SafeHtml {
  return table<ServiceHealth>({
    caption: '各服务的健康情况',
    rows,
    empty: '这段时间没有服务被调用。',
    columns: [
      { header: '服务', cell: (h) => html`${h.code} ${h.name}<br><code>${h.serviceXroadId}</code>` },
      { header: '成功', cell: (h) => String(h.successes) },
      { header: '失败', cell: (h) => (h.failures > 0 ? badge(String(h.failures), 'warn') : '0') },
      { header: '耗时 最短 / 平均 / 最长 (ms)', cell: (h) => `${h.minMs} / ${h.avgMs} / ${h.maxMs}` },
      { header: '最近成功', cell: (h) => time(h.lastSuccessAt) },
      { header: '最近失败', cell: (h) => time(h.lastFailureAt) },
    ],
  });
}

const PERIODS: Record<string, { label: string; ms: number }> = { '1h': { label: '最近 1 小时', ms: 3_600_000 }, '24h': { label: '最近 24 小时', ms: 86_400_000 }, '7d': { label: '最近 7 天', ms: 7 * 86_400_000 } };

function usageTable(lines: DataUsageLine[], caption: string): SafeHtml {
  return table<DataUsageLine>({
    caption,
    rows: lines,
    empty: '没有找到使用记录。',
    columns: [
      { header: '时间', cell: (l) => time(l.at) },
      { header: '使用单位', cell: (l) => l.institution },
      { header: '信息系统', cell: (l) => l.system },
      { header: '使用的数据', cell: (l) => l.what },
      { header: '用途', cell: (l) => l.purpose || '未说明' },
      { header: '来源', cell: (l) => l.source },
    ],
  });
}

function usageForm(req: FastifyRequest, values: { subject?: string; purpose?: string }, problems: FieldProblem[]): SafeHtml {
  const err = (f: string) => problems.find((p) => p.field === f)?.message;
  return html`${errorSummary(problems)}
    ${form({ action: USAGE_PAGE, csrf: req.csrfToken, label: '查询数据使用记录', body: html`
      ${field({ name: 'subject', label: '公民身份号码或统一社会信用代码', value: values.subject, required: true, maxLength: 18, error: err('subject'), autocomplete: 'off' })}
      ${field({ name: 'purpose', label: '查询用途', value: values.purpose, required: true, maxLength: 200, error: err('purpose'), hint: '如 受理投诉 (投诉编号 …); 每次查询记入审计' })}
      ${button('查询')}` })}`;
}

export function registerGatewayPages(app: FastifyInstance): void {
  app.get(MESSAGES_PAGE, { config: { scope: SCOPES.monitorRead } }, messagesPage);

  app.get(`${MESSAGES_PAGE}/:seq`, { config: { scope: SCOPES.monitorRead } }, async (req, reply) => {
    const seq = Number((req.params as { seq: string }).seq);
    if (!Number.isSafeInteger(seq) || seq < 1) throw notFound('message_not_found', '消息不存在');
    const m = await getMessage(req.ctx, { seq });
    const row = (label: string, value: HtmlValue) => html`<dt>${label}</dt><dd>${value}</dd>`;
    return reply.page({
      title: `消息 ${m.seq}`,
      breadcrumbs: [...crumbs('消息日志').slice(0, 2), { label: '消息日志', href: MESSAGES_PAGE }, { label: `第 ${m.seq} 条` }],
      body: html`<dl class="facts">
        ${row('网关消息编号 (X-Road-Request-Id)', html`<code>${m.id}</code>`)}
        ${row('时间', time(m.receivedAt))}
        ${row('客户端 (X-Road-Client)', html`<code>${m.clientXroadId}</code>`)}
        ${row('客户端消息编号 (X-Road-Id)', html`<code>${m.messageId}</code>`)}
        ${row('服务', html`${m.resourceName ?? ''} <code>${m.serviceXroadId}</code>`)}
        ${row('方法', `${m.method} ${m.restPath}`)}
        ${row('最终用户 / 用途 / 案件编号', `${m.userId || '—'} / ${m.purpose || '—'} / ${m.issue || '—'}`)}
        ${row('结果', html`${outcomeBadge(m.outcome)} HTTP ${m.status}${m.errorCode ? html` <code>${m.errorCode}</code>` : ''}`)}
        ${row('大小 (请求 / 应答)', `${m.requestBytes} / ${m.responseBytes} 字节`)}
        ${row('耗时 (网关总计 / 提供方)', `${m.durationMs} / ${m.providerMs} ms`)}
        ${row('请求摘要 (SM3)', html`<code>${m.requestHash}</code>`)}
        ${row('应答摘要 (SM3)', html`<code>${m.responseHash}</code>`)}
        ${row('前一条哈希', html`<code>${m.prevHash}</code>`)}
        ${row('本条哈希', html`<code>${m.hash}</code>`)}
      </dl>
      ${m.requestBody !== null ? html`<h2>请求体</h2><pre>${m.requestBody}</pre>` : ''}
      ${m.responseBody !== null ? html`<h2>应答体</h2><pre>${m.responseBody}</pre>` : ''}
      ${m.requestBody === null && m.responseBody === null ? html`<p class="hint">该资源不保存消息体, 只记元数据和摘要值。</p>` : ''}`,
    });
  });

  app.post(`${MESSAGES_PAGE}/verify`, { config: { scope: SCOPES.monitorRead } }, async (req, reply) => {
    const v = await verifyMessageLog(req.ctx);
    const text = v.ok
      ? `消息日志完整: 共 ${v.checked} 条, 哈希链无断点; ${v.seals} 个批次签名有效, 签名覆盖到第 ${v.sealedThrough} 条${v.checked > v.sealedThrough ? ` (其后 ${v.checked - v.sealedThrough} 条待下一批签名)` : ''}。`
      : `消息日志校验未通过: ${v.brokenAt!.reason} (已核对 ${v.checked} 条)。`;
    return reply.flashRedirect(MESSAGES_PAGE, { kind: v.ok ? 'success' : 'error', text });
  });

  app.get(HEALTH_PAGE, { config: { scope: SCOPES.monitorRead } }, async (req, reply) => {
    const key = String((req.query as Record<string, unknown> | undefined)?.period ?? '24h');
    const period = PERIODS[key] ?? PERIODS['24h'];
    const rows = await serviceHealth(req.ctx, { since: new Date(req.ctx.clock.now().getTime() - period.ms) });
    return reply.page({
      title: '服务健康',
      breadcrumbs: crumbs('服务健康'),
      body: html`<nav aria-label="统计时段"><p>${Object.entries(PERIODS).map(([k, p]) => (p === period ? html`<strong>${p.label}</strong> ` : html`<a href="${HEALTH_PAGE}?period=${k}">${p.label}</a> `))}</p></nav>
        <p>成功: 提供方已应答 (状态码低于 500)。失败: 客户端错误 (签名、授权、限额等)、网关错误、提供方无法连接、超时或 5xx。耗时为网关从收到请求到应答就绪的时间。</p>
        ${healthTable(rows)}`,
    });
  });

  app.get(USAGE_PAGE, { config: { scope: SCOPES.usageRead } }, async (req, reply) => reply.page({
    title: '数据使用记录查询',
    breadcrumbs: crumbs('数据使用记录查询'),
    body: html`<p>按公民身份号码或统一社会信用代码查看其数据被哪些单位和系统、在何时、为何用途使用 (共享交换消息日志和基础信息库访问记录), 用于受理投诉。</p>${usageForm(req, {}, [])}`,
  }));

  app.post(USAGE_PAGE, { config: { scope: SCOPES.usageRead } }, async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const values = { subject: String(b.subject ?? ''), purpose: String(b.purpose ?? '') };
    try {
      const result = await lookupDataUsage(req.ctx, values);
      return reply.page({
        title: '数据使用记录查询',
        breadcrumbs: crumbs('数据使用记录查询'),
        body: html`${usageForm(req, { purpose: values.purpose }, [])}<h2>${result.subjectLabel} 的数据使用记录</h2>${usageTable(result.lines, `共 ${result.lines.length} 条`)}`,
      });
    } catch (err) {
      if (!isAppError(err) || err.status !== 400) throw err;
      return reply.page({ title: '数据使用记录查询', status: 400, breadcrumbs: crumbs('数据使用记录查询'), body: usageForm(req, values, err.fields.length ? err.fields : [{ field: 'subject', message: err.message }]) });
    }
  });

  app.get(MY_USAGE_PAGE, { config: { scope: 'authenticated' } }, async (req, reply) => {
    const actor = req.ctx.actor;
    if (actor.kind !== 'citizen' && actor.kind !== 'enterprise') {
      return reply.page({ title: '数据使用记录', shell: 'public', body: html`<p>此页面供公民和企业查看本人 (本企业) 数据的使用记录。工作人员受理投诉时请使用 <a href="${USAGE_PAGE}">数据使用记录查询</a>。</p>` });
    }
    const sys = { ...req.ctx, actor: systemActor };
    // The citizen's own ID number is personal data: read in full through identity, audited with this purpose.
    const subject = actor.kind === 'citizen'
      ? { idNumber: (await readPersonalData(sys, { id: actor.userId!, purpose: '本人查看数据使用记录' })).idNumber ?? '' }
      : { uscc: (await getUser(req.ctx, { id: actor.userId! })).uscc ?? '' };
    const lines = (subject.idNumber ?? subject.uscc) ? await dataUsageOf(req.ctx, subject) : [];
    return reply.page({
      title: '数据使用记录',
      shell: 'public',
      breadcrumbs: [{ label: '我的', href: '/my' }, { label: '数据使用记录' }],
      body: html`<p>${actor.kind === 'citizen' ? '您的' : '本企业的'}信息被政府部门使用的每一次记录: 哪个单位的哪个系统、什么时候、为了什么用途。记录来自数据共享交换平台的消息日志和人口、法人单位基础信息库的访问记录。</p>
        ${usageTable(lines, `共 ${lines.length} 条 (最新的在前)`)}
        <p class="hint">对使用记录有疑问, 可以通过政府网站的 "我要投诉" 提出, 受理部门会据此核查。</p>`,
    });
  });
}
