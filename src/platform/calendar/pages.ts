/**
 * Workbench page of the working calendar (/workbench/calendar): a year's months for a region with
 * holidays, adjusted working days (调休上班) and local overrides; a calculator; and, for holders of
 * calendar.manage, the forms to add overrides, declare years and set working hours.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { html, type SafeHtml } from '../ui/html.ts';
import { badge, button, errorSummary, field, form, select, table } from '../ui/components.ts';
import { formatChinaTime } from '../ui/time.ts';
import { hasScope } from '../context.ts';
import { isAppError, type FieldProblem } from '../errors.ts';
import { parseInput } from '../http/validation.ts';
import type { PlatformServices } from '../module.ts';
import { describeYears, type DayInfo, type LoadedCalendar } from './calendar.ts';
import { WEEKDAY_LABELS, formatDay, parseDay, yearOfDay } from './days.ts';
import {
  CALENDAR_MANAGE_SCOPE,
  chinaDate,
  declareKnownYear,
  getWorkingHours,
  listKnownYears,
  listOverrides,
  loadCalendar,
  removeDayOverride,
  revokeKnownYear,
  setDayOverride,
  setWorkingHours,
  type OverrideListItem,
} from './service.ts';
import { regionOf } from './routes.ts';
import { DateString, RegionCode } from './schemas.ts';

export const CALENDAR_PAGE = '/workbench/calendar';

const OverrideForm = Type.Object({
  regionCode: RegionCode(),
  date: DateString('日期'),
  kind: Type.Union([Type.Literal('workday'), Type.Literal('holiday')], { title: '类型' }),
  name: Type.String({ title: '名称', minLength: 1, maxLength: 50 }),
  reason: Type.String({ title: '依据或原因', minLength: 1, maxLength: 500 }),
});

const DeclareForm = Type.Object({
  declareRegion: RegionCode(),
  declareYear: Type.Integer({ title: '年份', minimum: 1949, maximum: 2200 }),
  declareNote: Type.String({ title: '说明', minLength: 1, maxLength: 500 }),
});

const HoursForm = Type.Object({
  hoursRegion: RegionCode(),
  periods: Type.String({ title: '工作时段', minLength: 1, maxLength: 100 }),
  hoursNote: Type.Optional(Type.String({ title: '说明', maxLength: 500 })),
});

const RemoveForm = Type.Object({ regionCode: RegionCode(), date: DateString('日期'), back: Type.Optional(Type.String()) });
const RevokeForm = Type.Object({ regionCode: RegionCode(), year: Type.Integer({ title: '年份' }), reason: Type.String({ title: '撤回原因', minLength: 1, maxLength: 500 }) });

type FormName = 'override' | 'declare' | 'hours';

interface FormState {
  name: FormName;
  values: Record<string, string>;
  errors: FieldProblem[];
}

interface View {
  year: number;
  region: string;
  calcDate?: string;
  calcDays?: string;
  form?: FormState;
  status?: number;
}

const MONTHS = ['一月', '二月', '三月', '四月', '五月', '六月', '七月', '八月', '九月', '十月', '十一月', '十二月'];

function pageUrl(year: number, region: string, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ year: String(year), region, ...extra });
  return `${CALENDAR_PAGE}?${q.toString()}`;
}

function stringValues(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (body && typeof body === 'object') for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string' && k !== '_csrf') out[k] = v;
  return out;
}

function dayCell(d: DayInfo): SafeHtml {
  const n = Number(d.date.slice(8));
  const mark =
    d.kind === 'holiday' ? badge('休', 'warn')
    : d.kind === 'adjusted_workday' ? badge('班', 'ok')
    : d.kind === 'unknown' ? badge('未收录', 'muted')
    : d.kind === 'weekend' ? html`<span class="muted">休</span>`
    : '';
  return html`<span class="mono">${n}</span> ${mark}${d.name ? html` ${d.name}` : ''}${d.override ? html` ${badge(`地方调整 ${d.override.regionCode}`, 'demo')}` : ''}`;
}

function monthTable(cal: LoadedCalendar, year: number, month: number): SafeHtml {
  const first = Date.UTC(year, month, 1) / 86_400_000;
  const last = Date.UTC(year, month + 1, 1) / 86_400_000 - 1;
  const weeks: (DayInfo | null)[][] = [];
  let week: (DayInfo | null)[] = [];
  for (let day = first; day <= last; day += 1) {
    const info = cal.describeDay(formatDay(day));
    if (week.length === 0) for (let i = 1; i < info.weekday; i += 1) week.push(null);
    week.push(info);
    if (info.weekday === 7) {
      weeks.push(week);
      week = [];
    }
  }
  if (week.length) {
    while (week.length < 7) week.push(null);
    weeks.push(week);
  }
  return table({
    caption: `${year} 年${MONTHS[month]}`,
    rows: weeks,
    columns: [1, 2, 3, 4, 5, 6, 7].map((wd) => ({
      header: WEEKDAY_LABELS[wd].replace('星期', ''),
      cell: (w: (DayInfo | null)[]) => (w[wd - 1] ? dayCell(w[wd - 1]!) : ''),
    })),
  });
}

function errorsOf(state: FormState | undefined, name: FormName): Record<string, string> {
  const out: Record<string, string> = {};
  if (state?.name !== name) return out;
  for (const e of state.errors) out[e.field] = out[e.field] ? `${out[e.field]}; ${e.message}` : e.message;
  return out;
}

function valuesOf(state: FormState | undefined, name: FormName, defaults: Record<string, string>): Record<string, string> {
  return state?.name === name ? { ...defaults, ...state.values } : defaults;
}

async function render(req: FastifyRequest, reply: FastifyReply, view: View) {
  const { year, region } = view;
  const ctx = req.ctx;
  const cal = await loadCalendar(ctx, { regionCode: region });
  const canManage = hasScope(ctx.actor, CALENDAR_MANAGE_SCOPE);
  const known = await listKnownYears(ctx, { regionCode: region });
  const overrides = await listOverrides(ctx, { regionCode: region, year });
  const hours = await getWorkingHours(ctx, { regionCode: region });
  const yearKnown = cal.isYearKnown(year);
  const declaration = known.declarations.find((d) => d.year === year);

  let calc: SafeHtml | string = '';
  if (view.calcDate !== undefined || view.calcDays !== undefined) {
    const days = Number(view.calcDays);
    if (!view.calcDate || parseDay(view.calcDate) === null || !/^-?\d+$/.test(view.calcDays ?? '')) {
      calc = html`<p class="flash flash-error" role="alert">请填写有效的起算日期 (YYYY-MM-DD) 和整数工作日数。</p>`;
    } else {
      try {
        const result = cal.addWorkingDaysToDate(view.calcDate, days);
        const weekday = WEEKDAY_LABELS[cal.describeDay(result).weekday];
        calc = html`<p class="flash flash-info" role="status">${view.calcDate} ${days >= 0 ? `之后第 ${days}` : `之前第 ${-days}`} 个工作日是 <strong>${result}</strong> (${weekday}); 以工作日计的期限于当日 ${formatChinaTime(cal.addWorkingDays(new Date(`${view.calcDate}T12:00:00+08:00`), days)).slice(11, 16)} 届满。</p>`;
      } catch (err) {
        if (!isAppError(err)) throw err;
        calc = html`<p class="flash flash-error" role="alert">${err.message}</p>`;
      }
    }
  }

  const ovErrors = errorsOf(view.form, 'override');
  const ov = valuesOf(view.form, 'override', { regionCode: region, date: `${year}-01-01`, kind: 'holiday', name: '', reason: '' });
  const dcErrors = errorsOf(view.form, 'declare');
  const dc = valuesOf(view.form, 'declare', { declareRegion: region, declareYear: String(year), declareNote: '' });
  const hrErrors = errorsOf(view.form, 'hours');
  const hr = valuesOf(view.form, 'hours', { hoursRegion: region, periods: hours.periods, hoursNote: '' });
  const back = pageUrl(year, region);

  const overrideRows = table({
    caption: `${year} 年的日历调整 (适用于 ${region} 的, 以及为其下辖区划设置的)`,
    rows: overrides,
    empty: `${year} 年没有适用于 ${region} 或其下辖区划的日历调整。`,
    columns: [
      { header: '日期', cell: (o: OverrideListItem) => html`<span class="mono">${o.date}</span> ${WEEKDAY_LABELS[cal.describeDay(o.date).weekday]}` },
      { header: '区划', cell: (o: OverrideListItem) => html`<span class="mono">${o.regionCode}</span>${o.applies ? '' : html` ${badge('下辖区划', 'muted')}`}` },
      { header: '类型', cell: (o: OverrideListItem) => (o.kind === 'workday' ? badge('上班', 'ok') : badge('休息', 'warn')) },
      { header: '名称', cell: (o: OverrideListItem) => o.name },
      { header: '依据或原因', cell: (o: OverrideListItem) => o.reason },
      { header: '录入', cell: (o: OverrideListItem) => `${o.updatedByName} ${formatChinaTime(o.updatedAt).slice(0, 16)}` },
      ...(canManage
        ? [{
            header: '操作',
            cell: (o: OverrideListItem) => form({
              action: `${CALENDAR_PAGE}/overrides/remove`,
              csrf: req.csrfToken,
              className: 'inline',
              confirm: `删除 ${o.regionCode} 在 ${o.date} 的调整「${o.name}」?`,
              body: html`<input type="hidden" name="regionCode" value="${o.regionCode}"><input type="hidden" name="date" value="${o.date}"><input type="hidden" name="back" value="${back}">${button('删除', { kind: 'danger' })}`,
            }),
          }]
        : []),
    ],
  });

  const declarations = table({
    caption: '管理员声明已录入的年份',
    rows: known.declarations,
    empty: '尚无声明。',
    columns: [
      { header: '年份', cell: (d) => d.year },
      { header: '区划', cell: (d) => html`<span class="mono">${d.regionCode}</span>` },
      { header: '说明', cell: (d) => d.note },
      { header: '声明', cell: (d) => `${d.declaredByName} ${formatChinaTime(d.declaredAt).slice(0, 16)}` },
      ...(canManage
        ? [{
            header: '操作',
            cell: (d: (typeof known.declarations)[number]) => form({
              action: `${CALENDAR_PAGE}/known-years/revoke`,
              csrf: req.csrfToken,
              className: 'inline',
              confirm: `撤回 ${d.regionCode} 对 ${d.year} 年的声明? 撤回后该年重新视为未收录。`,
              body: html`<input type="hidden" name="regionCode" value="${d.regionCode}"><input type="hidden" name="year" value="${d.year}">
                <label for="revoke-${d.regionCode}-${d.year}">撤回原因</label> <input id="revoke-${d.regionCode}-${d.year}" name="reason" required maxlength="500"> ${button('撤回', { kind: 'danger' })}`,
            }),
          }]
        : []),
    ],
  });

  const allErrors = view.form?.errors ?? [];
  const body = html`
    ${form({
      action: CALENDAR_PAGE,
      method: 'get',
      csrf: req.csrfToken,
      className: 'filters',
      label: '选择年份和区划',
      body: html`${field({ name: 'year', label: '年份', type: 'number', value: String(year), required: true })}
        ${field({ name: 'region', label: '行政区划代码', value: region, maxLength: 6, pattern: '[1-9][0-9]{5}', inputmode: 'numeric', hint: '如 410000 河南省, 410100 郑州市, 410102 中原区' })}
        <div class="actions">${button('查看')}</div>`,
    })}
    <dl class="facts">
      <dt>行政区划</dt><dd class="mono">${region}</dd>
      <dt>${year} 年</dt><dd>${yearKnown
        ? known.packageYears.includes(year) ? html`${badge('已收录', 'ok')} 数据包 ${known.source}` : html`${badge('已收录', 'ok')} 管理员声明${declaration ? ` (${declaration.regionCode}, ${declaration.declaredByName})` : ''}`
        : badge('未收录', 'warn')}</dd>
      <dt>已收录年份</dt><dd>${describeYears(cal.knownYears)} (数据包 ${known.source} 收录 ${describeYears(known.packageYears)})</dd>
      <dt>工作时间</dt><dd>${hours.periods.replace(/,/g, ', ')} (北京时间; ${hours.regionCode ? `区划 ${hours.regionCode} 设置` : '默认'}, 每个工作日 ${cal.hoursPerDay} 小时)</dd>
    </dl>
    ${yearKnown ? '' : html`<div class="flash flash-error" role="alert">${year} 年的法定节假日安排尚未收录, 期限跨入该年的计算都会报错。国务院办公厅公布该年安排后, 请将全部放假日和调休上班日录入为日历调整 (区划 410000 对全省生效), 再声明该年已录入。</div>`}

    <h2>推算工作日</h2>
    ${form({
      action: CALENDAR_PAGE,
      method: 'get',
      csrf: req.csrfToken,
      className: 'filters',
      label: '推算工作日',
      body: html`<input type="hidden" name="year" value="${year}"><input type="hidden" name="region" value="${region}">
        ${field({ name: 'calcDate', label: '起算日期', type: 'date', value: view.calcDate ?? chinaDate(ctx.clock.now()) })}
        ${field({ name: 'calcDays', label: '工作日数', type: 'number', value: view.calcDays ?? '20', hint: '起算日当天不计入' })}
        <div class="actions">${button('推算', { kind: 'secondary' })}</div>`,
    })}
    ${calc}

    <h2>${year} 年日历</h2>
    <p>${badge('休', 'warn')} 节假日休息 (含调休休息日) ${badge('班', 'ok')} 调休上班 <span class="muted">休</span> 周末 ${badge('地方调整', 'demo')} 由日历调整决定; 其余为工作日。</p>
    ${MONTHS.map((_, m) => monthTable(cal, year, m))}

    <h2>日历调整</h2>
    ${overrideRows}
    ${canManage ? html`
      <h3 id="override-form">新增或修改日历调整</h3>
      ${view.form?.name === 'override' ? errorSummary(allErrors) : ''}
      ${form({
        action: `${CALENDAR_PAGE}/overrides`,
        csrf: req.csrfToken,
        label: '新增日历调整',
        body: html`${field({ name: 'regionCode', label: '行政区划代码', value: ov.regionCode, required: true, maxLength: 6, inputmode: 'numeric', error: ovErrors.regionCode, hint: '对该区划及其全部下辖区划生效; 410000 为全省' })}
          ${field({ name: 'date', label: '日期', type: 'date', value: ov.date, required: true, error: ovErrors.date, hint: '同一区划同一日期已有调整时替换' })}
          ${select({ name: 'kind', label: '类型', value: ov.kind, required: true, error: ovErrors.kind, options: [{ value: 'holiday', label: '休息 (放假、地方假日)' }, { value: 'workday', label: '上班 (调休上班)' }] })}
          ${field({ name: 'name', label: '名称', value: ov.name, required: true, maxLength: 50, error: ovErrors.name, hint: '如 2027 年春节、春节调休上班' })}
          ${field({ name: 'reason', label: '依据或原因', value: ov.reason, required: true, maxLength: 500, error: ovErrors.reason, hint: '如通知的名称和文号' })}
          <div class="actions">${button('保存调整')}</div>`,
      })}` : ''}

    <h2>已收录年份</h2>
    <p>数据包 ${known.source} 收录 ${describeYears(known.packageYears)} 年。其他年份须由管理员录入全部放假日和调休上班日后声明, 声明对该区划及其下辖区划生效。</p>
    ${declarations}
    ${canManage ? html`
      <h3 id="declare-form">声明年份已录入</h3>
      ${view.form?.name === 'declare' ? errorSummary(allErrors) : ''}
      ${form({
        action: `${CALENDAR_PAGE}/known-years`,
        csrf: req.csrfToken,
        label: '声明年份已录入',
        body: html`${field({ name: 'declareRegion', label: '行政区划代码', value: dc.declareRegion, required: true, maxLength: 6, inputmode: 'numeric', error: dcErrors.declareRegion })}
          ${field({ name: 'declareYear', label: '年份', type: 'number', value: dc.declareYear, required: true, error: dcErrors.declareYear })}
          ${field({ name: 'declareNote', label: '说明', value: dc.declareNote, required: true, maxLength: 500, error: dcErrors.declareNote, hint: '所依据通知的名称和文号; 请先录入该年全部调整' })}
          <div class="actions">${button('声明已录入')}</div>`,
      })}` : ''}

    <h2>工作时间</h2>
    <p>按工作时计算的期限只计算工作日的这些时段; 以工作日计的期限于最后一个工作日的最后时段结束时届满。</p>
    ${canManage ? html`
      ${view.form?.name === 'hours' ? errorSummary(allErrors) : ''}
      ${form({
        action: `${CALENDAR_PAGE}/working-hours`,
        csrf: req.csrfToken,
        label: '设置工作时间',
        body: html`${field({ name: 'hoursRegion', label: '行政区划代码', value: hr.hoursRegion, required: true, maxLength: 6, inputmode: 'numeric', error: hrErrors.hoursRegion })}
          ${field({ name: 'periods', label: '工作时段', value: hr.periods, required: true, maxLength: 100, error: hrErrors.periods, hint: '北京时间, 按先后以逗号分隔, 如 09:00-12:00,13:00-17:00' })}
          ${field({ name: 'hoursNote', label: '说明', value: hr.hoursNote, maxLength: 500, error: hrErrors.hoursNote })}
          <div class="actions">${button('保存工作时间')}</div>`,
      })}` : ''}`;

  return reply.page({
    title: '工作日历',
    status: view.status,
    breadcrumbs: [{ label: '工作台', href: '/workbench' }, { label: '工作日历' }],
    body,
  });
}

function viewFromQuery(req: FastifyRequest): View {
  const q = req.query as Record<string, string | undefined>;
  const now = chinaDate(req.ctx.clock.now());
  const y = Number(q.year);
  const year = Number.isInteger(y) && y >= 1949 && y <= 2200 ? y : Number(now.slice(0, 4));
  const region = q.region && /^[1-9]\d{5}$/.test(q.region) ? q.region : regionOf(req.ctx.actor, undefined);
  return { year, region, calcDate: q.calcDate, calcDays: q.calcDays };
}

/** Maps service field names to the form's field names (forms on one page need distinct names). */
function renameFields(errors: FieldProblem[], map: Record<string, string>): FieldProblem[] {
  return errors.map((e) => ({ ...e, field: map[e.field] ?? e.field }));
}

const yearOfDate = (date: string | undefined): number | undefined => {
  const d = date ? parseDay(date) : null;
  return d === null ? undefined : yearOfDay(d);
};

export function registerCalendarPages(app: FastifyInstance, services: PlatformServices): void {
  app.get(CALENDAR_PAGE, { config: { scope: 'staff' } }, async (req, reply) => render(req, reply, viewFromQuery(req)));

  /** Runs a change from a form; bad input re-renders the page with the form's errors. */
  const handle = async (
    req: FastifyRequest,
    reply: FastifyReply,
    opts: { form: FormName; view: () => View; fieldMap?: Record<string, string>; run: () => Promise<{ url: string; text: string }> },
  ) => {
    try {
      const done = await opts.run();
      services.nudgeDispatcher();
      return reply.flashRedirect(done.url, { kind: 'success', text: done.text });
    } catch (err) {
      if (isAppError(err) && [400, 409, 422].includes(err.status)) {
        const errors = err.fields.length ? renameFields(err.fields, opts.fieldMap ?? {}) : [{ field: '(form)', message: err.message }];
        return render(req, reply, { ...opts.view(), form: { name: opts.form, values: stringValues(req.body), errors }, status: err.status });
      }
      throw err;
    }
  };

  const baseView = (req: FastifyRequest, region: string | undefined, year: number | undefined): View => {
    const v = viewFromQuery(req);
    return { ...v, region: region && /^[1-9]\d{5}$/.test(region) ? region : v.region, year: year ?? v.year };
  };

  app.post(`${CALENDAR_PAGE}/overrides`, { config: { scope: CALENDAR_MANAGE_SCOPE } }, async (req, reply) => {
    const raw = stringValues(req.body);
    return handle(req, reply, {
      form: 'override',
      view: () => baseView(req, raw.regionCode, yearOfDate(raw.date)),
      run: async () => {
        const input = parseInput(OverrideForm, req.body);
        const o = await setDayOverride(req.ctx, input);
        return { url: `${pageUrl(Number(o.date.slice(0, 4)), o.regionCode)}#override-form`, text: `已保存 ${o.regionCode} 在 ${o.date} 的调整「${o.name}」(${o.kind === 'workday' ? '上班' : '休息'})。` };
      },
    });
  });

  app.post(`${CALENDAR_PAGE}/overrides/remove`, { config: { scope: CALENDAR_MANAGE_SCOPE } }, async (req, reply) => {
    const input = parseInput(RemoveForm, req.body);
    const removed = await removeDayOverride(req.ctx, { regionCode: input.regionCode, date: input.date });
    services.nudgeDispatcher();
    const back = input.back && input.back.startsWith(`${CALENDAR_PAGE}?`) ? input.back : pageUrl(Number(input.date.slice(0, 4)), input.regionCode);
    return reply.flashRedirect(back, { kind: 'success', text: `已删除 ${removed.regionCode} 在 ${removed.date} 的调整「${removed.name}」。` });
  });

  app.post(`${CALENDAR_PAGE}/known-years`, { config: { scope: CALENDAR_MANAGE_SCOPE } }, async (req, reply) => {
    const raw = stringValues(req.body);
    const map = { regionCode: 'declareRegion', year: 'declareYear', note: 'declareNote' };
    return handle(req, reply, {
      form: 'declare',
      fieldMap: map,
      view: () => baseView(req, raw.declareRegion, /^\d{4}$/.test(raw.declareYear ?? '') ? Number(raw.declareYear) : undefined),
      run: async () => {
        const input = parseInput(DeclareForm, req.body);
        const d = await declareKnownYear(req.ctx, { regionCode: input.declareRegion, year: input.declareYear, note: input.declareNote });
        return { url: pageUrl(d.year, d.regionCode), text: `已声明 ${d.regionCode} 的 ${d.year} 年节假日安排已录入, 该年的工作日现在可以计算。` };
      },
    });
  });

  app.post(`${CALENDAR_PAGE}/known-years/revoke`, { config: { scope: CALENDAR_MANAGE_SCOPE } }, async (req, reply) => {
    const input = parseInput(RevokeForm, req.body);
    const d = await revokeKnownYear(req.ctx, { regionCode: input.regionCode, year: input.year, reason: input.reason });
    services.nudgeDispatcher();
    return reply.flashRedirect(pageUrl(d.year, d.regionCode), { kind: 'success', text: `已撤回 ${d.regionCode} 对 ${d.year} 年的声明。` });
  });

  app.post(`${CALENDAR_PAGE}/working-hours`, { config: { scope: CALENDAR_MANAGE_SCOPE } }, async (req, reply) => {
    const raw = stringValues(req.body);
    return handle(req, reply, {
      form: 'hours',
      fieldMap: { regionCode: 'hoursRegion', note: 'hoursNote' },
      view: () => baseView(req, raw.hoursRegion, undefined),
      run: async () => {
        const input = parseInput(HoursForm, req.body);
        const s = await setWorkingHours(req.ctx, { regionCode: input.hoursRegion, periods: input.periods, note: input.hoursNote });
        return { url: pageUrl(Number(chinaDate(req.ctx.clock.now()).slice(0, 4)), s.regionCode ?? input.hoursRegion), text: `已将 ${s.regionCode} 的工作时间设为 ${s.periods}。` };
      },
    });
  });
}

