/**
 * Input checks of the engine with Chinese messages: a transition's fields, the comment, attachment
 * ids, and the case data against the definition's schema.
 */
import { AppError, type FieldProblem } from '../errors.ts';
import { parseInput } from '../http/validation.ts';
import type { CaseData, FieldDef, FieldValue, WorkflowDefinition } from './definition.ts';

export const COMMENT_MAX = 5000;
export const MAX_ATTACHMENTS = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day written `YYYY-MM-DD` (not 2026-13-01 or 2026-02-30). */
export function isCalendarDay(s: string): boolean {
  if (!DATE.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
}

function fail(problems: FieldProblem[]): never {
  throw new AppError({ code: 'validation_failed', status: 400, message: problems.map((p) => p.message).join('; '), fields: problems });
}

/** Checks the values of a transition's fields; returns them typed (numbers as numbers), blanks left out. */
export function checkFields(defs: FieldDef[] | undefined, input: Record<string, unknown> | undefined, prefix = 'fields.'): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  const problems: FieldProblem[] = [];
  const known = new Set((defs ?? []).map((f) => f.name));
  for (const k of Object.keys(input ?? {})) if (!known.has(k)) problems.push({ field: `${prefix}${k}`, message: `不允许的字段「${k}」` });
  for (const f of defs ?? []) {
    const raw = input?.[f.name];
    const field = `${prefix}${f.name}`;
    const text = raw === undefined || raw === null ? '' : typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : null;
    if (text === null) {
      problems.push({ field, message: `「${f.label}」类型不正确` });
      continue;
    }
    if (text === '') {
      if (f.required) problems.push({ field, message: `请填写「${f.label}」` });
      continue;
    }
    const type = f.type ?? 'text';
    if (type === 'number') {
      const n = Number(text);
      if (!Number.isFinite(n)) problems.push({ field, message: `「${f.label}」应为数字` });
      else out[f.name] = n;
      continue;
    }
    if (type === 'date') {
      if (!isCalendarDay(text)) problems.push({ field, message: `「${f.label}」应为日期 (年-月-日)` });
      else out[f.name] = text;
      continue;
    }
    if (type === 'select') {
      if (!f.options?.some((o) => o.value === text)) problems.push({ field, message: `「${f.label}」的取值不在允许范围内` });
      else out[f.name] = text;
      continue;
    }
    const max = f.maxLength ?? (type === 'textarea' ? COMMENT_MAX : 500);
    if (text.length > max) problems.push({ field, message: `「${f.label}」不能超过 ${max} 个字符` });
    else if (f.pattern && !new RegExp(f.pattern).test(text)) problems.push({ field, message: `「${f.label}」格式不正确` });
    else out[f.name] = text;
  }
  if (problems.length) fail(problems);
  return out;
}

/** The comment, trimmed; required when the step asks for one. */
export function checkComment(comment: string | undefined | null, required: boolean, label = '办理意见'): string | null {
  const text = (comment ?? '').trim();
  if (!text) {
    if (required) fail([{ field: 'comment', message: `请填写${label}` }]);
    return null;
  }
  if (text.length > COMMENT_MAX) fail([{ field: 'comment', message: `${label}不能超过 ${COMMENT_MAX} 个字符` }]);
  return text;
}

export function checkAttachmentIds(ids: string[] | undefined): string[] {
  const list = ids ?? [];
  if (list.length > MAX_ATTACHMENTS) fail([{ field: 'attachmentIds', message: `附件最多 ${MAX_ATTACHMENTS} 个` }]);
  const bad = list.filter((id) => typeof id !== 'string' || !UUID.test(id));
  if (bad.length) fail([{ field: 'attachmentIds', message: `附件标识「${String(bad[0])}」格式不正确` }]);
  return [...new Set(list.map((id) => id.toLowerCase()))];
}

/** The case data checked against the definition's schema (messages name the data fields by title). */
export function checkData(def: WorkflowDefinition, data: CaseData): CaseData {
  if (!def.dataSchema) return data;
  try {
    return parseInput(def.dataSchema, data) as CaseData;
  } catch (err) {
    if (err instanceof AppError && err.code === 'validation_failed') {
      throw new AppError({ code: 'case_data_invalid', status: 400, message: `案件数据不符合要求: ${err.message}`, fields: err.fields.map((f) => ({ field: `data.${f.field}`, message: f.message })) });
    }
    throw err;
  }
}
