/**
 * Workbench pages: the inbox (/workbench/inbox), a case (/workbench/cases/:id) with its facts,
 * deadline, timeline, paused intervals and one form per action the user may take now, and the
 * statistics (/workbench/workflow/stats). Forms post to /workbench/cases/:id/<action>, succeed with
 * a redirect and a flash, and fail by showing the case again with the problem beside the form.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../ui/html.ts';
import { badge, button, errorSummary, field, form, pagination, select, table } from '../ui/components.ts';
import { formatChinaTime } from '../ui/time.ts';
import { isAppError, type AppError, type FieldProblem } from '../errors.ts';
import { parseInput } from '../http/validation.ts';
import type { PlatformServices } from '../module.ts';
import type { FieldDef } from './definition.ts';
import { allDefinitions } from './registry.ts';
import {
  claimCase,
  handOverCase,
  releaseCase,
  resumeCase,
  returnForCorrection,
  submitCorrection,
  suspendCase,
  takeTransition,
  withdrawCase,
} from './cases.ts';
import { getCase, inboxCounts, listInbox, type CaseAction, type CaseDetail, type InboxItem } from './queries.ts';
import { workflowStats } from './stats.ts';
import { CaseIdParams, InboxQuery, StatsQuery } from './schemas.ts';
import {
  INBOX_BOXES,
  INBOX_BOX_LABELS,
  SUSPEND_REASONS,
  PAUSE_REASON_LABELS,
  WORKFLOW_SCOPES,
  type CaseView,
  type InboxBox,
  type SuspendReason,
} from './model.ts';
import type { DeadlineInfo } from './clock.ts';

const crumbs = (...rest: { label: string; href?: string }[]) => [{ label: '工作台', href: '/workbench' }, ...rest];
const inboxCrumb = { label: '我的待办', href: '/workbench/inbox' };
const time = (iso: string | null) => (iso ? formatChinaTime(iso).slice(0, 16) : '—');

function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

const fmt = (n: number) => String(Math.round(n * 10) / 10);

/** 剩余 3 个工作日 / 已超期 1 个工作日 / 计时暂停中. */
export function remainingText(d: DeadlineInfo): string {
  if (d.paused) return `计时暂停中 (已用 ${fmt(d.used)} 个${d.unit === 'days' ? '工作日' : '工作时'})`;
  const unit = d.unit === 'days' ? '个工作日' : '个工作时';
  if (d.overdue) return `已超期${d.remaining < 0 ? ` ${fmt(-d.remaining)} ${unit}` : ''}`;
  return `剩余 ${fmt(d.remaining)} ${unit}`;
}

function statusBadge(c: CaseView & { overdue?: boolean }): SafeHtml {
  const kind = c.status === 'open' ? 'ok' : c.status === 'closed' ? 'muted' : 'warn';
  return html`${badge(c.statusLabel, kind)}${c.overdue ? html` ${badge('已超期', 'warn')}` : ''}${c.escalation ? html` ${badge('已督办', 'warn')}` : ''}`;
}

// ---- inbox ------------------------------------------------------------------------------------

function definitionOptions(): { value: string; label: string }[] {
  const seen = new Map<string, string>();
  for (const d of allDefinitions()) seen.set(d.key, d.title);
  return [...seen.entries()].map(([value, label]) => ({ value, label }));
}

function stateOptions(definitionKey: string | undefined): { value: string; label: string }[] {
  const seen = new Map<string, string>();
  for (const d of allDefinitions()) {
    if (definitionKey && d.key !== definitionKey) continue;
    for (const [k, s] of Object.entries(d.states)) if (!seen.has(k)) seen.set(k, definitionKey ? s.label : `${d.title} · ${s.label}`);
  }
  return [...seen.entries()].map(([value, label]) => ({ value, label }));
}

async function renderInbox(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const raw = req.query as Record<string, string | undefined>;
  const errors: FieldProblem[] = [];
  let q: { box?: string; definition?: string; state?: string; from?: string; to?: string; q?: string; page?: number } = {};
  try {
    q = parseInput(InboxQuery, raw);
  } catch (err) {
    if (!isAppError(err) || err.fields.length === 0) throw err;
    errors.push(...err.fields);
  }
  const box = (q.box ?? 'todo') as InboxBox;
  let list: Awaited<ReturnType<typeof listInbox>> | null = null;
  let listError: string | null = null;
  try {
    list = await listInbox(req.ctx, { box, definitionKey: q.definition, state: q.state, from: q.from, to: q.to, q: q.q, page: q.page, pageSize: 20 });
  } catch (err) {
    if (!isAppError(err) || err.status >= 500) throw err;
    if (err.code === 'validation_failed') errors.push(...err.fields);
    else listError = err.message; // e.g. the calendar lacks next year's holidays: say so instead of an empty list
  }
  const counts = await inboxCounts(req.ctx);
  const countOf: Record<InboxBox, number | null> = { todo: counts.todo, done: null, due_soon: counts.dueSoon, overdue: counts.overdue };
  const filters = { definition: q.definition, state: q.state, from: q.from, to: q.to, q: q.q };
  const errs = Object.fromEntries(errors.map((e) => [e.field, e.message]));
  return reply.page({
    title: '我的待办',
    breadcrumbs: crumbs({ label: '我的待办' }),
    status: errors.length ? 400 : 200,
    body: html`
      <nav aria-label="待办分类" class="actions">${INBOX_BOXES.map((b) => {
        const label = html`${INBOX_BOX_LABELS[b]}${countOf[b] !== null ? html` <span class="count-badge">${countOf[b]}</span>` : ''}`;
        return b === box
          ? html`<a class="btn btn-primary" aria-current="page" href="/workbench/inbox${qs({ box: b, ...filters })}">${label}</a>`
          : html`<a class="btn btn-secondary" href="/workbench/inbox${qs({ box: b, ...filters })}">${label}</a>`;
      })}</nav>
      ${counts.dueSoonError ? html`<p class="flash flash-error" role="alert">无法计算即将超期的案件: ${counts.dueSoonError}</p>` : ''}
      ${errorSummary(errors)}
      ${form({
        action: '/workbench/inbox',
        method: 'get',
        csrf: req.csrfToken,
        className: 'filters',
        label: '查询条件',
        body: html`<input type="hidden" name="box" value="${box}">
          ${select({ name: 'definition', label: '流程', options: definitionOptions(), value: q.definition, placeholder: '全部', error: errs.definition })}
          ${select({ name: 'state', label: '环节', options: stateOptions(q.definition), value: q.state, placeholder: '全部', error: errs.state })}
          ${field({ name: 'from', label: '受理日期自', type: 'date', value: raw.from, error: errs.from })}
          ${field({ name: 'to', label: '至', type: 'date', value: raw.to, error: errs.to })}
          ${field({ name: 'q', label: '标题关键词', type: 'search', value: raw.q, maxLength: 100, error: errs.q })}
          <div class="actions">${button('查询')} <a href="/workbench/inbox${qs({ box })}">清除条件</a></div>`,
      })}
      ${listError ? html`<p class="flash flash-error" role="alert">${listError}</p>` : ''}
      ${list
        ? html`${table({
            caption: `${INBOX_BOX_LABELS[box]} (共 ${list.total} 件)`,
            rows: list.items,
            empty: box === 'todo' ? '暂无待办案件。' : '没有符合条件的案件。',
            columns: [
              { header: '标题', cell: (c: InboxItem) => html`<a href="/workbench/cases/${c.id}">${c.title}</a>` },
              { header: '流程', cell: (c: InboxItem) => c.definitionTitle },
              { header: '当前环节', cell: (c: InboxItem) => c.stateLabel },
              { header: '办理单位', cell: (c: InboxItem) => c.unit?.name ?? '—' },
              { header: '承办人', cell: (c: InboxItem) => (c.assignee ? c.assignee.name : c.status === 'closed' || c.status === 'withdrawn' ? '—' : badge('待认领', 'warn')) },
              { header: '受理时间', cell: (c: InboxItem) => time(c.startedAt) },
              { header: box === 'done' ? '我最近办理' : '本环节期限', cell: (c: InboxItem) => (box === 'done' ? time(c.lastActionAt) : c.pause ? `暂停 (${c.pause.reasonLabel})` : time(c.deadline?.at ?? null)) },
              { header: '状态', cell: (c: InboxItem) => statusBadge(c) },
            ],
          })}
          ${pagination({ page: list.page, pageSize: list.pageSize, total: list.total, hrefFor: (page) => `/workbench/inbox${qs({ box, ...filters, page })}` })}`
        : ''}`,
  });
}

// ---- case page --------------------------------------------------------------------------------

interface FormProblem {
  /** Which form the problem belongs to: a transition name or an action kind. */
  form: string;
  message: string;
  fields: FieldProblem[];
}

const fieldId = (form: string, name: string) => `${form}.${name}`;

function fieldInput(formKey: string, f: FieldDef, value: string | undefined, error: string | undefined): SafeHtml {
  const name = fieldId(formKey, f.name);
  if (f.type === 'select') return select({ name, label: f.label, options: f.options ?? [], value, required: f.required, placeholder: '请选择', error });
  if (f.type === 'textarea') return commentBox(name, f.label, value, error, f.required ?? false);
  return field({
    name,
    label: f.label,
    value,
    required: f.required,
    error,
    hint: f.hint,
    maxLength: f.maxLength,
    type: f.type === 'date' ? 'date' : f.type === 'number' ? 'number' : 'text',
  });
}

/** A labelled textarea whose id follows its (form-prefixed) name, so several forms can share a page. */
function commentBox(name: string, label: string, value: string | undefined, error: string | undefined, required: boolean): SafeHtml {
  const id = `f-${name}`;
  return html`<div class="field${error ? ' field-error' : ''}">
  <label for="${id}">${label}${required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</label>
  ${error ? html`<p class="error-text" id="${id}-error">${error}</p>` : ''}
  <textarea id="${id}" name="${name}" rows="3"${required ? html` required` : ''}${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>${value ?? ''}</textarea>
</div>`;
}

function actionForm(req: FastifyRequest, d: CaseDetail, a: CaseAction, problem: FormProblem | null, values: Record<string, string>): SafeHtml {
  const c = d.case;
  const key = a.kind === 'transition' ? a.transition!.name : a.kind;
  const mine = problem && problem.form === key ? problem : null;
  const errs: Record<string, string> = {};
  for (const f of mine?.fields ?? []) errs[f.field] = f.message;
  const v = (name: string) => (mine ? values[fieldId(key, name)] : undefined);
  const hidden = html`<input type="hidden" name="expectedVersion" value="${c.version}">`;
  const head = html`<h3>${a.label}</h3>${mine ? html`<p class="flash flash-error" role="alert">${mine.message}</p>` : ''}`;
  const base = `/workbench/cases/${c.id}`;
  switch (a.kind) {
    case 'transition': {
      const t = a.transition!;
      if (a.blockedReason) return html`<section class="card"><h3>${a.label}</h3><p class="muted">暂不能办理: ${a.blockedReason}</p></section>`;
      return html`<section class="card">${head}${form({
        action: `${base}/transitions`,
        csrf: req.csrfToken,
        label: a.label,
        body: html`${hidden}<input type="hidden" name="transition" value="${t.name}">
          <p class="muted">办理后进入「${t.toLabel}」。</p>
          ${t.fields.map((f) => fieldInput(key, f, v(f.name), errs[fieldId(key, f.name)]))}
          ${commentBox(fieldId(key, 'comment'), '办理意见', v('comment'), errs[fieldId(key, 'comment')], t.commentRequired)}
          <div class="actions">${button(a.label)}</div>`,
      })}</section>`;
    }
    case 'hand_over': {
      const options = d.handOverCandidates.map((p) => ({ value: p.userId, label: p.name }));
      const picker = options.length
        ? select({ name: fieldId(key, 'toUserId'), label: '接收人', options, value: v('toUserId'), required: true, placeholder: '请选择本单位同事', error: errs[fieldId(key, 'toUserId')] })
        : field({ name: fieldId(key, 'toUserId'), label: '接收人账号标识', value: v('toUserId'), required: true, error: errs[fieldId(key, 'toUserId')], hint: '本单位具有办理权限的同事' });
      return html`<section class="card">${head}${form({
        action: `${base}/hand-over`,
        csrf: req.csrfToken,
        label: a.label,
        body: html`${hidden}${picker}${commentBox(fieldId(key, 'comment'), '转交说明', v('comment'), errs[fieldId(key, 'comment')], false)}<div class="actions">${button('转交', { kind: 'secondary' })}</div>`,
      })}</section>`;
    }
    case 'suspend':
      return html`<section class="card">${head}${form({
        action: `${base}/suspend`,
        csrf: req.csrfToken,
        label: a.label,
        body: html`${hidden}
          ${select({ name: fieldId(key, 'reason'), label: '中止原因', options: SUSPEND_REASONS.map((r) => ({ value: r, label: PAUSE_REASON_LABELS[r] })), value: v('reason'), required: true, placeholder: '请选择', error: errs[fieldId(key, 'reason')] })}
          ${commentBox(fieldId(key, 'comment'), '中止说明', v('comment'), errs[fieldId(key, 'comment')], true)}
          <p class="muted">中止期间不计入办理期限。</p>
          <div class="actions">${button('中止计时', { kind: 'secondary' })}</div>`,
      })}</section>`;
    case 'return_for_correction':
      return html`<section class="card">${head}${form({
        action: `${base}/return-for-correction`,
        csrf: req.csrfToken,
        label: a.label,
        body: html`${hidden}${commentBox(fieldId(key, 'comment'), '需要补正的内容', v('comment'), errs[fieldId(key, 'comment')], true)}
          <p class="muted">等待补正期间不计入办理期限; 申请人补正后恢复计时。</p>
          <div class="actions">${button('退回补正', { kind: 'secondary' })}</div>`,
      })}</section>`;
    default: {
      const paths: Record<string, string> = { claim: 'claim', release: 'release', resume: 'resume', withdraw: 'withdraw', submit_correction: 'correction' };
      const confirm = a.kind === 'withdraw' ? '撤回后案件终止办理, 确定撤回吗?' : undefined;
      return html`<section class="card">${head}${form({
        action: `${base}/${paths[a.kind]}`,
        csrf: req.csrfToken,
        label: a.label,
        confirm,
        body: html`${hidden}${a.kind === 'claim' ? '' : commentBox(fieldId(key, 'comment'), '说明', v('comment'), errs[fieldId(key, 'comment')], false)}
          <div class="actions">${button(a.label, { kind: a.kind === 'withdraw' ? 'danger' : a.kind === 'claim' ? 'primary' : 'secondary' })}</div>`,
      })}</section>`;
    }
  }
}

function timeline(d: CaseDetail): SafeHtml {
  return html`<ol class="timeline">${d.history.map((h) => html`<li>
    <p><strong>${time(h.at)}</strong> ${h.actor.name}${h.actor.unitName ? html` <span class="muted">(${h.actor.unitName})</span>` : ''}
      · ${h.action === 'transition' ? h.transitionLabel : h.actionLabel}
      ${h.fromState && h.toState && h.fromState !== h.toState ? html`<span class="muted">「${h.fromLabel}」→「${h.toLabel}」</span>` : ''}
      ${h.action === 'start' ? html`<span class="muted">进入「${h.toLabel}」</span>` : ''}</p>
    ${h.action === 'hand_over' ? html`<p>转交给 ${String(h.details.toName ?? '')}</p>` : ''}
    ${h.action === 'suspend' || h.action === 'return_for_correction' ? html`<p>原因: ${PAUSE_REASON_LABELS[(h.details.reason as keyof typeof PAUSE_REASON_LABELS) ?? 'correction'] ?? ''}</p>` : ''}
    ${h.action === 'escalate' ? html`<p>已超过期限, 提请 ${String(h.details.escalationUnitName ?? '')} 督办</p>` : ''}
    ${h.comment ? html`<p>意见: ${h.comment}</p>` : ''}
    ${Object.keys(h.fields).length ? html`<p class="muted">${Object.entries(h.fields).map(([k, v]) => `${k}: ${String(v)}`).join('; ')}</p>` : ''}
    ${h.attachmentIds.length ? html`<p class="muted">附件 ${h.attachmentIds.length} 个</p>` : ''}
  </li>`)}</ol>`;
}

async function renderCase(req: FastifyRequest, reply: FastifyReply, id: string, problem: FormProblem | null = null, values: Record<string, string> = {}, status = 200): Promise<FastifyReply> {
  const d = await getCase(req.ctx, { id });
  const c = d.case;
  const deadlineCell = d.deadlineError
    ? html`<span class="error-text">${d.deadlineError}</span>`
    : d.deadline
      ? html`${d.deadline.at ? time(d.deadline.at) : '—'} (${d.deadline.amount} ${d.deadline.unit === 'days' ? '个工作日' : '个工作时'}) · ${d.deadline.overdue ? badge(remainingText(d.deadline), 'warn') : remainingText(d.deadline)}`
      : '本环节无期限';
  const failedTimers = d.timers.filter((t) => t.status === 'failed' || (t.status === 'pending' && t.lastError));
  return reply.page({
    title: c.title,
    status,
    breadcrumbs: crumbs(inboxCrumb, { label: c.title }),
    body: html`
      <p>${statusBadge({ ...c, overdue: d.deadline?.overdue ?? false })} ${c.late ? badge('曾超期', 'warn') : ''}</p>
      <dl class="facts">
        <dt>流程</dt><dd>${c.definitionTitle} <span class="muted">(第 ${c.definitionVersion} 版)</span></dd>
        <dt>当前环节</dt><dd>${c.stateLabel}</dd>
        <dt>办理单位</dt><dd>${c.unit?.name ?? '—'}</dd>
        <dt>承办人</dt><dd>${c.assignee ? c.assignee.name : c.status === 'closed' || c.status === 'withdrawn' ? '—' : '待认领'}</dd>
        <dt>发起人</dt><dd>${c.startedBy.name}</dd>
        <dt>受理时间</dt><dd>${time(c.startedAt)}</dd>
        <dt>本环节期限</dt><dd id="deadline">${deadlineCell}</dd>
        ${c.pause ? html`<dt>计时暂停</dt><dd>${c.pause.reasonLabel}, 自 ${time(c.pause.since)}</dd>` : ''}
        ${c.escalation ? html`<dt>超期督办</dt><dd>${c.escalation.unitName ?? ''} · ${time(c.escalation.at)}</dd>` : ''}
        ${c.closedAt ? html`<dt>${c.status === 'withdrawn' ? '撤回时间' : '办结时间'}</dt><dd>${time(c.closedAt)}${c.handlingWorkingDays !== null ? ` (用时 ${fmt(c.handlingWorkingDays)} 个工作日)` : ''}</dd>` : ''}
        <dt>业务对象</dt><dd class="mono">${c.subject.module} / ${c.subject.id}</dd>
        <dt>版本号</dt><dd>${c.version}</dd>
      </dl>
      ${failedTimers.length ? html`<div class="flash flash-error" role="alert">定时任务执行失败: ${failedTimers.map((t) => `${t.kindLabel} (${t.lastError ?? ''})`).join('; ')}</div>` : ''}
      ${problem?.form === 'page' ? html`<p class="flash flash-error" role="alert">${problem.message}</p>` : ''}
      ${problem && problem.fields.length ? errorSummary(problem.fields) : ''}
      <section aria-labelledby="actions-h"><h2 id="actions-h">办理</h2>
        ${d.actions.length === 0 ? html`<p class="empty">您当前没有可执行的操作。</p>` : html`<div class="cards">${d.actions.map((a) => actionForm(req, d, a, problem, values))}</div>`}
      </section>
      <section aria-labelledby="timeline-h"><h2 id="timeline-h">办理记录</h2>${timeline(d)}</section>
      <section aria-labelledby="pauses-h"><h2 id="pauses-h">计时暂停</h2>
        ${table({
          caption: '不计入办理期限的时段',
          rows: d.pauses,
          empty: '没有暂停记录。',
          columns: [
            { header: '原因', cell: (p) => p.reasonLabel },
            { header: '开始', cell: (p) => html`${time(p.from)} <span class="muted">${p.startedBy}</span>` },
            { header: '恢复', cell: (p) => (p.to ? html`${time(p.to)} <span class="muted">${p.endedBy ?? ''}</span>` : badge('暂停中', 'warn')) },
            { header: '说明', cell: (p) => p.comment ?? '—' },
          ],
        })}
      </section>`,
  });
}

/** Form values as strings (to show again what the user typed). */
function formValues(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (body && typeof body === 'object') for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string' && k !== '_csrf') out[k] = v;
  return out;
}

/** Service field names → this form's field names. */
function problemFor(formKey: string, err: AppError): FormProblem {
  return {
    form: formKey,
    message: err.message,
    fields: err.fields.map((f) => ({ field: fieldId(formKey, f.field.replace(/^fields\./, '').replace(/^data\./, '')), message: f.message })),
  };
}

type Op = (values: Record<string, string>, prefixed: (name: string) => string | undefined, expectedVersion: number | undefined) => Promise<unknown>;

function registerAction(app: FastifyInstance, services: PlatformServices, path: string, formKeyOf: (values: Record<string, string>) => string, op: (req: FastifyRequest, caseId: string) => Op, success: string): void {
  app.post(`/workbench/cases/:id/${path}`, { config: { scope: 'staff' }, schema: { params: CaseIdParams } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const values = formValues(req.body);
    const formKey = formKeyOf(values);
    const ev = Number(values.expectedVersion);
    try {
      await op(req, id)(values, (name) => values[fieldId(formKey, name)], Number.isInteger(ev) && ev > 0 ? ev : undefined);
    } catch (err) {
      if (!isAppError(err) || err.status === 404 || err.status >= 500) throw err;
      const problem = err.code === 'case_changed' ? { form: 'page', message: err.message, fields: [] } : problemFor(formKey, err);
      return renderCase(req, reply, id, problem, values, err.status);
    }
    services.nudgeDispatcher();
    return reply.flashRedirect(`/workbench/cases/${id}`, { kind: 'success', text: success });
  });
}

// ---- statistics -------------------------------------------------------------------------------

async function renderStats(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const raw = req.query as Record<string, string | undefined>;
  const errors: FieldProblem[] = [];
  let q: { definition?: string; from?: string; to?: string } = {};
  try {
    q = parseInput(StatsQuery, raw);
  } catch (err) {
    if (!isAppError(err) || err.fields.length === 0) throw err;
    errors.push(...err.fields);
  }
  let stats: Awaited<ReturnType<typeof workflowStats>> = { rows: [], totals: { received: 0, closed: 0, closedOnTime: 0, overdue: 0, withdrawn: 0, averageWorkingDays: null } };
  try {
    if (errors.length === 0) stats = await workflowStats(req.ctx, { definitionKey: q.definition, from: q.from, to: q.to });
  } catch (err) {
    if (!isAppError(err) || err.code !== 'validation_failed') throw err;
    errors.push(...err.fields);
  }
  const errs = Object.fromEntries(errors.map((e) => [e.field, e.message]));
  const avg = (v: number | null) => (v === null ? '—' : fmt(v));
  return reply.page({
    title: '办件统计',
    breadcrumbs: crumbs({ label: '办件统计' }),
    status: errors.length ? 400 : 200,
    body: html`${errorSummary(errors)}
      ${form({
        action: '/workbench/workflow/stats',
        method: 'get',
        csrf: req.csrfToken,
        className: 'filters',
        label: '统计条件',
        body: html`${select({ name: 'definition', label: '流程', options: definitionOptions(), value: q.definition, placeholder: '全部', error: errs.definition })}
          ${field({ name: 'from', label: '受理日期自', type: 'date', value: raw.from, error: errs.from })}
          ${field({ name: 'to', label: '至', type: 'date', value: raw.to, error: errs.to })}
          <div class="actions">${button('统计')} <a href="/workbench/workflow/stats">清除条件</a></div>`,
      })}
      <p class="muted">范围: 您有统计权限的辖区。按期办结: 各环节均未超过期限; 平均用时按工作日计, 不含补正、征求意见、核查和评审的暂停时间。</p>
      ${table({
        caption: `办件统计 (受理 ${stats.totals.received} 件, 办结 ${stats.totals.closed} 件, 按期办结 ${stats.totals.closedOnTime} 件, 超期未办结 ${stats.totals.overdue} 件, 平均用时 ${avg(stats.totals.averageWorkingDays)} 个工作日)`,
        rows: stats.rows,
        empty: '没有符合条件的案件。',
        columns: [
          { header: '流程', cell: (r) => r.definitionTitle },
          { header: '办理单位', cell: (r) => r.unitName ?? '—' },
          { header: '受理', cell: (r) => r.received, className: 'num' },
          { header: '办结', cell: (r) => r.closed, className: 'num' },
          { header: '按期办结', cell: (r) => r.closedOnTime, className: 'num' },
          { header: '超期未办结', cell: (r) => r.overdue, className: 'num' },
          { header: '撤回', cell: (r) => r.withdrawn, className: 'num' },
          { header: '平均用时 (工作日)', cell: (r) => avg(r.averageWorkingDays), className: 'num' },
        ],
      })}`,
  });
}

export function registerWorkflowPages(app: FastifyInstance, services: PlatformServices): void {
  app.get('/workbench/inbox', { config: { scope: 'staff' } }, renderInbox);
  app.get('/workbench/cases/:id', { config: { scope: 'staff' }, schema: { params: CaseIdParams } }, async (req, reply) => renderCase(req, reply, (req.params as { id: string }).id));
  app.get('/workbench/workflow/stats', { config: { scope: WORKFLOW_SCOPES.statsRead } }, renderStats);

  registerAction(app, services, 'transitions', (v) => v.transition ?? '', (req, caseId) => async (v, p, expectedVersion) => {
    const t = v.transition ?? '';
    const fields: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) if (k.startsWith(`${t}.`) && k !== `${t}.comment`) fields[k.slice(t.length + 1)] = val;
    return takeTransition(req.ctx, { caseId, transition: t, comment: p('comment'), fields, expectedVersion });
  }, '已办理。');
  registerAction(app, services, 'claim', () => 'claim', (req, caseId) => (_v, _p, expectedVersion) => claimCase(req.ctx, { caseId, expectedVersion }), '已签收, 案件已进入您的待办。');
  registerAction(app, services, 'release', () => 'release', (req, caseId) => (_v, p, expectedVersion) => releaseCase(req.ctx, { caseId, comment: p('comment'), expectedVersion }), '已退回单位待认领。');
  registerAction(app, services, 'hand-over', () => 'hand_over', (req, caseId) => (_v, p, expectedVersion) => handOverCase(req.ctx, { caseId, toUserId: p('toUserId') ?? '', comment: p('comment'), expectedVersion }), '已转交。');
  registerAction(app, services, 'return-for-correction', () => 'return_for_correction', (req, caseId) => (_v, p, expectedVersion) => returnForCorrection(req.ctx, { caseId, comment: p('comment'), expectedVersion }), '已退回补正, 计时暂停。');
  registerAction(app, services, 'correction', () => 'submit_correction', (req, caseId) => (_v, p, expectedVersion) => submitCorrection(req.ctx, { caseId, comment: p('comment'), expectedVersion }), '已记录补正, 恢复计时。');
  registerAction(app, services, 'suspend', () => 'suspend', (req, caseId) => (_v, p, expectedVersion) => suspendCase(req.ctx, { caseId, reason: (p('reason') ?? '') as SuspendReason, comment: p('comment'), expectedVersion }), '已中止计时。');
  registerAction(app, services, 'resume', () => 'resume', (req, caseId) => (_v, p, expectedVersion) => resumeCase(req.ctx, { caseId, comment: p('comment'), expectedVersion }), '已恢复计时。');
  registerAction(app, services, 'withdraw', () => 'withdraw', (req, caseId) => (_v, p, expectedVersion) => withdrawCase(req.ctx, { caseId, comment: p('comment'), expectedVersion }), '已撤回。');
}
