/**
 * Page building blocks: forms with labels and error messages, tables, pagination, flash messages.
 * All accessible by default: every input has a label, errors are linked with aria-describedby.
 */
import { html, join, type HtmlValue, type SafeHtml } from './html.ts';

export interface FieldOptions {
  name: string;
  label: string;
  value?: string | null;
  type?: 'text' | 'password' | 'email' | 'tel' | 'date' | 'number' | 'search' | 'file';
  required?: boolean;
  error?: string;
  hint?: string;
  autocomplete?: string;
  maxLength?: number;
  pattern?: string;
  inputmode?: 'numeric' | 'text';
  accept?: string;
}

export function field(o: FieldOptions): SafeHtml {
  const id = `f-${o.name}`;
  const describedBy = [o.hint ? `${id}-hint` : '', o.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field${o.error ? ' field-error' : ''}">
  <label for="${id}">${o.label}${o.required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</label>
  ${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
  ${o.error ? html`<p class="error-text" id="${id}-error">${o.error}</p>` : ''}
  <input id="${id}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${o.required ? html` required` : ''}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${o.maxLength ? html` maxlength="${o.maxLength}"` : ''}${o.pattern ? html` pattern="${o.pattern}"` : ''}${o.inputmode ? html` inputmode="${o.inputmode}"` : ''}${o.accept ? html` accept="${o.accept}"` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${o.error ? html` aria-invalid="true"` : ''}>
</div>`;
}

export interface SelectOptions {
  name: string;
  label: string;
  options: { value: string; label: string }[];
  value?: string | null;
  required?: boolean;
  error?: string;
  /** Label of an empty first option; omitted when absent. */
  placeholder?: string;
}

export function select(o: SelectOptions): SafeHtml {
  const id = `f-${o.name}`;
  return html`<div class="field${o.error ? ' field-error' : ''}">
  <label for="${id}">${o.label}${o.required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</label>
  ${o.error ? html`<p class="error-text" id="${id}-error">${o.error}</p>` : ''}
  <select id="${id}" name="${o.name}"${o.required ? html` required` : ''}${o.error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>
    ${o.placeholder !== undefined ? html`<option value="">${o.placeholder}</option>` : ''}
    ${o.options.map((opt) => html`<option value="${opt.value}"${opt.value === o.value ? html` selected` : ''}>${opt.label}</option>`)}
  </select>
</div>`;
}

export function checkbox(o: { name: string; label: string; checked?: boolean; value?: string }): SafeHtml {
  const id = `f-${o.name}-${o.value ?? 'on'}`;
  return html`<div class="check"><input type="checkbox" id="${id}" name="${o.name}" value="${o.value ?? 'on'}"${o.checked ? html` checked` : ''}><label for="${id}">${o.label}</label></div>`;
}

export function textarea(o: { name: string; label: string; value?: string | null; error?: string; rows?: number; required?: boolean }): SafeHtml {
  const id = `f-${o.name}`;
  return html`<div class="field${o.error ? ' field-error' : ''}">
  <label for="${id}">${o.label}</label>
  ${o.error ? html`<p class="error-text" id="${id}-error">${o.error}</p>` : ''}
  <textarea id="${id}" name="${o.name}" rows="${o.rows ?? 4}"${o.required ? html` required` : ''}>${o.value ?? ''}</textarea>
</div>`;
}

/** A POST form with the CSRF token; `body` holds the fields and buttons. */
/** `confirm`: a question the browser asks before submitting (data-confirm, handled by egov.js). */
export function form(o: { action: string; csrf: string; body: HtmlValue; method?: 'post' | 'get'; multipart?: boolean; className?: string; label?: string; confirm?: string }): SafeHtml {
  const method = o.method ?? 'post';
  return html`<form action="${o.action}" method="${method}"${o.multipart ? html` enctype="multipart/form-data"` : ''}${o.className ? html` class="${o.className}"` : ''}${o.label ? html` aria-label="${o.label}"` : ''}${o.confirm ? html` data-confirm="${o.confirm}"` : ''}>
  ${method === 'post' ? html`<input type="hidden" name="_csrf" value="${o.csrf}">` : ''}
  ${o.body}
</form>`;
}

export function button(label: string, opts: { kind?: 'primary' | 'secondary' | 'danger'; name?: string; value?: string } = {}): SafeHtml {
  return html`<button type="submit" class="btn btn-${opts.kind ?? 'primary'}"${opts.name ? html` name="${opts.name}" value="${opts.value ?? ''}"` : ''}>${label}</button>`;
}

export interface Column<T> {
  header: string;
  cell: (row: T) => HtmlValue;
  className?: string;
}

export function table<T>(o: { caption: string; columns: Column<T>[]; rows: T[]; empty?: string }): SafeHtml {
  if (o.rows.length === 0) return html`<p class="empty">${o.empty ?? '暂无数据'}</p>`;
  return html`<div class="table-wrap"><table>
  <caption>${o.caption}</caption>
  <thead><tr>${o.columns.map((c) => html`<th scope="col"${c.className ? html` class="${c.className}"` : ''}>${c.header}</th>`)}</tr></thead>
  <tbody>${o.rows.map((r) => html`<tr>${o.columns.map((c) => html`<td${c.className ? html` class="${c.className}"` : ''}>${c.cell(r)}</td>`)}</tr>`)}</tbody>
</table></div>`;
}

/** Page links; `hrefFor(page)` keeps the current filters. */
export function pagination(o: { page: number; pageSize: number; total: number; hrefFor: (page: number) => string }): SafeHtml {
  const pages = Math.max(1, Math.ceil(o.total / o.pageSize));
  if (pages <= 1) return html`<p class="count">共 ${o.total} 条</p>`;
  const prev = o.page > 1 ? html`<a href="${o.hrefFor(o.page - 1)}" rel="prev">上一页</a>` : html`<span aria-disabled="true">上一页</span>`;
  const next = o.page < pages ? html`<a href="${o.hrefFor(o.page + 1)}" rel="next">下一页</a>` : html`<span aria-disabled="true">下一页</span>`;
  return html`<nav class="pagination" aria-label="分页">${prev}<span>第 ${o.page} / ${pages} 页, 共 ${o.total} 条</span>${next}</nav>`;
}

export function flash(message: { kind: 'success' | 'error' | 'info'; text: string } | null | undefined): SafeHtml {
  if (!message) return html``;
  return html`<div class="flash flash-${message.kind}" role="${message.kind === 'error' ? 'alert' : 'status'}">${message.text}</div>`;
}

/** A summary of form errors at the top of a form, linking to each field (GOV.UK pattern). */
export function errorSummary(fields: { field: string; message: string }[]): SafeHtml {
  if (fields.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1"><h2>请更正以下问题</h2><ul>${fields.map(
    (f) => html`<li><a href="#f-${f.field}">${f.message}</a></li>`,
  )}</ul></div>`;
}

export const badge = (text: string, kind: 'ok' | 'warn' | 'muted' | 'demo' = 'muted'): SafeHtml =>
  html`<span class="badge badge-${kind}">${text}</span>`;

export const joinHtml = join;
