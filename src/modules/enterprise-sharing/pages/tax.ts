/**
 * The tax clerk's pages (/workbench/tax): the inbox of newly registered or changed enterprises to
 * take over and of deregistration requests to answer with 清税, with the registration → tax
 * latency; an enterprise page with the take-over form; a clearance page with the answer form.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import { badge, button, field, form, select, table, textarea } from '../../../platform/ui/components.ts';
import { formatChinaTime } from '../../../platform/ui/time.ts';
import { hasScope } from '../../../platform/context.ts';
import { isAppError } from '../../../platform/errors.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import { maskIdNumber } from '../../../platform/identifiers/index.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { ACCOUNTING_METHODS, SCOPES } from '../model.ts';
import { AcceptBody } from '../schemas.ts';
import { bureausFor } from '../services/bureaus.ts';
import {
  acceptEnterprise, answerClearance, getClearance, getIntakeEnterprise, listClearances, listIntake, taxLatencyStats,
  type ClearanceItem, type IntakeEnterprise, type LatencyStats,
} from '../services/intake.ts';

const BASE = '/workbench/tax';
const crumbs = (...rest: { label: string; href?: string }[]) => [{ label: '工作台', href: '/workbench' }, { label: '企业登记信息接收', href: BASE }, ...rest];
const time = (iso: string | null): string => (iso ? formatChinaTime(iso).slice(0, 16) : '—');
const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));

function values(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (body && typeof body === 'object') for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string' && k !== '_csrf') out[k] = v.trim();
  return out;
}

/** Runs a change from a form; a refusal comes back as an error flash on `back`. */
async function formAction(reply: FastifyReply, back: string, fn: () => Promise<string>): Promise<FastifyReply> {
  try {
    return reply.flashRedirect(back, { kind: 'success', text: await fn() });
  } catch (err) {
    if (!isAppError(err) || err.status >= 500 || err.status === 403) throw err;
    return reply.flashRedirect(back, { kind: 'error', text: err.message });
  }
}

function latencyFigure(l: LatencyStats): SafeHtml {
  return html`<section aria-labelledby="lat-h"><h2 id="lat-h">登记信息推送时延</h2>
    ${l.count === 0
      ? html`<p>尚未收到企业登记信息。</p>`
      : html`<dl class="facts"><dt>已收到的事件</dt><dd>${l.count} 次 (每局每事件计一次)</dd>
        <dt>中位数 (P50)</dt><dd>${l.p50Ms} 毫秒</dd><dt>第 95 百分位 (P95)</dt><dd>${l.p95Ms} 毫秒 ${badge((l.p95Ms ?? 0) <= 1000 ? '达到 1 秒目标' : '超过 1 秒目标', (l.p95Ms ?? 0) <= 1000 ? 'ok' : 'warn')}</dd></dl>
        <p class="hint">从市场监管登记提交, 经共享交换平台推送, 到本系统保存的时间。</p>`}
  </section>`;
}

/** Items of a demo bureau (seedDemo) carry the 演示数据 badge. */
const demo = (isDemo: boolean) => (isDemo ? html` ${badge('演示数据', 'demo')}` : '');

async function renderInbox(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const q = values(req.query);
  const view = q.view === 'all' ? 'all' : 'open';
  const bureaus = await bureausFor(req.ctx, SCOPES.intakeRead);
  const demoBureaus = new Set(bureaus.filter((b) => b.isDemo).map((b) => b.code));
  const enterprises = bureaus.length ? await listIntake(req.ctx, { view }) : [];
  const clearances = bureaus.length ? await listClearances(req.ctx, { view }) : [];
  const latency = await taxLatencyStats(req.ctx);
  return reply.page({
    title: '企业登记信息接收',
    breadcrumbs: crumbs(),
    body: html`<p>${bureaus.length ? `本页显示: ${bureaus.map((b) => b.name).join('、')}` : '您不属于任何税务机关接收系统。'}</p>
      <nav class="actions" aria-label="范围"><a class="btn ${view === 'open' ? 'btn-primary' : 'btn-secondary'}" href="${BASE}"${view === 'open' ? html` aria-current="page"` : ''}>待办</a>
        <a class="btn ${view === 'all' ? 'btn-primary' : 'btn-secondary'}" href="${BASE}?view=all"${view === 'all' ? html` aria-current="page"` : ''}>全部 (最近)</a></nav>
      ${table<IntakeEnterprise>({
        caption: view === 'open' ? '待接收的企业 (新设立、变更)' : '企业 (最近)',
        rows: enterprises,
        empty: '没有待接收的企业。',
        columns: [
          { header: '企业名称', cell: (e) => html`<a href="${BASE}/enterprises/${e.id}">${e.name}</a>${demo(demoBureaus.has(e.bureauCode))}` },
          { header: '统一社会信用代码', cell: (e) => e.uscc },
          { header: '事项', cell: (e) => e.lastTypeLabel },
          { header: '状态', cell: (e) => e.intakeStatusLabel },
          { header: '接收机关', cell: (e) => e.bureauName },
          { header: '收到时间', cell: (e) => time(e.updatedAt) },
        ],
      })}
      ${table<ClearanceItem>({
        caption: view === 'open' ? '待答复的清税 (注销申请)' : '清税 (最近)',
        rows: clearances,
        empty: '没有待答复的清税。',
        columns: [
          { header: '企业名称', cell: (c) => html`<a href="${BASE}/clearances/${c.id}">${c.name}</a>${demo(demoBureaus.has(c.bureauCode))}` },
          { header: '统一社会信用代码', cell: (c) => c.uscc },
          { header: '注销原因', cell: (c) => c.reason },
          { header: '申请日期', cell: (c) => c.requestedOn },
          { header: '状态', cell: (c) => c.statusLabel },
          { header: '答复机关', cell: (c) => c.bureauName },
        ],
      })}
      ${latencyFigure(latency)}`,
  });
}

const row = (label: string, value: unknown) => html`<dt>${label}</dt><dd>${str(value) || '—'}</dd>`;

async function renderEnterprise(req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): Promise<FastifyReply> {
  const e = await getIntakeEnterprise(req.ctx, { id: req.params.id });
  const d = e.data;
  const rep = (d.legalRepresentative ?? {}) as { name?: string; idNumber?: string | null };
  const canHandle = hasScope(req.ctx.actor, SCOPES.intakeHandle) && e.registryStatus === 'active';
  return reply.page({
    title: `企业: ${e.name}`,
    breadcrumbs: crumbs({ label: e.name }),
    body: html`<p>状态: <strong>${e.intakeStatusLabel}</strong> · 登记状态: ${e.registryStatusLabel} · 接收机关: ${e.bureauName}</p>
      <dl class="facts">
        ${row('统一社会信用代码', e.uscc)}${row('名称', e.name)}${row('市场主体类型', d.entityType)}
        ${row('法定代表人', rep.name)}${row('法定代表人身份号码', rep.idNumber ? maskIdNumber(rep.idNumber) : '')}
        ${row('注册资本 (万元)', d.registeredCapital)}${row('成立日期', d.establishedOn)}${row('经营范围', d.businessScope)}
        ${row('行业代码 (GB/T 4754-2017)', d.industryCode)}${row('住所', `${str(d.address)} (${e.regionCode})`)}${row('登记机关', d.authority)}
        ${row('最近事项', `${e.lastTypeLabel} (${time(e.updatedAt)})`)}
      </dl>
      ${e.lastChanges && Object.keys(e.lastChanges).length
        ? table({ caption: '最近一次变更的事项', rows: Object.entries(e.lastChanges), columns: [{ header: '事项', cell: ([k]) => k }, { header: '变更前', cell: ([, c]) => JSON.stringify(c.from) }, { header: '变更后', cell: ([, c]) => JSON.stringify(c.to) }] })
        : ''}
      ${e.intakeStatus === 'accepted' || e.competentAuthority
        ? html`<h2>税务登记信息</h2><dl class="facts">${row('主管税务机关', e.competentAuthority)}${row('生产经营地', e.businessAddress)}${row('财务负责人', e.financeOfficer)}${row('核算方式', e.accountingMethod)}${row('接收人', e.acceptedByName ? `${e.acceptedByName} (${time(e.acceptedAt)})` : '')}</dl>`
        : ''}
      ${canHandle && e.intakeStatus !== 'accepted'
        ? html`<section aria-labelledby="acc-h"><h2 id="acc-h">${e.intakeStatus === 'new' ? '确认接收, 分配主管税务机关' : '确认变更'}</h2>
          ${form({
            action: `${BASE}/enterprises/${e.id}/accept`,
            csrf: req.csrfToken,
            label: '确认接收',
            body: html`${field({ name: 'competentAuthority', label: '主管税务机关', required: true, maxLength: 100, value: e.competentAuthority ?? e.bureauName })}
              ${field({ name: 'businessAddress', label: '生产经营地', maxLength: 200, value: e.businessAddress ?? str(d.address), hint: '默认为登记住所' })}
              ${field({ name: 'financeOfficer', label: '财务负责人', maxLength: 60, value: e.financeOfficer })}
              ${select({ name: 'accountingMethod', label: '核算方式', options: ACCOUNTING_METHODS.map((m) => ({ value: m, label: m })), value: e.accountingMethod ?? '独立核算', placeholder: '未填' })}
              <p class="hint">确认后, 主管税务机关、生产经营地、财务负责人和核算方式经共享交换平台反馈市场监管部门。</p>
              ${button('确认接收')}`,
          })}</section>`
        : ''}`,
  });
}

async function renderClearance(req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): Promise<FastifyReply> {
  const c = await getClearance(req.ctx, { id: req.params.id });
  const canAnswer = hasScope(req.ctx.actor, SCOPES.clearanceAnswer) && (c.status === 'pending' || (c.status === 'answered' && c.cleared === false));
  return reply.page({
    title: `清税: ${c.name}`,
    breadcrumbs: crumbs({ label: `清税: ${c.name}` }),
    body: html`<dl class="facts">
        ${row('统一社会信用代码', c.uscc)}${row('企业名称', c.name)}${row('注销原因', c.reason)}${row('申请日期', c.requestedOn)}
        ${row('收到时间', time(c.receivedAt))}${row('答复机关', c.bureauName)}${row('状态', c.statusLabel)}
        ${c.answeredAt ? row('最近答复', `${c.cleared ? '已清税' : `未清税: ${c.outstanding.join('; ')}`} (${c.answeredByName ?? ''}, ${time(c.answeredAt)})`) : ''}
      </dl>
      ${canAnswer
        ? html`<section aria-labelledby="ans-h"><h2 id="ans-h">答复清税</h2>
          ${form({ action: `${BASE}/clearances/${c.id}/answer`, csrf: req.csrfToken, label: '已清税', confirm: '确认该企业已结清税款、缴销发票和税控设备?', body: html`<input type="hidden" name="cleared" value="true">${button('已清税')}` })}
          ${form({
            action: `${BASE}/clearances/${c.id}/answer`,
            csrf: req.csrfToken,
            label: '未清税',
            body: html`<input type="hidden" name="cleared" value="false">
              ${textarea({ name: 'outstanding', label: '未清事项 (每行一项, 如 欠缴税款、未缴销发票、未结清的滞纳金)', rows: 4, required: true })}
              ${button('答复未清税', { kind: 'secondary' })}`,
          })}
          <p class="hint">答复经共享交换平台送回市场监管部门; 辖区内各税务机关均答复已清税后, 注销登记自动完成。</p></section>`
        : ''}`,
  });
}

export function registerTaxPages(app: FastifyInstance, services: PlatformServices): void {
  app.get(BASE, { config: { scope: SCOPES.intakeRead } }, renderInbox);
  app.get<{ Params: { id: string } }>(`${BASE}/enterprises/:id`, { config: { scope: SCOPES.intakeRead } }, renderEnterprise);
  app.get<{ Params: { id: string } }>(`${BASE}/clearances/:id`, { config: { scope: SCOPES.intakeRead } }, renderClearance);
  app.post<{ Params: { id: string } }>(`${BASE}/enterprises/:id/accept`, { config: { scope: SCOPES.intakeHandle } }, async (req, reply) => {
    const v = values(req.body);
    return formAction(reply, `${BASE}/enterprises/${encodeURIComponent(req.params.id)}`, async () => {
      const body = parseInput(AcceptBody, { competentAuthority: v.competentAuthority ?? '', businessAddress: v.businessAddress, financeOfficer: v.financeOfficer, accountingMethod: v.accountingMethod ?? '' });
      await acceptEnterprise(req.ctx, { id: req.params.id, ...body });
      services.nudgeDispatcher();
      return '已确认接收, 税务登记信息已反馈市场监管部门。';
    });
  });
  app.post<{ Params: { id: string } }>(`${BASE}/clearances/:id/answer`, { config: { scope: SCOPES.clearanceAnswer } }, async (req, reply) => {
    const v = values(req.body);
    return formAction(reply, `${BASE}/clearances/${encodeURIComponent(req.params.id)}`, async () => {
      const cleared = v.cleared === 'true';
      await answerClearance(req.ctx, { id: req.params.id, cleared, outstanding: cleared ? [] : (v.outstanding ?? '').split(/\r?\n/) });
      services.nudgeDispatcher();
      return cleared ? '已答复已清税。' : '已答复未清税及未清事项。';
    });
  });
}
