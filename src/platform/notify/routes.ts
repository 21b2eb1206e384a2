/**
 * The message inbox: JSON API (/api/notify/…) and pages — `/workbench/notifications` for staff,
 * `/my/notifications` for citizens and enterprises — with the same services behind both.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../http/app.ts';
import { html } from '../ui/html.ts';
import { badge, button, form, pagination } from '../ui/components.ts';
import { formatChinaTime } from '../ui/time.ts';
import { getPreferences, listMessages, markAllRead, markRead, setPreferences, type PreferenceView } from './service.ts';
import { CHANNEL_LABELS, OPTIONAL_CHANNELS, TEMPLATES } from './templates.ts';

const tags = ['notify'];
const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const IdParams = Type.Object({ id: Type.String({ title: '消息标识', pattern: UUID_PATTERN }) });

const MessageSchema = Type.Object({
  id: Type.String({ title: '消息标识' }),
  template: Type.String({ title: '通知模板代码' }),
  title: Type.String({ title: '标题' }),
  body: Type.String({ title: '正文' }),
  link: Type.Union([Type.String(), Type.Null()], { title: '相关页面路径' }),
  mandatory: Type.Boolean({ title: '依法必须送达' }),
  createdAt: Type.String({ title: '发送时间', format: 'date-time' }),
  readAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { title: '阅读时间' }),
});
const MessagePageSchema = Type.Object({
  items: Type.Array(MessageSchema, { title: '消息' }),
  total: Type.Integer({ title: '符合条件的消息数' }),
  unread: Type.Integer({ title: '未读消息数' }),
  page: Type.Integer({ title: '页码' }),
  pageSize: Type.Integer({ title: '每页条数' }),
});
const MessageQuery = Type.Object({
  unread: Type.Optional(Type.Boolean({ title: '仅未读' })),
  page: Type.Optional(Type.Integer({ title: '页码', minimum: 1, maximum: 100_000 })),
  pageSize: Type.Optional(Type.Integer({ title: '每页条数', minimum: 1, maximum: 200 })),
});
const ChannelList = Type.Array(Type.Union([Type.Literal('email'), Type.Literal('sms')]), { title: '可选通道', description: 'email 电子邮件 / sms 短信' });
const PreferenceSchema = Type.Object({
  template: Type.String({ title: '通知模板代码' }),
  name: Type.String({ title: '通知类型' }),
  channels: ChannelList,
  mandatory: Type.Boolean({ title: '依法必须送达 (不可退订)' }),
  email: Type.Boolean({ title: '接收电子邮件' }),
  sms: Type.Boolean({ title: '接收短信' }),
  saved: Type.Boolean({ title: '是否已保存过设置 (否: 按默认设置)' }),
});
const PreferencesSchema = Type.Object({ items: Type.Array(PreferenceSchema, { title: '接收设置' }) });
const PreferencesBody = Type.Object({
  preferences: Type.Array(
    Type.Object({
      template: Type.String({ title: '通知模板代码', minLength: 1, maxLength: 64 }),
      email: Type.Boolean({ title: '接收电子邮件' }),
      sms: Type.Boolean({ title: '接收短信' }),
    }, { additionalProperties: false }),
    { title: '接收设置', maxItems: 100 },
  ),
}, { additionalProperties: false });

export function registerNotifyApi(app: App): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/api/notify/messages', {
    config: { scope: 'authenticated' },
    schema: { summary: '我的消息', description: '当前账号收到的站内消息, 未读在前, 新的在前。', tags, querystring: MessageQuery, response: { 200: MessagePageSchema } },
  }, async (req) => listMessages(req.ctx, { unreadOnly: req.query.unread, page: req.query.page, pageSize: req.query.pageSize }));

  r.post('/api/notify/messages/:id/read', {
    config: { scope: 'authenticated' },
    schema: { summary: '标为已读', tags, params: IdParams, response: { 200: MessageSchema } },
  }, async (req) => markRead(req.ctx, { id: req.params.id }));

  r.post('/api/notify/messages/read-all', {
    config: { scope: 'authenticated' },
    schema: { summary: '全部标为已读', tags, response: { 200: Type.Object({ count: Type.Integer({ title: '本次标为已读的消息数' }) }) } },
  }, async (req) => ({ count: await markAllRead(req.ctx) }));

  r.get('/api/notify/preferences', {
    config: { scope: 'authenticated' },
    schema: { summary: '我的接收设置', description: '每类通知选择的可选通道 (站内消息总会送达)。', tags, response: { 200: PreferencesSchema } },
  }, async (req) => ({ items: await getPreferences(req.ctx) }));

  r.put('/api/notify/preferences', {
    config: { scope: 'authenticated' },
    schema: {
      summary: '修改接收设置',
      description: '只修改列出的通知类型; 依法必须送达的通知类型不能退订, 其设置被忽略。',
      tags,
      body: PreferencesBody,
      response: { 200: PreferencesSchema },
    },
  }, async (req) => ({ items: await setPreferences(req.ctx, { preferences: req.body.preferences }) }));
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

export function registerNotifyPages(app: App): void {
  for (const area of [{ base: '/workbench/notifications', scope: 'staff', home: { label: '工作台', href: '/workbench' } }, { base: '/my/notifications', scope: 'authenticated', home: { label: '我的', href: '/my' } }]) {
    const { base, scope } = area;

    const page = async (req: FastifyRequest, reply: FastifyReply) => {
      const q = req.query as { unread?: string; page?: string };
      const unreadOnly = q.unread === '1';
      const pageNo = Math.max(1, Math.min(100_000, Number.parseInt(q.page ?? '1', 10) || 1));
      const list = await listMessages(req.ctx, { unreadOnly, page: pageNo, pageSize: 20 });
      const prefs = await getPreferences(req.ctx);
      const here = (p: number) => `${base}?${unreadOnly ? 'unread=1&' : ''}page=${p}`;
      return reply.page({
        title: '消息通知',
        breadcrumbs: [area.home, { label: '消息通知' }],
        body: html`<section aria-labelledby="msg-h"><h2 id="msg-h">消息 <span class="muted">(未读 ${list.unread} 条)</span></h2>
          <p class="actions">
            ${unreadOnly ? html`<a href="${base}">全部消息</a> <strong aria-current="page">仅未读</strong>` : html`<strong aria-current="page">全部消息</strong> <a href="${base}?unread=1">仅未读</a>`}
            ${list.unread > 0 ? form({ action: `${base}/read-all`, csrf: req.csrfToken, className: 'inline', body: button('全部标为已读', { kind: 'secondary' }) }) : ''}
          </p>
          ${list.items.length === 0
            ? html`<p class="empty">${unreadOnly ? '没有未读消息。' : '暂无消息。'}</p>`
            : html`<ul class="messages">${list.items.map((m) => html`<li class="message${m.readAt ? '' : ' unread'}">
                <h3>${m.readAt ? '' : html`${badge('未读', 'warn')} `}${m.mandatory ? html`${badge('依法送达', 'muted')} ` : ''}${m.title}</h3>
                <p>${m.body}</p>
                <p class="muted"><time datetime="${m.createdAt}">${formatChinaTime(m.createdAt)}</time></p>
                <div class="actions">
                  ${m.link ? form({ action: `${base}/${m.id}/open`, csrf: req.csrfToken, className: 'inline', body: button('查看', { kind: 'primary' }) }) : ''}
                  ${m.readAt ? '' : form({ action: `${base}/${m.id}/read`, csrf: req.csrfToken, className: 'inline', body: button('标为已读', { kind: 'secondary' }) })}
                </div></li>`)}</ul>`}
          ${pagination({ page: list.page, pageSize: list.pageSize, total: list.total, hrefFor: here })}
          </section>
          <section aria-labelledby="pref-h"><h2 id="pref-h">接收设置</h2>
          <p class="hint">站内消息总会送达。依法必须送达的通知 (如补正通知、账号安全通知) 不能退订。</p>
          ${form({
            action: `${base}/preferences`,
            csrf: req.csrfToken,
            label: '接收设置',
            body: html`<div class="table-wrap"><table><caption>各类通知的接收通道</caption>
              <thead><tr><th scope="col">通知类型</th><th scope="col">${CHANNEL_LABELS.inbox}</th>${OPTIONAL_CHANNELS.map((c) => html`<th scope="col">${CHANNEL_LABELS[c]}</th>`)}</tr></thead>
              <tbody>${prefs.map((p: PreferenceView) => html`<tr><th scope="row">${p.name}${p.mandatory ? html` ${badge('依法必须送达', 'muted')}` : ''}</th>
                <td>${badge('总是', 'ok')}</td>
                ${OPTIONAL_CHANNELS.map((c) => html`<td>${p.channels.includes(c)
                  ? html`<input type="checkbox" name="${c}" value="${p.template}" aria-label="${p.name}: ${CHANNEL_LABELS[c]}"${p[c] ? html` checked` : ''}${p.mandatory ? html` disabled` : ''}>`
                  : html`<span class="muted" aria-label="不适用">—</span>`}</td>`)}</tr>`)}</tbody></table></div>
              <p class="actions">${button('保存设置')}</p>`,
          })}</section>`,
      });
    };

    app.get(base, { config: { scope } }, page);

    app.post(`${base}/:id/read`, { config: { scope }, schema: { params: IdParams } }, async (req, reply) => {
      await markRead(req.ctx, { id: (req.params as { id: string }).id });
      return reply.flashRedirect(base, { kind: 'success', text: '已标为已读。' });
    });

    app.post(`${base}/:id/open`, { config: { scope }, schema: { params: IdParams } }, async (req, reply) => {
      const m = await markRead(req.ctx, { id: (req.params as { id: string }).id });
      return reply.redirect(m.link ?? base, 303);
    });

    app.post(`${base}/read-all`, { config: { scope } }, async (req, reply) => {
      const n = await markAllRead(req.ctx);
      return reply.flashRedirect(base, { kind: 'success', text: `已将 ${n} 条消息标为已读。` });
    });

    app.post(`${base}/preferences`, { config: { scope } }, async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const email = new Set(asList(body.email));
      const sms = new Set(asList(body.sms));
      // Every optional template is on the form: an unticked box is an opt-out.
      const preferences = [...TEMPLATES.values()].filter((t) => !t.mandatory).map((t) => ({ template: t.code, email: email.has(t.code), sms: sms.has(t.code) }));
      await setPreferences(req.ctx, { preferences });
      return reply.flashRedirect(base, { kind: 'success', text: '接收设置已保存。' });
    });
  }
}
