/**
 * Sends queued email and SMS deliveries, after the notifying transaction committed. Runs as an
 * outbox handler: a failure (SMTP refused, gateway down) throws, the dispatcher retries with
 * backoff and finally keeps a dead letter. Idempotent: a delivery no longer `queued` is left alone.
 * Addresses are looked up now, through the recipient resolver, and never travel in events.
 */
import type { EventHandler } from '../events/outbox.ts';
import type { Ctx } from '../context.ts';
import { queryOne, sql } from '../db/index.ts';
import { maskPhone } from '../identifiers/index.ts';
import { notifyRuntime } from './runtime.ts';
import { DELIVERY_EVENT } from './service.ts';
import type { OptionalChannel } from './templates.ts';

/** Prefix of every SMS (a sender signature, as Chinese SMS rules require). */
export const SMS_SIGNATURE = '【政务服务平台】';

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}

async function finish(ctx: Ctx, messageId: string, channel: OptionalChannel, outcome: { status: 'sent' | 'skipped'; address?: string; detail?: string }): Promise<void> {
  await ctx.db.execute(sql`
    UPDATE notify.deliveries SET status = ${outcome.status}, sent_at = ${ctx.clock.now().toISOString()},
      address = ${outcome.address ?? null}, detail = ${outcome.detail ?? null}
    WHERE message_id = ${messageId} AND channel = ${channel}`);
}

export const deliveryHandler: EventHandler = {
  name: 'notify.deliver',
  types: [DELIVERY_EVENT],
  async handle(ctx, event) {
    const { messageId, channel } = event.payload as { messageId: string; channel: OptionalChannel };
    const row = await queryOne<{ recipient_id: string; title: string; body: string; link: string | null; status: string }>(
      ctx.db,
      sql`SELECT m.recipient_id, m.title, m.body, m.link, d.status
          FROM notify.deliveries d JOIN notify.messages m ON m.id = d.message_id
          WHERE d.message_id = ${messageId} AND d.channel = ${channel} FOR UPDATE OF d`,
    );
    if (!row || row.status !== 'queued') return;
    const rt = notifyRuntime();
    if (!rt.recipients) return finish(ctx, messageId, channel, { status: 'skipped', detail: '本部署未配置接收人解析, 无法查询联系方式' });
    const [contact] = await rt.recipients.contacts(ctx, { userIds: [row.recipient_id] });
    if (!contact) return finish(ctx, messageId, channel, { status: 'skipped', detail: '账号不存在或已停用' });

    if (channel === 'email') {
      if (!rt.mailer) return finish(ctx, messageId, channel, { status: 'skipped', detail: '未配置邮件服务 (SMTP_URL)' });
      if (!contact.email) return finish(ctx, messageId, channel, { status: 'skipped', detail: '账号未登记电子邮箱' });
      const text = [
        `${contact.name}:`,
        '',
        row.body,
        ...(row.link ? ['', `请登录政务服务平台查看: ${row.link}`] : []),
        '',
        '—— 本邮件由政务服务平台自动发送, 请勿直接回复。',
      ].join('\n');
      await rt.mailer.send({ to: contact.email, subject: row.title, text });
      return finish(ctx, messageId, channel, { status: 'sent', address: maskEmail(contact.email) });
    }
    if (!contact.phone) return finish(ctx, messageId, channel, { status: 'skipped', detail: '账号未登记手机号码' });
    await rt.sms.send(contact.phone, `${SMS_SIGNATURE}${row.body}`);
    return finish(ctx, messageId, channel, { status: 'sent', address: maskPhone(contact.phone) });
  },
};
