/**
 * Notifications (消息通知): the public surface. Other code calls notify(ctx, input) inside its own
 * transaction; the identity module implements RecipientResolver.
 */
export { notifyModule } from './module.ts';
export { notify, listMessages, markRead, markAllRead, unreadCount, getPreferences, setPreferences, checkLink, DELIVERY_EVENT, MAX_RECIPIENTS } from './service.ts';
export type { NotifyInput, MessageView, MessagePage, PreferenceView } from './service.ts';
export { TEMPLATES, templateFor, renderTemplate, placeholdersOf, CHANNEL_LABELS, OPTIONAL_CHANNELS } from './templates.ts';
export type { NotifyTemplate, OptionalChannel } from './templates.ts';
export type { RecipientResolver, RecipientContact } from './recipients.ts';
export { LogFileSmsProvider, smtpMailer } from './channels.ts';
export type { SmsProvider, Mailer } from './channels.ts';
export { SMS_SIGNATURE } from './deliver.ts';
