/**
 * Notifications: notify() writes one in-app message per recipient in the caller's transaction and
 * queues the email / SMS deliveries the template and the recipient's preferences call for as
 * outbox events, so sending happens after commit with the dispatcher's retries and dead letters.
 * The inbox functions act on the calling account's own messages only.
 */
import type { Ctx } from '../context.ts';
import { AppError, badRequest, notFound, unauthenticated } from '../errors.ts';
import { newId } from '../ids.ts';
import { queryOne, queryRows, sql } from '../db/index.ts';
import { audit } from '../audit/chain.ts';
import { publish } from '../events/outbox.ts';
import { inTransaction } from '../transaction.ts';
import { notifyRuntime } from './runtime.ts';
import { OPTIONAL_CHANNELS, TEMPLATES, renderTemplate, templateFor, type OptionalChannel } from './templates.ts';

export const DELIVERY_EVENT = 'notify.delivery.requested';
/** One call may not address more accounts than this (a unit's staff, not the whole province). */
export const MAX_RECIPIENTS = 2000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NotifyInput {
  /** Accounts by id, and/or every active staff member of a unit (holding `scope` there, when given). */
  recipients: { userIds?: string[]; unitId?: string; scope?: string };
  /** Template code, e.g. `case.assigned` (see templates.ts). */
  template: string;
  /** Values for the template's placeholders. */
  data: Record<string, string | number>;
  /** Path inside the platform the message points to, e.g. `/workbench/cases/…`. */
  link?: string;
  /** Make this message mandatory even if its template is not (a template's mandatory flag always holds). */
  mandatory?: boolean;
}

/** Postgres array literal of validated UUIDs (passed as one parameter). */
const uuidArray = (ids: string[]): string => `{${ids.join(',')}}`;

/** A link must stay on this site: a path, not a URL, not protocol-relative. */
export function checkLink(link: string | undefined): string | null {
  if (link === undefined || link === '') return null;
  // eslint-disable-next-line no-control-regex
  if (!link.startsWith('/') || link.startsWith('//') || link.includes('\\') || /[\u0000-\u001f\s]/.test(link) || link.length > 500) {
    throw badRequest('notify_bad_link', '通知链接必须是本站以 / 开头的路径');
  }
  return link;
}

/**
 * Sends a notification. Must run inside the caller's transaction (ctx.tx): the messages and queued
 * deliveries commit or roll back with the caller's change. Returns the number of recipients.
 */
export async function notify(ctx: Ctx, input: NotifyInput): Promise<number> {
  if (!ctx.tx) throw new Error(`notify(${input.template}) called outside inTransaction(): the messages would not share the change's transaction`);
  const rt = notifyRuntime();
  const template = templateFor(input.template);
  const { title, body } = renderTemplate(template, input.data);
  const link = checkLink(input.link);

  const ids = new Set<string>();
  for (const id of input.recipients.userIds ?? []) {
    if (!UUID.test(id)) throw badRequest('notify_bad_recipient', `接收人标识「${id}」格式不正确`);
    ids.add(id.toLowerCase());
  }
  const { unitId, scope } = input.recipients;
  if (scope && !unitId) throw badRequest('notify_scope_without_unit', '按权限范围通知时必须指明单位');
  if (unitId) {
    if (!UUID.test(unitId)) throw badRequest('notify_bad_unit', `单位标识「${unitId}」格式不正确`);
    if (!rt.recipients) {
      throw new AppError({ code: 'notify_no_resolver', status: 500, message: '本部署未配置通知接收人解析 (身份模块), 无法按单位发送通知' });
    }
    for (const id of await rt.recipients.usersAtUnit(ctx, { unitId, scope })) ids.add(id.toLowerCase());
  }
  if (ids.size === 0) return 0;
  if (ids.size > MAX_RECIPIENTS) throw badRequest('notify_too_many_recipients', `一次通知的接收人不能超过 ${MAX_RECIPIENTS} 个`);

  const recipients = [...ids];
  const messageIds = recipients.map(() => newId());
  const mandatory = template.mandatory || input.mandatory === true;
  const now = ctx.clock.now().toISOString();
  await ctx.db.execute(sql`
    INSERT INTO notify.messages (id, recipient_id, template, title, body, link, mandatory, created_at, request_id)
    SELECT m.id, m.recipient_id, ${template.code}, ${title}, ${body}, ${link}, ${mandatory}, ${now}, ${ctx.requestId}
    FROM unnest(${uuidArray(messageIds)}::uuid[], ${uuidArray(recipients)}::uuid[]) AS m(id, recipient_id)`);

  // Which optional channels each recipient gets: all the template supports when mandatory,
  // otherwise their saved preference, or the template's defaults.
  const available = template.channels.filter((c) => c !== 'email' || rt.mailer !== null);
  let wanted: (userId: string) => OptionalChannel[] = () => [...available];
  if (!mandatory && available.length > 0) {
    const prefs = await queryRows<{ user_id: string; email: boolean; sms: boolean }>(
      ctx.db,
      sql`SELECT user_id, email, sms FROM notify.preferences WHERE template = ${template.code} AND user_id = ANY(${uuidArray(recipients)}::uuid[])`,
    );
    const byUser = new Map(prefs.map((p) => [p.user_id, p]));
    wanted = (userId) => {
      const p = byUser.get(userId);
      return available.filter((c) => (p ? p[c] : template.defaults.includes(c)));
    };
  }
  let queued = 0;
  for (let i = 0; i < recipients.length; i += 1) {
    for (const channel of wanted(recipients[i])) {
      await ctx.db.execute(sql`INSERT INTO notify.deliveries (message_id, channel, status, queued_at) VALUES (${messageIds[i]}, ${channel}, 'queued', ${now})`);
      await publish(ctx, { type: DELIVERY_EVENT, orderingKey: `notify:${messageIds[i]}:${channel}`, payload: { messageId: messageIds[i], channel } });
      queued += 1;
    }
  }
  audit(ctx, {
    action: 'notify.send',
    targetType: 'notify.template',
    targetId: template.code,
    targetLabel: title,
    details: { recipients: recipients.length, deliveriesQueued: queued, mandatory, ...(unitId ? { unitId, scope: scope ?? null } : {}) },
  });
  return recipients.length;
}

// ---- the recipient's inbox

export interface MessageView {
  id: string;
  template: string;
  title: string;
  body: string;
  link: string | null;
  mandatory: boolean;
  createdAt: string;
  readAt: string | null;
}

export interface MessagePage {
  items: MessageView[];
  total: number;
  unread: number;
  page: number;
  pageSize: number;
}

interface MessageRow {
  id: string;
  template: string;
  title: string;
  body: string;
  link: string | null;
  mandatory: boolean;
  created_at: Date | string;
  read_at: Date | string | null;
}

const toView = (r: MessageRow): MessageView => ({
  id: r.id,
  template: r.template,
  title: r.title,
  body: r.body,
  link: r.link,
  mandatory: r.mandatory,
  createdAt: new Date(r.created_at).toISOString(),
  readAt: r.read_at ? new Date(r.read_at).toISOString() : null,
});

function me(ctx: Ctx): string {
  if (!ctx.actor.userId) throw unauthenticated();
  return ctx.actor.userId;
}

/** The caller's messages, unread first, newest first. */
export async function listMessages(ctx: Ctx, input: { unreadOnly?: boolean; page?: number; pageSize?: number } = {}): Promise<MessagePage> {
  const userId = me(ctx);
  const page = Math.max(1, input.page ?? 1);
  const pageSize = Math.min(200, Math.max(1, input.pageSize ?? 20));
  const filter = input.unreadOnly ? sql`AND read_at IS NULL` : sql``;
  const rows = await queryRows<MessageRow>(
    ctx.db,
    sql`SELECT id, template, title, body, link, mandatory, created_at, read_at FROM notify.messages
        WHERE recipient_id = ${userId} ${filter}
        ORDER BY (read_at IS NULL) DESC, created_at DESC, id DESC
        LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`,
  );
  const counts = await queryOne<{ total: string | number; unread: string | number }>(
    ctx.db,
    sql`SELECT count(*) FILTER (WHERE ${input.unreadOnly ? sql`read_at IS NULL` : sql`true`}) AS total, count(*) FILTER (WHERE read_at IS NULL) AS unread
        FROM notify.messages WHERE recipient_id = ${userId}`,
  );
  return { items: rows.map(toView), total: Number(counts?.total ?? 0), unread: Number(counts?.unread ?? 0), page, pageSize };
}

/** Unread messages of the caller (the header badge): one indexed count. */
export async function unreadCount(ctx: Ctx): Promise<number> {
  if (!ctx.actor.userId) return 0;
  const row = await queryOne<{ n: string | number }>(
    ctx.db,
    sql`SELECT count(*) AS n FROM notify.messages WHERE recipient_id = ${ctx.actor.userId} AND read_at IS NULL`,
  );
  return Number(row?.n ?? 0);
}

/** Marks one of the caller's messages read (idempotent); another account's message is "not found". */
export async function markRead(ctx: Ctx, input: { id: string }): Promise<MessageView> {
  const userId = me(ctx);
  if (!UUID.test(input.id)) throw notFound('notify_message_not_found', '消息不存在');
  return inTransaction(ctx, async (tctx) => {
    const now = tctx.clock.now().toISOString();
    const updated = await queryRows<{ id: string }>(
      tctx.db,
      sql`UPDATE notify.messages SET read_at = ${now} WHERE id = ${input.id} AND recipient_id = ${userId} AND read_at IS NULL RETURNING id`,
    );
    const row = await queryOne<MessageRow>(
      tctx.db,
      sql`SELECT id, template, title, body, link, mandatory, created_at, read_at FROM notify.messages WHERE id = ${input.id} AND recipient_id = ${userId}`,
    );
    if (!row) throw notFound('notify_message_not_found', '消息不存在');
    if (updated.length > 0) audit(tctx, { action: 'notify.message.read', targetType: 'notify.message', targetId: input.id, targetLabel: row.title });
    return toView(row);
  });
}

/** Marks all the caller's messages read; returns how many were unread. */
export async function markAllRead(ctx: Ctx): Promise<number> {
  const userId = me(ctx);
  return inTransaction(ctx, async (tctx) => {
    const now = tctx.clock.now().toISOString();
    const rows = await queryRows<{ id: string }>(
      tctx.db,
      sql`UPDATE notify.messages SET read_at = ${now} WHERE recipient_id = ${userId} AND read_at IS NULL RETURNING id`,
    );
    if (rows.length > 0) audit(tctx, { action: 'notify.message.read_all', targetType: 'identity.user', targetId: userId, details: { count: rows.length } });
    return rows.length;
  });
}

// ---- preferences

export interface PreferenceView {
  template: string;
  name: string;
  /** Optional channels the template can use. */
  channels: OptionalChannel[];
  mandatory: boolean;
  email: boolean;
  sms: boolean;
  /** false: the template's defaults apply (nothing saved yet). */
  saved: boolean;
}

export async function getPreferences(ctx: Ctx): Promise<PreferenceView[]> {
  const userId = me(ctx);
  const rows = await queryRows<{ template: string; email: boolean; sms: boolean }>(
    ctx.db,
    sql`SELECT template, email, sms FROM notify.preferences WHERE user_id = ${userId}`,
  );
  const saved = new Map(rows.map((r) => [r.template, r]));
  return [...TEMPLATES.values()].map((t) => {
    const s = saved.get(t.code);
    const on = (c: OptionalChannel) => t.channels.includes(c) && (t.mandatory || (s ? s[c] : t.defaults.includes(c)));
    return { template: t.code, name: t.name, channels: [...t.channels], mandatory: t.mandatory, email: on('email'), sms: on('sms'), saved: Boolean(s) };
  });
}

/**
 * Saves the caller's choices for the listed templates. Mandatory templates cannot be opted out of:
 * their entries are ignored. Channels a template does not support are stored as off.
 */
export async function setPreferences(ctx: Ctx, input: { preferences: { template: string; email: boolean; sms: boolean }[] }): Promise<PreferenceView[]> {
  const userId = me(ctx);
  for (const p of input.preferences) templateFor(p.template);
  await inTransaction(ctx, async (tctx) => {
    const now = tctx.clock.now().toISOString();
    const changed: Record<string, { email: boolean; sms: boolean }> = {};
    for (const p of input.preferences) {
      const t = templateFor(p.template);
      if (t.mandatory) continue;
      const value = Object.fromEntries(OPTIONAL_CHANNELS.map((c) => [c, t.channels.includes(c) && p[c]])) as Record<OptionalChannel, boolean>;
      await tctx.db.execute(sql`
        INSERT INTO notify.preferences (user_id, template, email, sms, updated_at) VALUES (${userId}, ${t.code}, ${value.email}, ${value.sms}, ${now})
        ON CONFLICT (user_id, template) DO UPDATE SET email = EXCLUDED.email, sms = EXCLUDED.sms, updated_at = EXCLUDED.updated_at`);
      changed[t.code] = value;
    }
    if (Object.keys(changed).length > 0) {
      audit(tctx, { action: 'notify.preferences.update', targetType: 'identity.user', targetId: userId, details: changed });
    }
  });
  return getPreferences(ctx);
}
