/**
 * Checks shared by the service functions and the import definitions: identifiers (GB 11643,
 * GB 32100), that birth date and sex agree with the ID number, and that codes are in their lists.
 * Pure, except `knownRegions` which asks the directory module for the region codes (cached briefly;
 * the directory's table stays the truth).
 */
import type { Ctx } from '../../../platform/context.ts';
import { AppError } from '../../../platform/errors.ts';
import { checkResidentId, checkUscc, residentIdFacts } from '../../../platform/identifiers/index.ts';
import { listRegions } from '../../directory/index.ts';
import { CURRENCIES, EDUCATION, ENTITY_TYPES, ETHNICITIES, INDUSTRY_DIVISIONS, MARITAL, RELATIONS } from '../codes.ts';

export interface Problem {
  column: string;
  message: string;
}

let regionCache: { at: number; codes: Set<string> } | null = null;

export async function knownRegions(ctx: Ctx): Promise<Set<string>> {
  if (regionCache && Date.now() - regionCache.at < 60_000 && regionCache.codes.size > 0) return regionCache.codes;
  const codes = new Set((await listRegions(ctx, { includeInactive: false })).map((r) => r.code));
  regionCache = { at: Date.now(), codes };
  return codes;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** YYYY-MM-DD, YYYYMMDD or YYYY/M/D → YYYY-MM-DD, or null when not a real date. */
export function normalDate(v: string): string | null {
  const s = v.trim();
  let y: number, m: number, d: number;
  let mm: RegExpExecArray | null;
  if ((mm = /^(\d{4})(\d{2})(\d{2})$/.exec(s))) [y, m, d] = [Number(mm[1]), Number(mm[2]), Number(mm[3])];
  else if ((mm = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s))) [y, m, d] = [Number(mm[1]), Number(mm[2]), Number(mm[3])];
  else return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
  const out = dt.toISOString().slice(0, 10);
  return DATE.test(out) ? out : null;
}

export function checkIdNumber(v: string, column = 'idNumber', today = new Date()): Problem | null {
  const r = checkResidentId(v, today);
  return r.valid ? null : { column, message: r.reason };
}

/** Birth date and sex given beside an ID number must agree with it. */
export function checkAgreesWithId(idNumber: string, birthDate: string | null, sex: string | null): Problem[] {
  const facts = residentIdFacts(idNumber);
  const out: Problem[] = [];
  if (birthDate && birthDate !== facts.birthDate) out.push({ column: 'birthDate', message: `出生日期 ${birthDate} 与身份号码中的出生日期 ${facts.birthDate} 不一致` });
  if (sex && sex !== facts.sex) out.push({ column: 'sex', message: `性别与身份号码第 17 位不一致 (号码表示${facts.sex === 'male' ? '男' : '女'})` });
  return out;
}

export function inList(list: Record<string, string>, code: string, column: string, what: string): Problem | null {
  return list[code] ? null : { column, message: `${what}代码「${code}」不在代码表中` };
}

/** 男/女/1/2/male/female → male|female. */
export function normalSex(v: string): 'male' | 'female' | null {
  const s = v.trim().toLowerCase();
  if (s === '男' || s === '1' || s === 'male' || s === 'm') return 'male';
  if (s === '女' || s === '2' || s === 'female' || s === 'f') return 'female';
  return null;
}

/** Code or its Chinese name → code. */
export function codeOf(list: Record<string, string>, v: string): string {
  const s = v.trim();
  if (list[s]) return s;
  if (/^\d$/.test(s) && list[`0${s}`]) return `0${s}`;
  const hit = Object.entries(list).find(([, name]) => name === s);
  return hit ? hit[0] : s;
}

export const personCodeChecks = (p: { ethnicity: string; relationToHead: string | null; education: string | null; maritalStatus: string | null }): Problem[] =>
  [
    inList(ETHNICITIES, p.ethnicity, 'ethnicity', '民族'),
    p.relationToHead ? inList(RELATIONS, p.relationToHead, 'relationToHead', '与户主关系') : null,
    p.education ? inList(EDUCATION, p.education, 'education', '学历') : null,
    p.maritalStatus ? inList(MARITAL, p.maritalStatus, 'maritalStatus', '婚姻状况') : null,
  ].filter((x): x is Problem => x !== null);

export const entityCodeChecks = (e: { entityType: string; industryCode: string; currency: string }): Problem[] =>
  [
    inList(ENTITY_TYPES, e.entityType, 'entityType', '主体类型'),
    INDUSTRY_DIVISIONS[e.industryCode] ? null : { column: 'industryCode', message: `行业代码「${e.industryCode}」不是 GB/T 4754-2017 的大类代码 (两位数字 01-97)` },
    inList(CURRENCIES, e.currency, 'currency', '币种'),
  ].filter((x): x is Problem => x !== null);

/** GB 32100 result: a failing code is accepted but flagged (legacy codes), a malformed one refused. */
export function usccFlag(v: string): { valid: boolean; problem: string | null; refuse: string | null } {
  const r = checkUscc(v);
  if (r.valid) return { valid: true, problem: null, refuse: null };
  if (r.code === 'uscc_length') return { valid: false, problem: r.reason, refuse: r.reason };
  return { valid: false, problem: r.reason, refuse: null };
}

/** Refuses a date that is not a real calendar day (before the database does, with a Chinese message). */
export function requireDates(dates: Record<string, string | null | undefined>): void {
  const bad = Object.entries(dates).filter(([, v]) => v !== undefined && v !== null && normalDate(v) !== v);
  if (bad.length) throw new AppError({ code: 'validation_failed', status: 422, message: bad.map(([, v]) => `日期「${v}」无效`).join('; '), fields: bad.map(([k, v]) => ({ field: k, message: `日期「${v}」无效` })) });
}
