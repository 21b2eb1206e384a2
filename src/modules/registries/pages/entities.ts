/**
 * Legal-entity pages: search (by code, or name + region), the entity page (history, annual reports,
 * abnormal list, access log), and for market regulation: registration, change or correction, and
 * deregistration.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { button, form, table } from '../../../platform/ui/components.ts';
import { hasScope } from '../../../platform/context.ts';
import { badRequest, isAppError } from '../../../platform/errors.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import { DeregisterBody, EntityRegisterBody } from '../schemas.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { CURRENCIES, ENTITY_TYPES, INDUSTRY_SECTIONS } from '../codes.ts';
import { SCOPES, type EntityView } from '../model.ts';
import { CHANGE_LABELS, changeEntity, deregisterEntity, entityDetails, getEntity, registerEntity, searchEntities, type EntityChangeInput } from '../services/entities.ts';
import { accessLogFor } from '../services/access-log.ts';
import { deregistrationStatus, requestDeregistration, type DeregistrationRequestView } from '../services/deregistration.ts';
import { BASE, choice, crumbs, demoBadge, formAction, input, maskedBadge, opt, qs, time, values } from './common.ts';

const E = `${BASE}/entities`;
const industryOptions = INDUSTRY_SECTIONS.flatMap((s) => Object.entries(s.divisions).map(([value, name]) => ({ value, label: `${s.code}${value} ${name}` })));

async function renderSearch(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const q = values(req.query);
  if (q.uscc) return reply.redirect(`${E}/${encodeURIComponent(q.uscc.toUpperCase())}${qs({ purpose: q.purpose })}`, 303);
  let result: Awaited<ReturnType<typeof searchEntities>> | null = null;
  let problem = '';
  if (q.name) {
    try {
      result = await searchEntities(req.ctx, { name: q.name, regionCode: /^\d{6}$/.test(q.regionCode ?? '') ? q.regionCode : undefined, page: Number(q.page) || 1, purpose: q.purpose, channel: 'search' });
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      problem = err.message;
    }
  }
  return reply.page({
    title: '法人单位基础信息',
    breadcrumbs: crumbs({ label: '法人单位' }),
    status: problem ? 400 : 200,
    body: html`<nav class="actions" aria-label="基础信息库"><a class="btn btn-secondary" href="${BASE}/persons">人口</a> <a class="btn btn-primary" aria-current="page" href="${E}">法人单位</a>
        ${hasScope(req.ctx.actor, SCOPES.entityWrite) ? html`<a class="btn btn-secondary" href="${E}/new">设立登记</a>` : ''}
        ${hasScope(req.ctx.actor, SCOPES.entityImport) ? html`<a class="btn btn-secondary" href="${BASE}/imports/entities">导入法人数据</a>` : ''}</nav>
      ${problem ? html`<p class="flash flash-error" role="alert">${problem}</p>` : ''}
      ${form({
        action: E,
        method: 'get',
        csrf: req.csrfToken,
        className: 'filters',
        label: '查询法人单位',
        body: html`${input({ id: 'q-uscc', name: 'uscc', label: '统一社会信用代码', value: q.uscc, maxLength: 18 })}
          ${input({ id: 'q-name', name: 'name', label: '名称 (精确)', value: q.name, maxLength: 200 })}
          ${input({ id: 'q-region', name: 'regionCode', label: '区划代码 (可选)', value: q.regionCode, maxLength: 6 })}
          <div class="actions">${button('查询')} <a href="${E}">清除条件</a></div>`,
      })}
      ${result
        ? table<EntityView>({
            caption: `查询结果 (第 ${result.page} 页)`,
            rows: result.items,
            empty: '没有找到符合条件的法人单位。',
            columns: [
              { header: '名称', cell: (e) => html`<a href="${E}/${e.uscc}">${e.name}</a>${demoBadge(e.isDemo)}` },
              { header: '统一社会信用代码', cell: (e) => e.uscc },
              { header: '类型', cell: (e) => e.entityTypeLabel },
              { header: '法定代表人', cell: (e) => e.legalRepName },
              { header: '登记状态', cell: (e) => e.statusLabel },
            ],
          })
        : ''}`,
  });
}

const row = (label: string, value: string | number | null, src?: { name: string; at: string }) => html`<dt>${label}</dt><dd>${value === null || value === '' ? '—' : String(value)}${src ? html` <span class="muted">(${src.name}, ${time(src.at)})</span>` : ''}</dd>`;

async function renderEntity(req: FastifyRequest<{ Params: { uscc: string } }>, reply: FastifyReply): Promise<FastifyReply> {
  const q = values(req.query);
  const e = await getEntity(req.ctx, { uscc: req.params.uscc, purpose: q.purpose, channel: 'page' });
  const d = await entityDetails(req.ctx, { uscc: e.uscc, full: !e.masked });
  const log = hasScope(req.ctx.actor, SCOPES.accessLogRead) ? await accessLogFor(req.ctx, { uscc: e.uscc, limit: 20 }) : null;
  const dereg = await deregistrationStatus(req.ctx, { uscc: e.uscc });
  const pending = dereg.request?.status === 'pending';
  const canWrite = hasScope(req.ctx.actor, SCOPES.entityWrite) && e.status === 'active';
  const src = (f: string) => e.fieldSources[f];
  return reply.page({
    title: `法人单位: ${e.name}`,
    breadcrumbs: crumbs({ label: '法人单位', href: E }, { label: e.name }),
    body: html`<p>${maskedBadge(e.masked)}${demoBadge(e.isDemo)} 登记状态: <strong>${e.statusLabel}</strong>${e.statusDate ? ` (${e.statusDate}, ${e.statusReason ?? ''})` : ''}</p>
      ${e.usccValid ? '' : html`<p class="flash flash-error" role="alert">统一社会信用代码未通过 GB 32100 校验 (存量代码, 已列入数据质量问题): ${e.usccProblem ?? ''}</p>`}
      ${e.masked && hasScope(req.ctx.actor, SCOPES.entityReadFull)
        ? form({ action: `${E}/${e.uscc}`, method: 'get', csrf: req.csrfToken, label: '查看完整信息', body: html`${input({ id: 'full-purpose', name: 'purpose', label: '用途 (将记入访问记录和审计日志)', required: true, maxLength: 200 })}${button('查看完整信息', { kind: 'secondary' })}` })
        : ''}
      <dl class="facts">
        ${row('统一社会信用代码', e.uscc)}
        ${row('名称', e.name, src('name'))}
        ${row('主体类型', `${e.entityType} ${e.entityTypeLabel}`, src('entity_type'))}
        ${row('法定代表人', e.legalRepName, src('legal_rep_name'))}
        ${row('法定代表人身份号码', e.legalRepIdNumber, src('legal_rep_id_number'))}
        ${row('注册资本', e.registeredCapital === null ? null : `${e.registeredCapital} 万元 (${CURRENCIES[e.currency] ?? e.currency})`, src('registered_capital'))}
        ${row('成立日期', e.establishedOn)}
        ${row('经营范围', e.businessScope, src('business_scope'))}
        ${row('行业', `${e.industrySection} / ${e.industryCode} ${e.industryLabel}`, src('industry_code'))}
        ${row('住所', `${e.address} (${e.regionCode})`, src('address'))}
        ${row('登记机关', e.authorityName, src('authority_name'))}
        ${row('来源部门', e.source.name)}
      </dl>
      ${dereg.request ? deregistrationSection(dereg.request) : ''}
      ${dereg.taxRegistrations.length
        ? table({ caption: '税务机关反馈的税务登记信息', rows: dereg.taxRegistrations, columns: [{ header: '反馈机关', cell: (t) => t.authorityName }, { header: '主管税务机关', cell: (t) => t.competentAuthority }, { header: '生产经营地', cell: (t) => t.businessAddress || '—' }, { header: '财务负责人', cell: (t) => t.financeOfficer || '—' }, { header: '核算方式', cell: (t) => t.accountingMethod || '—' }, { header: '反馈时间', cell: (t) => time(t.answeredAt) }] })
        : ''}
      ${table({ caption: '变更历史', rows: d.history, empty: '没有变更记录。', columns: [{ header: '时间', cell: (h) => time(h.recordedAt) }, { header: '事项', cell: (h) => h.typeLabel }, { header: '内容', cell: (h) => Object.entries(h.changes).map(([k, c]) => `${k}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join('; ') }, { header: '经办', cell: (h) => `${h.sourceName} / ${h.actorName}` }, { header: '说明', cell: (h) => h.note ?? '' }] })}
      ${table({ caption: '年度报告', rows: d.annualReports, empty: '没有年度报告。', columns: [{ header: '年度', cell: (a) => a.year }, { header: '报送日期', cell: (a) => a.submittedOn }, { header: '从业人数', cell: (a) => a.employees ?? '—' }, { header: '营业总收入(万元)', cell: (a) => a.revenue ?? '—' }, { header: '经营状态', cell: (a) => a.operatingStatus }] })}
      ${table({ caption: '经营异常名录', rows: d.abnormal, empty: '未列入经营异常名录。', columns: [{ header: '列入日期', cell: (a) => a.listedOn }, { header: '原因', cell: (a) => a.reason }, { header: '决定机关', cell: (a) => a.listedBy }, { header: '移出', cell: (a) => (a.removedOn ? `${a.removedOn} ${a.removalReason ?? ''}` : '—') }] })}
      ${log ? table({ caption: '访问记录 (最近 20 次)', rows: log, columns: [{ header: '时间', cell: (a) => time(a.accessedAt) }, { header: '访问者', cell: (a) => `${a.actorName} (${a.unitName || a.actorKind})` }, { header: '途径', cell: (a) => a.channel }, { header: '用途', cell: (a) => a.purpose ?? '—' }] }) : ''}
      ${canWrite
        ? html`<section aria-labelledby="chg-h"><h2 id="chg-h">变更登记 / 更正</h2>
          ${form({ action: `${E}/${e.uscc}/change`, csrf: req.csrfToken, label: '变更登记', body: html`${choice({ id: 'ch-field', name: 'field', label: '变更事项', options: Object.entries(CHANGE_LABELS).filter(([k]) => k !== 'currency').map(([value, label]) => ({ value, label })), required: true })}
            ${input({ id: 'ch-value', name: 'value', label: '变更后 (代码类事项填代码)', required: true, maxLength: 2000 })}
            ${choice({ id: 'ch-kind', name: 'kind', label: '性质', options: [{ value: 'change', label: '变更登记' }, { value: 'correction', label: '更正错误数据' }], required: true })}
            ${input({ id: 'ch-note', name: 'note', label: '说明', maxLength: 500 })}${button('提交')}` })}
          </section>
          <section aria-labelledby="dereg-h"><h2 id="dereg-h">注销、吊销或迁出</h2>
          <p class="hint">注销须经辖区内税务机关清税: 提交后先登记注销申请并推送税务机关, 全部答复已清税后自动完成注销。吊销、迁出立即生效。</p>
          ${form({ action: `${E}/${e.uscc}/deregister`, csrf: req.csrfToken, label: '注销登记', confirm: '确认办理?', body: html`${choice({ id: 'de-status', name: 'status', label: '事项', options: [...(pending ? [] : [{ value: 'cancelled', label: '注销 (申请, 等待清税)' }]), { value: 'revoked', label: '吊销' }, { value: 'moved_out', label: '迁出' }], required: true })}
            ${input({ id: 'de-date', name: 'occurredOn', label: '日期', type: 'date', required: true })}${input({ id: 'de-reason', name: 'reason', label: '原因', required: true, maxLength: 500 })}${button('办理', { kind: 'danger' })}` })}
          </section>`
        : ''}`,
  });
}

const REQUEST_STATUS_LABELS: Record<DeregistrationRequestView['status'], string> = { pending: '等待清税', completed: '已完成注销', superseded: '已被吊销或迁出取代' };

/** The latest 注销 request: status, and each required tax authority's clearance answer. */
function deregistrationSection(r: DeregistrationRequestView) {
  return html`<section aria-labelledby="dereq-h"><h2 id="dereq-h">注销申请与清税信息</h2>
    <p>${r.requestedOn} 申请注销 (${r.reason}), 受理人 ${r.requestedByName}: <strong>${REQUEST_STATUS_LABELS[r.status]}</strong>${r.closedAt ? ` (${time(r.closedAt)})` : ''}</p>
    ${table({
      caption: '须清税的税务机关',
      rows: r.latest,
      empty: '辖区内没有须清税的税务机关。',
      columns: [
        { header: '税务机关', cell: (a) => a.name },
        { header: '清税答复', cell: (a) => (a.answer ? (a.answer.cleared ? '已清税' : '未清税') : '尚未答复') },
        { header: '未清事项', cell: (a) => (a.answer && !a.answer.cleared ? a.answer.outstanding.join('; ') : '—') },
        { header: '答复时间', cell: (a) => (a.answer ? time(a.answer.answeredAt) : '—') },
      ],
    })}
    ${r.answers.length > r.latest.filter((a) => a.answer).length
      ? table({ caption: '全部清税答复', rows: r.answers, columns: [{ header: '税务机关', cell: (a) => a.authorityName }, { header: '答复', cell: (a) => (a.cleared ? '已清税' : `未清税: ${a.outstanding.join('; ')}`) }, { header: '答复时间', cell: (a) => time(a.answeredAt) }] })
      : ''}
  </section>`;
}

function registerForm(req: FastifyRequest) {
  return form({
    action: E,
    csrf: req.csrfToken,
    label: '设立登记',
    body: html`${input({ id: 'r-uscc', name: 'uscc', label: '统一社会信用代码', required: true, maxLength: 18, hint: '按 GB 32100 校验' })}
      ${input({ id: 'r-name', name: 'name', label: '名称', required: true, maxLength: 200 })}
      ${choice({ id: 'r-type', name: 'entityType', label: '主体类型', options: ENTITY_TYPES, required: true })}
      ${input({ id: 'r-rep', name: 'legalRepName', label: '法定代表人', required: true, maxLength: 60 })}
      ${input({ id: 'r-repid', name: 'legalRepIdNumber', label: '法定代表人身份号码', maxLength: 18 })}
      ${input({ id: 'r-cap', name: 'registeredCapital', label: '注册资本 (万元)', type: 'number' })}
      ${input({ id: 'r-est', name: 'establishedOn', label: '成立日期', type: 'date', required: true })}
      ${input({ id: 'r-scope', name: 'businessScope', label: '经营范围', maxLength: 2000 })}
      ${choice({ id: 'r-ind', name: 'industryCode', label: '行业 (GB/T 4754-2017 大类)', options: industryOptions, required: true })}
      ${input({ id: 'r-region', name: 'regionCode', label: '住所所在区划代码', required: true, maxLength: 6 })}
      ${input({ id: 'r-addr', name: 'address', label: '住所', required: true, maxLength: 200 })}
      ${button('登记')}`,
  });
}

export function registerEntityPages(app: FastifyInstance, services: PlatformServices): void {
  app.get(E, { config: { scope: SCOPES.entityRead } }, renderSearch);
  app.get(`${E}/new`, { config: { scope: SCOPES.entityWrite } }, async (req, reply) => reply.page({ title: '设立登记', breadcrumbs: crumbs({ label: '法人单位', href: E }, { label: '设立登记' }), body: registerForm(req) }));
  app.get<{ Params: { uscc: string } }>(`${E}/:uscc`, { config: { scope: SCOPES.entityRead } }, renderEntity);
  app.post(E, { config: { scope: SCOPES.entityWrite } }, async (req, reply) => {
    const v = values(req.body);
    try {
      const body = parseInput(EntityRegisterBody, {
        uscc: v.uscc, name: v.name, entityType: v.entityType, legalRepName: v.legalRepName, legalRepIdNumber: opt(v.legalRepIdNumber) ?? null,
        registeredCapital: v.registeredCapital ? Number(v.registeredCapital) : null, establishedOn: v.establishedOn, businessScope: v.businessScope, industryCode: v.industryCode,
        regionCode: v.regionCode, address: v.address,
      });
      const e = await registerEntity(req.ctx, body);
      services.nudgeDispatcher();
      return reply.flashRedirect(`${E}/${e.uscc}`, { kind: 'success', text: '已完成设立登记。' });
    } catch (err) {
      if (!isAppError(err) || err.status >= 500 || err.status === 403) throw err;
      return reply.flashRedirect(`${E}/new`, { kind: 'error', text: err.message });
    }
  });
  app.post<{ Params: { uscc: string } }>(`${E}/:uscc/change`, { config: { scope: SCOPES.entityWrite } }, async (req, reply) => {
    const v = values(req.body);
    return formAction(reply, `${E}/${encodeURIComponent(req.params.uscc)}`, async () => {
      const field = v.field ?? '';
      if (!CHANGE_LABELS[field]) throw badRequest('bad_field', '请选择变更事项。');
      const value: unknown = field === 'registeredCapital' ? Number(v.value) : v.value;
      await changeEntity(req.ctx, { uscc: req.params.uscc, [field]: value, note: opt(v.note), correction: v.kind === 'correction' } as EntityChangeInput);
      services.nudgeDispatcher();
      return v.kind === 'correction' ? '已更正。' : '已办理变更登记。';
    });
  });
  app.post<{ Params: { uscc: string } }>(`${E}/:uscc/deregister`, { config: { scope: SCOPES.entityWrite } }, async (req, reply) => {
    const v = values(req.body);
    return formAction(reply, `${E}/${encodeURIComponent(req.params.uscc)}`, async () => {
      const body = parseInput(DeregisterBody, { status: v.status, occurredOn: v.occurredOn, reason: v.reason });
      if (body.status === 'cancelled') {
        const request = await requestDeregistration(req.ctx, { uscc: req.params.uscc, reason: body.reason, occurredOn: body.occurredOn });
        services.nudgeDispatcher();
        return request.status === 'completed' ? '辖区内没有须清税的税务机关, 已完成注销。' : `已登记注销申请, 已推送 ${request.requiredAuthorities.map((a) => a.name).join('、')}, 待清税后完成注销。`;
      }
      await deregisterEntity(req.ctx, { uscc: req.params.uscc, ...body });
      services.nudgeDispatcher();
      return '已办理。';
    });
  });
}
