/**
 * The ways a message leaves the platform besides the in-app inbox: email over SMTP (nodemailer,
 * when SMTP_URL is set) and SMS through an SmsProvider. No SMS gateway is reachable from a
 * development machine, so the default provider writes each text to DATA_DIR/sms.log.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from '../context.ts';
import { maskPhone } from '../identifiers/index.ts';

export interface SmsProvider {
  /** Sends one text; throws when the gateway refuses (the dispatcher retries). */
  send(phone: string, text: string): Promise<void>;
}

/** Development provider: one line per text in `DATA_DIR/sms.log`, and a log entry (phone masked). */
export class LogFileSmsProvider implements SmsProvider {
  constructor(private readonly file: string, private readonly log: Logger, private readonly now: () => Date) {}

  async send(phone: string, text: string): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const line = `${this.now().toISOString()}\t${phone}\t${text.replace(/[\r\n\t]+/g, ' ')}\n`;
    await fs.appendFile(this.file, line, 'utf8');
    this.log.info({ phone: maskPhone(phone), chars: text.length }, 'sms written to development log (no gateway configured)');
  }
}

export interface Mailer {
  send(mail: { to: string; subject: string; text: string }): Promise<void>;
}

/**
 * An SMTP mailer from `SMTP_URL` (`smtp://user:pass@host:25`, `smtps://…:465`). A `from` query
 * parameter sets the sender (`smtp://host:25/?from=noreply@example.gov.cn`); default
 * `noreply@egov.local`.
 */
export function smtpMailer(smtpUrl: string): Mailer {
  const url = new URL(smtpUrl);
  const from = url.searchParams.get('from') ?? 'noreply@egov.local';
  url.searchParams.delete('from');
  const transport = nodemailer.createTransport(url.toString());
  return {
    async send(mail) {
      await transport.sendMail({
        from: { name: '政务服务平台', address: from },
        to: mail.to,
        // Header values never carry line breaks from data.
        subject: mail.subject.replace(/[\r\n]+/g, ' '),
        text: mail.text,
      });
    },
  };
}
