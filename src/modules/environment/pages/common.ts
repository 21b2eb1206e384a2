/**
 * Pieces shared by the environment pages.
 */
import type { FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import { badge } from '../../../platform/ui/components.ts';
import { formatChinaTime } from '../../../platform/ui/time.ts';
import { isAppError, type AppError, type FieldProblem } from '../../../platform/errors.ts';
import { beijingDay } from '../model.ts';
import { CITY_SEATS } from '../services/geo.ts';

export const BASE = '/workbench/environment';

export const crumbs = (...rest: { label: string; href?: string }[]) => [{ label: '工作台', href: '/workbench' }, { label: '污染源在线监控', href: BASE }, ...rest];

export const demoBadge = (isDemo: boolean): SafeHtml | '' => (isDemo ? html` ${badge('演示数据', 'demo')}` : '');

export const time = (iso: string | null): string => (iso ? formatChinaTime(iso).slice(0, 16) : '—');

export const num = (x: number | null | undefined, d = 2): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
export const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

export const cityName = (code: string): string => CITY_SEATS[code]?.name ?? code;

export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '' && v !== false) u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

export function errorMap(fields: FieldProblem[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const f of fields) m[f.field] = m[f.field] ? `${m[f.field]}; ${f.message}` : f.message;
  return m;
}

export function formValues(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string' && k !== '_csrf') out[k] = v;
  }
  return out;
}

/** A refusal to show beside a form (bad input, a conflict), as opposed to 404 or a failure. */
export function isFormProblem(err: unknown): err is AppError {
  return isAppError(err) && err.status >= 400 && err.status < 500 && err.status !== 404 && err.status !== 401 && err.status !== 403;
}

/** The current month (Beijing), or the query's `month` when well-formed. */
export function monthOf(req: FastifyRequest): string {
  const m = (req.query as Record<string, string | undefined>).month;
  if (m && /^\d{4}-(0[1-9]|1[0-2])$/.test(m)) return m;
  return beijingDay(req.ctx.clock.now()).slice(0, 7);
}
