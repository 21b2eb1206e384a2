/**
 * Notification templates, in code and in Chinese. Each declares the optional channels it supports
 * (in-app always), which of them are on for a user who set no preference, and whether the law
 * requires it to reach the user (mandatory: opt-outs are ignored, e.g. 补正通知 to an applicant).
 * Placeholders `{name}` are filled from the caller's data; a missing one is refused.
 */
import { AppError } from '../errors.ts';

export type OptionalChannel = 'email' | 'sms';
export const OPTIONAL_CHANNELS: readonly OptionalChannel[] = ['email', 'sms'];
export const CHANNEL_LABELS: Record<OptionalChannel | 'inbox', string> = { inbox: '站内消息', email: '电子邮件', sms: '短信' };

export interface NotifyTemplate {
  code: string;
  /** Chinese name shown on the preferences page. */
  name: string;
  title: string;
  body: string;
  /** Optional channels this template may use. */
  channels: readonly OptionalChannel[];
  /** Channels on for a user without a saved preference. */
  defaults: readonly OptionalChannel[];
  /** Required by law or security: delivered on every supported channel whatever the preferences. */
  mandatory: boolean;
}

const list: NotifyTemplate[] = [
  {
    code: 'case.assigned',
    name: '新的待办',
    title: '新的待办: {title}',
    body: '您有一件新的待办事项「{title}」, 请及时办理。',
    channels: ['email', 'sms'],
    defaults: ['email'],
    mandatory: false,
  },
  {
    code: 'case.reminder',
    name: '即将超期提醒',
    title: '即将超期: {title}',
    body: '待办事项「{title}」将于 {deadline} 到期, 请抓紧办理。',
    channels: ['email', 'sms'],
    defaults: ['email', 'sms'],
    mandatory: false,
  },
  {
    code: 'case.overdue',
    name: '已超期提醒',
    title: '已超期: {title}',
    body: '待办事项「{title}」已于 {deadline} 超过办理期限, 请立即办理。',
    channels: ['email', 'sms'],
    defaults: ['email', 'sms'],
    mandatory: false,
  },
  {
    code: 'case.escalated',
    name: '超期督办',
    title: '督办: {title}',
    body: '事项「{title}」已超过办理期限 ({deadline}) 仍未办结, 现提请您督办。',
    channels: ['email', 'sms'],
    defaults: ['email'],
    mandatory: false,
  },
  {
    code: 'case.returned',
    name: '退回补正通知',
    title: '退回补正: {title}',
    body: '您提交的「{title}」需要补正: {reason}。请按要求补正后重新提交。',
    channels: ['email', 'sms'],
    defaults: ['email', 'sms'],
    mandatory: true,
  },
  {
    code: 'case.closed',
    name: '办结通知',
    title: '已办结: {title}',
    body: '您提交的「{title}」已办结, 办理结果: {result}。',
    channels: ['email', 'sms'],
    defaults: ['email'],
    mandatory: false,
  },
  {
    code: 'document.received',
    name: '收到公文',
    title: '收到公文: {title}',
    body: '{sender} 发来公文「{title}」, 请及时签收办理。',
    channels: ['email', 'sms'],
    defaults: ['email'],
    mandatory: false,
  },
  {
    code: 'environment.alarm',
    name: '污染源在线监控报警',
    title: '监控报警: {enterprise} {kind}',
    body: '{enterprise} {outlet} (MN {mn}): {message}。请及时核实处理。',
    channels: ['email', 'sms'],
    defaults: ['email', 'sms'],
    mandatory: false,
  },
  {
    code: 'account.locked',
    name: '账号锁定',
    title: '账号已锁定',
    body: '您的账号因连续登录失败已被锁定, 将于 {until} 自动解锁。如非本人操作, 请及时联系管理员。',
    channels: ['email', 'sms'],
    defaults: ['email', 'sms'],
    mandatory: true,
  },
];

export const TEMPLATES: ReadonlyMap<string, NotifyTemplate> = new Map(list.map((t) => [t.code, t]));

export function templateFor(code: string): NotifyTemplate {
  const t = TEMPLATES.get(code);
  if (!t) throw new AppError({ code: 'notify_unknown_template', status: 400, message: `未知的通知模板「${code}」` });
  return t;
}

const PLACEHOLDER = /\{([a-zA-Z][a-zA-Z0-9_]*)\}/g;

/** Placeholders a template needs (title and body). */
export function placeholdersOf(t: NotifyTemplate): string[] {
  return [...new Set([...`${t.title}\n${t.body}`.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

function fill(text: string, data: Record<string, string | number>): string {
  return text.replace(PLACEHOLDER, (_m, name: string) =>
    // Plain text everywhere (pages escape it, mail is text/plain); control characters go.
    // eslint-disable-next-line no-control-regex
    String(data[name]).replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 500),
  );
}

export function renderTemplate(t: NotifyTemplate, data: Record<string, string | number>): { title: string; body: string } {
  const missing = placeholdersOf(t).filter((p) => data[p] === undefined || data[p] === null || String(data[p]).trim() === '');
  if (missing.length > 0) {
    throw new AppError({ code: 'notify_template_data_missing', status: 400, message: `通知模板「${t.name}」缺少数据: ${missing.join(', ')}` });
  }
  return { title: fill(t.title, data).slice(0, 300), body: fill(t.body, data) };
}
