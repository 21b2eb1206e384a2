/** Pieces shared by the registries pages. */
import type { FastifyReply } from 'fastify';
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import { badge } from '../../../platform/ui/components.ts';
import { formatChinaTime } from '../../../platform/ui/time.ts';
import { isAppError } from '../../../platform/errors.ts';

export const BASE = '/workbench/registries';

export const crumbs = (...rest: { label: string; href?: string }[]) => [{ label: '工作台', href: '/workbench' }, { label: '基础信息库', href: `${BASE}/persons` }, ...rest];

export const demoBadge = (isDemo: boolean): SafeHtml | '' => (isDemo ? html` ${badge('演示数据', 'demo')}` : '');
export const maskedBadge = (masked: boolean): SafeHtml | '' => (masked ? html` ${badge('已脱敏', 'muted')}` : html` ${badge('完整信息', 'warn')}`);

export const time = (iso: string | null): string => (iso ? formatChinaTime(iso).slice(0, 16) : '—');

export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '' && v !== false) u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** A labelled input with its own id (several forms share a page). */
export function input(o: { id: string; name: string; label: string; value?: string | null; type?: string; required?: boolean; hint?: string; maxLength?: number }): SafeHtml {
  return html`<div class="field">
  <label for="${o.id}">${o.label}${o.required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</label>
  ${o.hint ? html`<p class="hint" id="${o.id}-hint">${o.hint}</p>` : ''}
  <input id="${o.id}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${o.required ? html` required` : ''}${o.maxLength ? html` maxlength="${o.maxLength}"` : ''}${o.hint ? html` aria-describedby="${o.id}-hint"` : ''}>
</div>`;
}

export function choice(o: { id: string; name: string; label: string; options: Record<string, string> | { value: string; label: string }[]; value?: string | null; required?: boolean; placeholder?: string }): SafeHtml {
  const opts = Array.isArray(o.options) ? o.options : Object.entries(o.options).map(([value, label]) => ({ value, label: `${value} ${label}` }));
  return html`<div class="field">
  <label for="${o.id}">${o.label}${o.required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</label>
  <select id="${o.id}" name="${o.name}"${o.required ? html` required` : ''}>
    ${o.placeholder !== undefined ? html`<option value="">${o.placeholder}</option>` : ''}
    ${opts.map((opt) => html`<option value="${opt.value}"${opt.value === o.value ? html` selected` : ''}>${opt.label}</option>`)}
  </select>
</div>`;
}

/** Form body values as strings. */
export function values(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (body && typeof body === 'object') for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string' && k !== '_csrf') out[k] = v.trim();
  return out;
}

/** Runs a change from a form; a refusal comes back as an error flash on `back`. */
export async function formAction(reply: FastifyReply, back: string, fn: () => Promise<string>): Promise<FastifyReply> {
  try {
    const text = await fn();
    return reply.flashRedirect(back, { kind: 'success', text });
  } catch (err) {
    if (!isAppError(err) || err.status >= 500 || err.status === 403) throw err;
    const details = err.fields.length ? `: ${err.fields.map((f) => f.message).join('; ')}` : '';
    return reply.flashRedirect(back, { kind: 'error', text: `${err.message}${details && !err.message.includes(err.fields[0]?.message ?? '\u0000') ? details : ''}` });
  }
}

export const opt = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);
