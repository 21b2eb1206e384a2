/**
 * Pieces shared by the documents pages: breadcrumbs, badges, form values and errors, labelled
 * text areas with their own ids (several forms share a page), and unit names ↔ ids.
 */
import type { FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import { badge } from '../../../platform/ui/components.ts';
import { formatChinaTime } from '../../../platform/ui/time.ts';
import { isAppError, type AppError, type FieldProblem } from '../../../platform/errors.ts';
import type { Ctx } from '../../../platform/context.ts';
import { listUnitsForPicker } from '../../directory/index.ts';

export const BASE = '/workbench/documents';

export const crumbs = (...rest: { label: string; href?: string }[]) => [{ label: '工作台', href: '/workbench' }, { label: '公文处理', href: `${BASE}/outgoing` }, ...rest];

export const demoBadge = (isDemo: boolean): SafeHtml | '' => (isDemo ? html` ${badge('演示', 'demo')}` : '');

export const time = (iso: string | null): string => (iso ? formatChinaTime(iso).slice(0, 16) : '—');

export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '' && v !== false) u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** Form values as strings, for showing again what the user typed. */
export function formValues(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string' && k !== '_csrf') out[k] = v;
  }
  return out;
}

export function errorMap(fields: FieldProblem[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const f of fields) m[f.field] = m[f.field] ? `${m[f.field]}; ${f.message}` : f.message;
  return m;
}

/** A refusal to show beside a form (bad input, a conflict, a guard), as opposed to 404 or a failure. */
export function isFormProblem(err: unknown): err is AppError {
  return isAppError(err) && err.status >= 400 && err.status < 500 && err.status !== 404 && err.status !== 401;
}

/** A labelled text area whose id is independent of its name (several forms on one page post `comment`). */
export function area(o: { id: string; name: string; label: string; value?: string; error?: string; required?: boolean; rows?: number; hint?: string }): SafeHtml {
  const describedBy = [o.hint ? `${o.id}-hint` : '', o.error ? `${o.id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field${o.error ? ' field-error' : ''}">
  <label for="${o.id}">${o.label}${o.required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</label>
  ${o.hint ? html`<p class="hint" id="${o.id}-hint">${o.hint}</p>` : ''}
  ${o.error ? html`<p class="error-text" id="${o.id}-error">${o.error}</p>` : ''}
  <textarea id="${o.id}" name="${o.name}" rows="${o.rows ?? 3}"${o.required ? html` required` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${o.error ? html` aria-invalid="true"` : ''}>${o.value ?? ''}</textarea>
</div>`;
}

/** Unit names typed one per line (or separated by 、，,；) → unit ids, with a problem per unknown or ambiguous name. */
export async function unitIdsFromNames(ctx: Ctx, text: string, field: string): Promise<{ ids: string[]; problems: FieldProblem[] }> {
  const names = [...new Set(text.split(/[\n\r、，,；;]+/).map((s) => s.trim()).filter(Boolean))];
  const ids: string[] = [];
  const problems: FieldProblem[] = [];
  for (const name of names) {
    if (name.length > 100) {
      problems.push({ field, message: `单位名称「${name.slice(0, 20)}…」过长` });
      continue;
    }
    const found = (await listUnitsForPicker(ctx, { regionPrefixes: [''], search: name, limit: 50 })).filter((u) => u.name === name);
    if (found.length === 1) ids.push(found[0].id);
    else if (found.length === 0) problems.push({ field, message: `未找到名为「${name}」的单位, 请填写单位全称` });
    else problems.push({ field, message: `「${name}」对应多个单位, 请联系管理员核对组织目录` });
  }
  return { ids, problems };
}

export const isChecked = (v: string | undefined): boolean => v === 'on' || v === 'true' || v === '1';

export const requestIsStaff = (req: FastifyRequest): boolean => req.ctx.actor.kind === 'staff';
