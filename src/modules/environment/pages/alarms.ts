/**
 * Alarm pages: the list with filters, and one alarm with its actions (确认, 解除, 发起核查整改).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { badge, button, field, form, pagination, select, table, textarea } from '../../../platform/ui/components.ts';
import { hasScope, regionVisible } from '../../../platform/context.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import { Type } from '@sinclair/typebox';
import { ALARM_KINDS, ALARM_KIND_LABELS, ALARM_STATUSES, ALARM_STATUS_LABELS, SCOPES, pollutantName, pollutantUnit, type AlarmKind, type AlarmStatus } from '../model.ts';
import { acknowledgeAlarm, getAlarm, listAlarms, openFollowupCase, resolveAlarm, type AlarmView } from '../services/alarms.ts';
import { BASE, crumbs, demoBadge, isFormProblem, num, qs, time } from './common.ts';

const PAGE = 50;
const statusKind = (s: AlarmStatus) => (s === 'open' ? 'warn' : s === 'acknowledged' ? 'muted' : 'ok');

const ListQ = Type.Object({
  status: Type.Optional(Type.Union([...ALARM_STATUSES, 'active'].map((s) => Type.Literal(s)), { title: '状态' })),
  kind: Type.Optional(Type.Union(ALARM_KINDS.map((k) => Type.Literal(k)), { title: '类型' })),
  pointId: Type.Optional(Type.String({ title: '监控点', format: 'uuid' })),
  page: Type.Optional(Type.Integer({ title: '页码', minimum: 1, maximum: 10000 })),
});

export function registerAlarmPages(app: FastifyInstance, nudge: () => void): void {
  app.get(`${BASE}/alarms`, { config: { scope: SCOPES.read } }, async (req, reply) => {
    const raw = Object.fromEntries(Object.entries(req.query as Record<string, string>).filter(([, v]) => v !== ''));
    if (raw.page) (raw as Record<string, unknown>).page = Number(raw.page);
    const q = parseInput(ListQ, raw) as { status?: AlarmStatus | 'active'; kind?: AlarmKind; pointId?: string; page?: number };
    const page = q.page ?? 1;
    const list = await listAlarms(req.ctx, { status: q.status, kind: q.kind, pointId: q.pointId, limit: PAGE, offset: (page - 1) * PAGE });
    return reply.page({
      title: '报警',
      breadcrumbs: crumbs({ label: '报警' }),
      body: html`${form({
        action: `${BASE}/alarms`,
        method: 'get',
        csrf: req.csrfToken,
        className: 'filters',
        label: '筛选报警',
        body: html`${select({ name: 'status', label: '状态', value: q.status ?? '', placeholder: '全部', options: [{ value: 'active', label: '未解除' }, ...ALARM_STATUSES.map((s) => ({ value: s, label: ALARM_STATUS_LABELS[s] }))] })}
          ${select({ name: 'kind', label: '类型', value: q.kind ?? '', placeholder: '全部', options: ALARM_KINDS.map((k) => ({ value: k, label: ALARM_KIND_LABELS[k] })) })}
          ${q.pointId ? html`<input type="hidden" name="pointId" value="${q.pointId}">` : ''}
          <div class="actions">${button('查询')} <a href="${BASE}/alarms">清除条件</a></div>`,
      })}
      ${table<AlarmView>({
        caption: `报警 (共 ${list.total} 条)`,
        rows: list.items,
        empty: '没有符合条件的报警。',
        columns: [
          { header: '报警时间', cell: (a) => time(a.createdAt) },
          { header: '企业 / 排放口', cell: (a) => html`${a.enterpriseName} ${a.outletCode}${demoBadge(a.isDemo)}` },
          { header: '类型', cell: (a) => html`<a href="${BASE}/alarms/${a.id}">${ALARM_KIND_LABELS[a.kind]}${a.pollutant ? ` (${pollutantName(a.pollutant)})` : ''}</a>` },
          { header: '说明', cell: (a) => a.message },
          { header: '次数', cell: (a) => String(a.occurrences) },
          { header: '状态', cell: (a) => badge(ALARM_STATUS_LABELS[a.status], statusKind(a.status)) },
        ],
      })}
      ${pagination({ page, pageSize: PAGE, total: list.total, hrefFor: (p) => `${BASE}/alarms${qs({ status: q.status, kind: q.kind, pointId: q.pointId, page: p })}` })}`,
    });
  });

  const renderAlarm = async (req: FastifyRequest, id: string, problem?: string) => {
    const a = await getAlarm(req.ctx, id);
    const canHandle = hasScope(req.ctx.actor, SCOPES.alarmHandle) && regionVisible(req.ctx.actor, SCOPES.alarmHandle, a.regionCode);
    const unit = a.pollutant ? pollutantUnit(a.pollutant) : '';
    return {
      title: `报警: ${a.enterpriseName} ${ALARM_KIND_LABELS[a.kind]}`,
      breadcrumbs: crumbs({ label: '报警', href: `${BASE}/alarms` }, { label: ALARM_KIND_LABELS[a.kind] }),
      status: problem ? 409 : 200,
      body: html`${problem ? html`<p class="flash flash-error" role="alert">${problem}</p>` : ''}${demoBadge(a.isDemo)}
        <dl class="facts">
          <dt>企业 / 排放口</dt><dd>${a.enterpriseName} ${a.outletCode} · <a href="${BASE}/points/${a.pointId}">MN ${a.mn}</a></dd>
          <dt>类型</dt><dd>${ALARM_KIND_LABELS[a.kind]}${a.pollutant ? ` · ${pollutantName(a.pollutant)} (${a.pollutant})` : ''}</dd>
          <dt>说明</dt><dd>${a.message}</dd>
          ${a.value !== null ? html`<dt>监测值 / 限值</dt><dd>${num(a.value, 3)} ${unit}${a.limitValue !== null ? ` / ${a.limitValue} ${unit}` : ''}</dd>` : ''}
          <dt>首次 / 最近数据时间</dt><dd>${time(a.firstDataTime)} / ${time(a.lastDataTime)} (共 ${a.occurrences} 次)</dd>
          <dt>状态</dt><dd>${badge(ALARM_STATUS_LABELS[a.status], statusKind(a.status))}</dd>
          ${a.acknowledgedBy ? html`<dt>确认</dt><dd>${a.acknowledgedBy} ${time(a.acknowledgedAt)}</dd>` : ''}
          ${a.resolvedBy ? html`<dt>解除</dt><dd>${a.resolvedBy} ${time(a.resolvedAt)}</dd>` : ''}
          ${a.resolution ? html`<dt>处理情况</dt><dd>${a.resolution}</dd>` : ''}
          ${a.caseId ? html`<dt>核查整改案件</dt><dd><a href="/workbench/cases/${a.caseId}">查看案件</a></dd>` : ''}
        </dl>
        ${canHandle && a.status === 'open' ? form({
          action: `${BASE}/alarms/${a.id}/acknowledge`, csrf: req.csrfToken, label: '确认报警',
          body: html`<input type="hidden" name="version" value="${a.version}">${field({ name: 'note', label: '说明 (可选)', maxLength: 2000 })}${button('确认报警', { kind: 'primary' })}`,
        }) : ''}
        ${canHandle && a.status !== 'resolved' && !a.caseId ? form({
          action: `${BASE}/alarms/${a.id}/case`, csrf: req.csrfToken, label: '发起核查整改',
          body: html`<input type="hidden" name="version" value="${a.version}">${button('发起核查整改案件 (核查 3 个工作日, 整改 10 个工作日)', { kind: 'secondary' })}`,
        }) : ''}
        ${canHandle && a.status !== 'resolved' ? form({
          action: `${BASE}/alarms/${a.id}/resolve`, csrf: req.csrfToken, label: '解除报警',
          body: html`<input type="hidden" name="version" value="${a.version}">${textarea({ name: 'resolution', label: '处理情况', required: true })}${button('解除报警', { kind: 'secondary' })}`,
        }) : ''}`,
    };
  };

  app.get(`${BASE}/alarms/:id`, { config: { scope: SCOPES.read } }, async (req, reply) => reply.page(await renderAlarm(req, (req.params as { id: string }).id)));

  const action = (name: 'acknowledge' | 'resolve' | 'case', done: string) =>
    app.post(`${BASE}/alarms/:id/${name}`, { config: { scope: SCOPES.alarmHandle } }, async (req, reply) => {
      const { id } = req.params as { id: string };
      const body = (req.body ?? {}) as Record<string, string>;
      const version = Number(body.version);
      try {
        if (name === 'acknowledge') await acknowledgeAlarm(req.ctx, { id, version, note: body.note });
        else if (name === 'resolve') await resolveAlarm(req.ctx, { id, version, resolution: body.resolution ?? '' });
        else await openFollowupCase(req.ctx, { id, version });
      } catch (err) {
        if (isFormProblem(err)) return reply.page(await renderAlarm(req, id, err.message));
        throw err;
      }
      nudge();
      return reply.flashRedirect(`${BASE}/alarms/${id}`, { kind: 'success', text: done });
    });
  action('acknowledge', '报警已确认。');
  action('resolve', '报警已解除。');
  action('case', '已发起核查整改案件, 已送负责的生态环境部门办理。');
}
