/**
 * The annual report on government information disclosure (政府信息公开工作年度报告) in the 2021
 * national template, computed from the platform's own data — never typed in — except the figures
 * the platform has no source for (licensing, penalties, coercive measures, fees collected by the
 * agency, reconsideration and litigation), which the disclosure officer enters (report_inputs,
 * audited). Table 3 is computed from the disclosure-on-request cases, with the balance check
 * 一 + 二 = 三(七) + 四.
 */
import ExcelJS from 'exceljs';
import type { Ctx } from '../../../platform/context.ts';
import { queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { badRequest, notFound } from '../../../platform/errors.ts';
import { getUnitSummary } from '../../directory/index.ts';
import { APPLICANT_TYPES, APPLICANT_TYPE_LABELS, OUTCOMES, OUTCOME_LABELS, OUTCOME_REASONS, SCOPES, type ApplicantType, type Outcome } from '../model.ts';

export const REPORT_INPUT_KEYS: { key: string; label: string }[] = [
  { key: 'licensing', label: '第二十条第(五)项 行政许可 本年处理决定数量' },
  { key: 'penalty', label: '第二十条第(六)项 行政处罚 本年处理决定数量' },
  { key: 'coercion', label: '第二十条第(六)项 行政强制 本年处理决定数量' },
  { key: 'fees_amount', label: '第二十条第(八)项 行政事业性收费 本年收费金额 (万元)' },
  ...['reconsideration', 'litigation_direct', 'litigation_after'].flatMap((g) =>
    ['upheld', 'corrected', 'other', 'pending'].map((k) => ({
      key: `${g}.${k}`,
      label: `${{ reconsideration: '行政复议', litigation_direct: '行政诉讼 (未经复议直接起诉)', litigation_after: '行政诉讼 (复议后起诉)' }[g]} ${{ upheld: '结果维持', corrected: '结果纠正', other: '其他结果', pending: '尚未审结' }[k]}`,
    })),
  ),
];

export type Cols = Record<ApplicantType | 'total', number>;
const zero = (): Cols => ({ person: 0, commercial: 0, research: 0, public_interest: 0, legal_service: 0, other_org: 0, total: 0 });

export interface Table3Row {
  key: string;
  label: string;
  level: 0 | 1 | 2;
  cols: Cols;
}

export interface AnnualReport {
  unitId: string;
  unitName: string;
  year: number;
  table2: {
    rules: { issued: number; repealed: number; inForce: number };
    normative: { issued: number; repealed: number; inForce: number };
    licensing: number;
    penalty: number;
    coercion: number;
    feesAmount: number;
  };
  proactive: { published: number; late: number };
  table3: Table3Row[];
  balance: { ok: boolean; newThisYear: number; carriedIn: number; handled: number; carriedOut: number };
  table4: { reconsideration: number[]; litigationDirect: number[]; litigationAfter: number[] };
  feesCollected: number;
  inputs: Record<string, number>;
  /** The agency's own words for sections 五 and 六 (empty until written). */
  texts: ReportTexts;
}

export interface ReportTexts {
  /** 五、存在的主要问题及改进情况 */
  problems: string;
  /** 六、其他需要报告的事项 (besides the fees, which the platform states) */
  other: string;
}

export const REPORT_TEXT_MAX = 20_000;

interface ReqRow {
  applicant_type: ApplicantType;
  status: string;
  outcome: Outcome | null;
  outcome_reason: string | null;
  received_at: Date | string;
  replied_at: Date | string | null;
  fee_amount: number;
}

/** Instants bounding a calendar year in China time. */
const yearStart = (y: number) => new Date(`${y}-01-01T00:00:00+08:00`);

function requireReportAccess(ctx: Ctx, unitId: string): void {
  if (ctx.actor.kind === 'system') return;
  if (!ctx.actor.grants.some((g) => g.unitId === unitId && (g.scopes.has(SCOPES.reportManage) || g.scopes.has('*')))) throw notFound('report_not_found', '您不是该机关的政务公开专员。');
}

export async function annualReport(ctx: Ctx, input: { unitId: string; year: number }): Promise<AnnualReport> {
  requireReportAccess(ctx, input.unitId);
  const unit = await getUnitSummary(ctx, input.unitId);
  if (!unit) throw notFound('unit_not_found', '机关不存在。');
  const y = Math.floor(input.year);
  if (!(y >= 2008 && y <= 2100)) throw badRequest('validation_failed', '年度无效', [{ field: 'year', message: '年度无效' }]);
  const from = yearStart(y);
  const to = yearStart(y + 1);

  const reqs = await queryRows<ReqRow>(ctx.db, sql`SELECT applicant_type, status, outcome, outcome_reason, received_at, replied_at, fee_amount FROM portal.info_requests
    WHERE unit_id = ${unit.id} AND received_at < ${to.toISOString()} AND (replied_at IS NULL OR replied_at >= ${from.toISOString()})`);
  const add = (c: Cols, t: ApplicantType) => {
    c[t] += 1;
    c.total += 1;
  };
  const newThisYear = zero();
  const carriedIn = zero();
  const carriedOut = zero();
  const handledTotal = zero();
  const byOutcome = new Map<string, Cols>();
  const cell = (key: string) => {
    if (!byOutcome.has(key)) byOutcome.set(key, zero());
    return byOutcome.get(key)!;
  };
  let feesCollected = 0;
  for (const r of reqs) {
    const received = new Date(r.received_at).getTime();
    const closed = r.replied_at ? new Date(r.replied_at).getTime() : null;
    add(received >= from.getTime() ? newThisYear : carriedIn, r.applicant_type);
    if (closed !== null && closed < to.getTime()) {
      // Withdrawn by the applicant: (六) 其他处理 — 3 其他.
      const outcome: Outcome = r.status === 'withdrawn' ? 'other' : (r.outcome ?? 'other');
      const reason = r.status === 'withdrawn' ? 'other' : r.outcome_reason;
      add(cell(outcome), r.applicant_type);
      if (reason) add(cell(`${outcome}.${reason}`), r.applicant_type);
      add(handledTotal, r.applicant_type);
      feesCollected += Number(r.fee_amount);
    } else {
      add(carriedOut, r.applicant_type);
    }
  }
  const table3: Table3Row[] = [
    { key: 'new', label: '一、本年新收政府信息公开申请数量', level: 0, cols: newThisYear },
    { key: 'carried_in', label: '二、上年结转政府信息公开申请数量', level: 0, cols: carriedIn },
  ];
  for (const o of OUTCOMES) {
    table3.push({ key: o, label: OUTCOME_LABELS[o], level: 1, cols: byOutcome.get(o) ?? zero() });
    for (const r of OUTCOME_REASONS[o]) table3.push({ key: `${o}.${r.code}`, label: r.label, level: 2, cols: byOutcome.get(`${o}.${r.code}`) ?? zero() });
  }
  table3.push({ key: 'handled_total', label: '(七) 总计', level: 1, cols: handledTotal });
  table3.push({ key: 'carried_out', label: '四、结转下年度继续办理', level: 0, cols: carriedOut });

  // Table 2 from the catalogue of the unit's sites.
  const arts = await queryRows<{ kind: string; first_published_at: Date | string | null; validity: string; validity_changed_at: Date | string | null; live: boolean; late_disclosure: boolean }>(
    ctx.db,
    sql`SELECT a.kind, a.first_published_at, a.validity, a.validity_changed_at, (a.live_version IS NOT NULL) AS live, a.late_disclosure
      FROM portal.articles a JOIN portal.sites s ON s.code = a.site_code WHERE s.sponsor_unit_id = ${unit.id} AND a.first_published_at IS NOT NULL AND a.source_article_id IS NULL`,
  );
  const inYear = (d: Date | string | null) => d !== null && new Date(d) >= from && new Date(d) < to;
  const count = (kind: string) => ({
    issued: arts.filter((a) => a.kind === kind && inYear(a.first_published_at)).length,
    repealed: arts.filter((a) => a.kind === kind && (a.validity === 'repealed' || a.validity === 'lapsed') && inYear(a.validity_changed_at)).length,
    inForce: arts.filter((a) => a.kind === kind && a.live && new Date(a.first_published_at!) < to && (a.validity === 'effective' || a.validity === 'amended')).length,
  });
  const catalogued = arts.filter((a) => a.kind !== 'article' && inYear(a.first_published_at));

  const inputRows = await queryRows<{ key: string; value: string | number }>(ctx.db, sql`SELECT key, value FROM portal.report_inputs WHERE unit_id = ${unit.id} AND year = ${y}`);
  const inputs = Object.fromEntries(inputRows.map((r) => [r.key, Number(r.value)]));
  const textRows = await queryRows<{ section: keyof ReportTexts; body: string }>(ctx.db, sql`SELECT section, body FROM portal.report_texts WHERE unit_id = ${unit.id} AND year = ${y}`);
  const texts: ReportTexts = { problems: '', other: '' };
  for (const t of textRows) texts[t.section] = t.body;
  const four = (g: string) => {
    const v = ['upheld', 'corrected', 'other', 'pending'].map((k) => inputs[`${g}.${k}`] ?? 0);
    return [...v, v.reduce((s, x) => s + x, 0)];
  };
  return {
    unitId: unit.id,
    unitName: unit.name,
    year: y,
    table2: { rules: count('rule'), normative: count('normative'), licensing: inputs.licensing ?? 0, penalty: inputs.penalty ?? 0, coercion: inputs.coercion ?? 0, feesAmount: inputs.fees_amount ?? 0 },
    proactive: { published: catalogued.length, late: catalogued.filter((a) => a.late_disclosure).length },
    table3,
    balance: {
      ok: newThisYear.total + carriedIn.total === handledTotal.total + carriedOut.total,
      newThisYear: newThisYear.total,
      carriedIn: carriedIn.total,
      handled: handledTotal.total,
      carriedOut: carriedOut.total,
    },
    table4: { reconsideration: four('reconsideration'), litigationDirect: four('litigation_direct'), litigationAfter: four('litigation_after') },
    feesCollected,
    inputs,
    texts,
  };
}

/** Enters figures the platform has no source for (audited). */
export async function setReportInputs(ctx: Ctx, input: { unitId: string; year: number; values: Record<string, number> }): Promise<void> {
  requireReportAccess(ctx, input.unitId);
  const known = new Set(REPORT_INPUT_KEYS.map((k) => k.key));
  const problems = Object.entries(input.values).filter(([k, v]) => !known.has(k) || !(Number.isFinite(v) && v >= 0)).map(([k]) => ({ field: k, message: `「${k}」应为不小于 0 的数字` }));
  if (problems.length) throw badRequest('validation_failed', problems.map((p) => p.message).join('; '), problems);
  await inTransaction(ctx, async (tctx) => {
    const now = tctx.clock.now().toISOString();
    for (const [k, v] of Object.entries(input.values)) {
      await tctx.db.execute(sql`INSERT INTO portal.report_inputs (unit_id, year, key, value, updated_by_name, updated_at) VALUES (${input.unitId}, ${input.year}, ${k}, ${v}, ${tctx.actor.name}, ${now})
        ON CONFLICT (unit_id, year, key) DO UPDATE SET value = EXCLUDED.value, updated_by_name = EXCLUDED.updated_by_name, updated_at = EXCLUDED.updated_at`);
    }
    audit(tctx, { action: 'portal.report.inputs', targetType: 'portal.report', targetId: `${input.unitId}/${input.year}`, details: { values: input.values } });
  });
}

/** Writes sections 五 and 六 of the report (audited). */
export async function setReportTexts(ctx: Ctx, input: { unitId: string; year: number } & ReportTexts): Promise<void> {
  requireReportAccess(ctx, input.unitId);
  const problems = (['problems', 'other'] as const).filter((k) => input[k].length > REPORT_TEXT_MAX).map((k) => ({ field: k, message: `${k === 'problems' ? '存在的主要问题及改进情况' : '其他需要报告的事项'}不能超过 ${REPORT_TEXT_MAX} 字` }));
  if (problems.length) throw badRequest('validation_failed', problems.map((p) => p.message).join('; '), problems);
  await inTransaction(ctx, async (tctx) => {
    const now = tctx.clock.now().toISOString();
    for (const section of ['problems', 'other'] as const) {
      const body = input[section].replace(/\r\n/g, '\n').trim();
      await tctx.db.execute(sql`INSERT INTO portal.report_texts (unit_id, year, section, body, updated_by_name, updated_at) VALUES (${input.unitId}, ${input.year}, ${section}, ${body}, ${tctx.actor.name}, ${now})
        ON CONFLICT (unit_id, year, section) DO UPDATE SET body = EXCLUDED.body, updated_by_name = EXCLUDED.updated_by_name, updated_at = EXCLUDED.updated_at`);
    }
    audit(tctx, { action: 'portal.report.texts', targetType: 'portal.report', targetId: `${input.unitId}/${input.year}`, details: { problemsLength: input.problems.length, otherLength: input.other.length } });
  });
}

/** Paragraphs of a written section; an unwritten one says so rather than inventing text. */
export function reportParagraphs(text: string): string[] {
  const paras = text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  return paras.length ? paras : ['本机关尚未填写本部分。'];
}

export const TABLE3_COLUMNS: { key: keyof Cols; label: string }[] = [
  ...APPLICANT_TYPES.map((t) => ({ key: t as keyof Cols, label: t === 'person' ? '自然人' : `法人或其他组织: ${APPLICANT_TYPE_LABELS[t]}` })),
  { key: 'total', label: '总计' },
];

/** The report as an XLSX workbook (one sheet per table). */
export async function annualReportXlsx(report: AnnualReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'egov';
  const title = `${report.unitName}${report.year}年政府信息公开工作年度报告`;
  const s2 = wb.addWorksheet('二 主动公开');
  s2.addRow([title]);
  s2.addRow(['第二十条第(一)项', '本年制发件数', '本年废止件数', '现行有效件数']);
  s2.addRow(['规章', report.table2.rules.issued, report.table2.rules.repealed, report.table2.rules.inForce]);
  s2.addRow(['行政规范性文件', report.table2.normative.issued, report.table2.normative.repealed, report.table2.normative.inForce]);
  s2.addRow(['第二十条第(五)项 行政许可', '本年处理决定数量', report.table2.licensing]);
  s2.addRow(['第二十条第(六)项 行政处罚', '本年处理决定数量', report.table2.penalty]);
  s2.addRow(['第二十条第(六)项 行政强制', '本年处理决定数量', report.table2.coercion]);
  s2.addRow(['第二十条第(八)项 行政事业性收费', '本年收费金额(万元)', report.table2.feesAmount]);
  const s3 = wb.addWorksheet('三 依申请公开');
  s3.addRow([title]);
  s3.addRow(['', ...TABLE3_COLUMNS.map((c) => c.label)]);
  for (const r of report.table3) s3.addRow([`${'　'.repeat(r.level)}${r.label}`, ...TABLE3_COLUMNS.map((c) => r.cols[c.key])]);
  s3.addRow([`核对: 一 + 二 = 三(七) + 四 → ${report.balance.newThisYear} + ${report.balance.carriedIn} = ${report.balance.handled} + ${report.balance.carriedOut} ${report.balance.ok ? '平衡' : '不平衡'}`]);
  const s4 = wb.addWorksheet('四 复议诉讼');
  s4.addRow([title]);
  const heads = ['结果维持', '结果纠正', '其他结果', '尚未审结', '总计'];
  s4.addRow(['行政复议', '', '', '', '', '行政诉讼 (未经复议直接起诉)', '', '', '', '', '行政诉讼 (复议后起诉)']);
  s4.addRow([...heads, ...heads, ...heads]);
  s4.addRow([...report.table4.reconsideration, ...report.table4.litigationDirect, ...report.table4.litigationAfter]);
  const s5 = wb.addWorksheet('五 六 文字部分');
  s5.addRow([title]);
  s5.addRow(['五、存在的主要问题及改进情况']);
  for (const p of reportParagraphs(report.texts.problems)) s5.addRow([p]);
  s5.addRow(['六、其他需要报告的事项']);
  s5.addRow([`本年度收取信息处理费 ${report.feesCollected} 元。`]);
  if (report.texts.other) for (const p of reportParagraphs(report.texts.other)) s5.addRow([p]);
  s5.getColumn(1).width = 100;
  s2.getColumn(1).width = 36;
  s3.getColumn(1).width = 60;
  const buf = await wb.xlsx.writeBuffer();
  return Buffer.from(buf as ArrayBuffer);
}
