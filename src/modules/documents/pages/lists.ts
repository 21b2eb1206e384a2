/**
 * The lists: 发文 (documents of the viewer's units) and 收文 (what their units received), with a
 * keyword search, 只看待签收 for the incoming list, and pagination.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { badge, button, checkbox, errorSummary, field, form, pagination, table } from '../../../platform/ui/components.ts';
import { hasScope } from '../../../platform/context.ts';
import { isAppError, type FieldProblem } from '../../../platform/errors.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import { SCOPES } from '../model.ts';
import { ListQuery } from '../schemas.ts';
import { listIncoming, listOutgoing, type IncomingItem, type OutgoingItem } from '../services/queries.ts';
import { BASE, crumbs, demoBadge, errorMap, qs, time } from './common.ts';

function tabs(current: 'outgoing' | 'incoming') {
  const tab = (key: 'outgoing' | 'incoming', label: string) =>
    key === current
      ? html`<a class="btn btn-primary" aria-current="page" href="${BASE}/${key}">${label}</a>`
      : html`<a class="btn btn-secondary" href="${BASE}/${key}">${label}</a>`;
  return html`<nav aria-label="公文分类" class="actions">${tab('outgoing', '发文')}${tab('incoming', '收文')}</nav>`;
}

function parseList(req: FastifyRequest): { q: { q?: string; page?: number; pending?: boolean }; errors: FieldProblem[] } {
  const raw = { ...(req.query as Record<string, string | undefined>) };
  if (raw.pending !== undefined) raw.pending = raw.pending === 'on' || raw.pending === 'true' ? 'true' : 'false';
  try {
    return { q: parseInput(ListQuery, raw), errors: [] };
  } catch (err) {
    if (!isAppError(err) || err.fields.length === 0) throw err;
    return { q: {}, errors: err.fields };
  }
}

async function renderOutgoing(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { q, errors } = parseList(req);
  const list = await listOutgoing(req.ctx, { q: q.q, page: q.page });
  const errs = errorMap(errors);
  return reply.page({
    title: '发文',
    breadcrumbs: crumbs({ label: '发文' }),
    status: errors.length ? 400 : 200,
    body: html`${tabs('outgoing')}
      ${hasScope(req.ctx.actor, SCOPES.outgoingDraft) ? html`<p class="actions"><a class="btn btn-primary" href="${BASE}/new">起草公文</a></p>` : ''}
      ${errorSummary(errors)}
      ${form({
        action: `${BASE}/outgoing`,
        method: 'get',
        csrf: req.csrfToken,
        className: 'filters',
        label: '查询发文',
        body: html`${field({ name: 'q', label: '标题或发文字号', type: 'search', value: q.q, maxLength: 100, error: errs.q })}
          <div class="actions">${button('查询')} <a href="${BASE}/outgoing">清除条件</a></div>`,
      })}
      ${table<OutgoingItem>({
        caption: `本单位发文 (共 ${list.total} 件)`,
        rows: list.items,
        empty: '没有符合条件的发文。',
        columns: [
          { header: '标题', cell: (d) => html`<a href="${BASE}/${d.id}">${d.title}</a>${demoBadge(d.isDemo)}` },
          { header: '发文字号', cell: (d) => d.docNumber ?? '—' },
          { header: '紧急程度', cell: (d) => d.urgencyLabel },
          { header: '发文机关', cell: (d) => d.sendingUnitName },
          { header: '当前环节', cell: (d) => d.stateLabel },
          { header: '签收', cell: (d) => (d.delivered ? `${d.received}/${d.delivered}` : '—') },
          { header: '起草', cell: (d) => html`${d.createdByName} <span class="muted">${time(d.createdAt)}</span>` },
        ],
      })}
      ${pagination({ page: list.page, pageSize: list.pageSize, total: list.total, hrefFor: (page) => `${BASE}/outgoing${qs({ q: q.q, page })}` })}`,
  });
}

async function renderIncoming(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { q, errors } = parseList(req);
  const list = await listIncoming(req.ctx, { q: q.q, page: q.page, pending: q.pending });
  const errs = errorMap(errors);
  return reply.page({
    title: '收文',
    breadcrumbs: crumbs({ label: '收文' }),
    status: errors.length ? 400 : 200,
    body: html`${tabs('incoming')}
      ${errorSummary(errors)}
      ${form({
        action: `${BASE}/incoming`,
        method: 'get',
        csrf: req.csrfToken,
        className: 'filters',
        label: '查询收文',
        body: html`${field({ name: 'q', label: '标题、发文字号或收文编号', type: 'search', value: q.q, maxLength: 100, error: errs.q })}
          ${checkbox({ name: 'pending', label: '只看待签收', checked: q.pending === true })}
          <div class="actions">${button('查询')} <a href="${BASE}/incoming">清除条件</a></div>`,
      })}
      <p class="muted">收文的拟办、批示、承办和归档在「我的待办」中办理; 指定为承办单位的部门在待办中收到承办任务。</p>
      ${table<IncomingItem>({
        caption: `本单位收文 (共 ${list.total} 件)`,
        rows: list.items,
        empty: '没有符合条件的收文。',
        columns: [
          { header: '标题', cell: (i) => html`<a href="${BASE}/${i.documentId}">${i.title}</a>${demoBadge(i.isDemo)}` },
          { header: '发文字号', cell: (i) => i.docNumber ?? '—' },
          { header: '来文机关', cell: (i) => i.senderName },
          { header: '紧急程度', cell: (i) => i.urgencyLabel },
          { header: '收文单位', cell: (i) => html`${i.unitName} <span class="muted">(${i.kindLabel})</span>` },
          { header: '送达', cell: (i) => time(i.deliveredAt) },
          { header: '签收', cell: (i) => (i.receivedAt ? html`${time(i.receivedAt)} <span class="muted">${i.registrationNumber ?? ''}</span>` : badge('待签收', 'warn')) },
          { header: '当前环节', cell: (i) => i.stateLabel },
        ],
      })}
      ${pagination({ page: list.page, pageSize: list.pageSize, total: list.total, hrefFor: (page) => `${BASE}/incoming${qs({ q: q.q, pending: q.pending, page })}` })}`,
  });
}

export function registerListPages(app: FastifyInstance): void {
  app.get(BASE, { config: { scope: SCOPES.read } }, async (_req, reply) => reply.redirect(`${BASE}/outgoing`, 303));
  app.get(`${BASE}/outgoing`, { config: { scope: SCOPES.read } }, renderOutgoing);
  app.get(`${BASE}/incoming`, { config: { scope: SCOPES.read } }, renderIncoming);
}
