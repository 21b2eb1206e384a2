/**
 * Small helpers shared by the identity workbench pages.
 */
import type { FastifyReply } from 'fastify';
import { isAppError, type AppError, type FieldProblem } from '../../../platform/errors.ts';
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import { badge } from '../../../platform/ui/components.ts';
import { formatChinaTime } from '../../../platform/ui/time.ts';
import type { ScopeDefinition } from '../../../platform/module.ts';
import type { UserView } from '../users.ts';

export const errorFor = (fields: FieldProblem[], name: string): string | undefined => fields.find((f) => f.field === name)?.message;

/** Form state carried into a re-rendered page after a refused submission. */
export interface FormState {
  /** Which form on the page the problem belongs to. */
  form?: string;
  fields: FieldProblem[];
  /** The submitted values, passwords removed. */
  values: Record<string, string | undefined>;
  message?: string;
  status?: number;
  /** Ticked checkboxes of a multi-valued field (role scopes). */
  rawScopes?: string[];
}

export const emptyState: FormState = { fields: [], values: {} };

/** Submitted text values without secrets, to put back into a form. */
export function keepValues(body: unknown, drop: string[] = []): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (!body || typeof body !== 'object') return out;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === '_csrf' || drop.includes(k) || /password/i.test(k)) continue;
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/**
 * Runs a form submission; a refusal the user can correct (400, 409, 423) re-renders the form with
 * the problems, anything else (403, 404, 500) goes to the error page.
 */
export async function submitForm(reply: FastifyReply, run: () => Promise<FastifyReply>, rerender: (state: FormState) => Promise<FastifyReply>, opts: { form?: string; body: unknown }): Promise<FastifyReply> {
  try {
    return await run();
  } catch (err) {
    if (!isCorrectable(err)) throw err;
    return rerender({ form: opts.form, fields: err.fields, values: keepValues(opts.body), message: err.message, status: err.status });
  }
}

function isCorrectable(err: unknown): err is AppError {
  return isAppError(err) && [400, 409, 422, 423].includes(err.status);
}

/** The page's flash for a refused form that has no field to point at. */
export const stateFlash = (state: FormState) => (state.message && state.fields.length === 0 ? { kind: 'error' as const, text: state.message } : null);

export const time = (iso: string | null | undefined): SafeHtml => (iso ? html`<time datetime="${iso}">${formatChinaTime(iso)}</time>` : html`<span class="muted">—</span>`);

export function statusBadges(u: UserView): SafeHtml {
  return html`${u.status === 'active' ? badge('正常', 'ok') : badge('已停用', 'warn')}${u.locked ? html` ${badge('已锁定', 'warn')}` : ''}${u.isDemo ? html` ${badge('演示数据', 'demo')}` : ''}`;
}

const MODULE_LABELS: Record<string, string> = { platform: '平台', directory: '组织目录', identity: '身份与权限' };

/** Scopes grouped by their module prefix (`identity.user.read` → identity), in declaration order. */
export function scopesByModule(scopes: ScopeDefinition[]): { module: string; label: string; scopes: ScopeDefinition[] }[] {
  const groups = new Map<string, ScopeDefinition[]>();
  for (const s of scopes) {
    const m = s.name.split('.')[0];
    groups.set(m, [...(groups.get(m) ?? []), s]);
  }
  return [...groups.entries()].map(([module, list]) => ({ module, label: MODULE_LABELS[module] ?? module, scopes: list }));
}

export function scopeLabel(scopes: ScopeDefinition[], name: string): string {
  return scopes.find((s) => s.name === name)?.description ?? name;
}

export const usersCrumbs = (last?: { label: string; href?: string }[]) => [{ label: '工作台', href: '/workbench' }, { label: '账号管理', href: '/workbench/users' }, ...(last ?? [])];
