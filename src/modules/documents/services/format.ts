/**
 * Pure formatting rules of GB/T 9704-2012 used by the services and the rendering: the document
 * number (发文字号), dates written 2026年11月28日 (years in full, no leading zeros), the China-time
 * day of an instant, and the verification code derived from a seal signature.
 */
import { dayOfInstant, formatDay } from '../../../platform/calendar/index.ts';
import { sm3Hex } from '../../../platform/crypto/index.ts';

/** 发文字号: 代字〔年份〕序号号, e.g. 豫政〔2026〕12号 (六角括号, no leading zeros, no 第). */
export function formatDocNumber(prefix: string, year: number, seq: number): string {
  return `${prefix}〔${year}〕${seq}号`;
}

/** `YYYY-MM-DD` → 2026年11月28日 (GB/T 9704-2012 7.3.5.1: Arabic numerals, the year in full, months and days without a leading 0). */
export function chineseDate(day: string | null): string {
  if (!day) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  return `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日`;
}

/** The China-time (UTC+8) calendar day of an instant, `YYYY-MM-DD`. */
export function chinaDay(instant: Date): string {
  return formatDay(dayOfInstant(instant));
}

export function chinaYear(instant: Date): number {
  return Number(chinaDay(instant).slice(0, 4));
}

/** 16 hex characters of SM3(signature), grouped: `A1B2-C3D4-E5F6-0718`. Printed on the document. */
export function verificationCodeOf(signature: string): string {
  const hex = sm3Hex(signature).slice(0, 16).toUpperCase();
  return hex.match(/.{4}/g)!.join('-');
}

/** What a person typed as a verification code → the stored form (case, spaces and dashes ignored). */
export function normalizeVerificationCode(input: string): string | null {
  const hex = input.toUpperCase().replace(/[\s-]/g, '');
  if (!/^[0-9A-F]{16}$/.test(hex)) return null;
  return hex.match(/.{4}/g)!.join('-');
}

/** What a person typed as a document number: brackets written as [] () 〔〕 or 【】 are all read as 〔〕. */
export function normalizeDocNumber(input: string): string {
  return input.trim().replace(/\s+/g, '').replace(/[[(（【]/g, '〔').replace(/[\])）】]/g, '〕');
}

/** Paragraphs of a body text: every non-empty line is a paragraph (blank lines are ignored). */
export function paragraphs(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Lines of a multi-line field (附件说明: one attachment name per line). */
export function lines(text: string | null): string[] {
  return (text ?? '').replace(/\r\n?/g, '\n').split('\n').map((l) => l.trim()).filter(Boolean);
}
