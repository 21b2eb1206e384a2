/**
 * What notify() and the delivery handler need besides ctx: the recipient resolver, the SMS
 * provider and the mailer. notify(ctx, input) is the API the workflow engine calls, so these are
 * bound once at boot (notifyModule.registerRoutes) rather than passed on every call. They are wiring (code and configuration), not state: every process builds the
 * same binding from the same configuration, and everything that changes lives in the database.
 */
import path from 'node:path';
import type { PlatformServices } from '../module.ts';
import type { RecipientResolver } from './recipients.ts';
import { LogFileSmsProvider, smtpMailer, type Mailer, type SmsProvider } from './channels.ts';

export interface NotifyRuntime {
  recipients: RecipientResolver | undefined;
  sms: SmsProvider;
  /** null when SMTP_URL is not configured: email is then not offered. */
  mailer: Mailer | null;
}

let current: NotifyRuntime | null = null;

export function bindNotifyRuntime(services: PlatformServices): NotifyRuntime {
  current = {
    recipients: services.recipients,
    sms: services.smsProvider ?? new LogFileSmsProvider(path.join(services.config.dataDir, 'sms.log'), services.log, () => services.clock.now()),
    mailer: services.config.smtpUrl ? smtpMailer(services.config.smtpUrl) : null,
  };
  return current;
}

export function notifyRuntime(): NotifyRuntime {
  if (!current) throw new Error('notify is not part of this deployment: add notifyModule to the modules list');
  return current;
}
