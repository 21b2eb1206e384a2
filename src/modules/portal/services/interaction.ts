/**
 * Interaction (互动交流): messages to the leader mailbox, consultations, complaints and 找错
 * reports, routed to the responsible department with a reply deadline per channel (working
 * days by the department's calendar); replies published as Q&A (受理日期, 答复日期, 答复部门,
 * 答复内容) when the writer agreed; statistics per department. Opinion solicitation with
 * moderated comments and a published feedback summary; single-choice surveys with results.
 *
 * Messages are rows of this module with a computed deadline rather than workflow cases: a message
 * has one step (reply) and no routing beyond the chosen department.
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../../platform/errors.ts';
import { newId } from '../../../platform/ids.ts';
import { sm3Hex } from '../../../platform/crypto/index.ts';
import { loadCalendar } from '../../../platform/calendar/index.ts';
import { getUnitSummary } from '../../directory/index.ts';
import { CHANNELS, CHANNEL_LABELS, EVENTS, SCOPES, iso, isoOrNull, type Channel } from '../model.ts';
import { bumpSite, requireOnSite, requireSite } from './sites.ts';

interface MessageRow {
  id: string;
  site_code: string;
  channel: Channel;
  unit_id: string;
  unit_name: string;
  region_code: string;
  author_user_id: string | null;
  author_name: string;
  contact: string;
  title: string;
  body: string;
  page_url: string | null;
  received_at: Date | string;
  reply_due_at: Date | string;
  reply_text: string | null;
  replied_at: Date | string | null;
  replied_by_name: string | null;
  replied_unit_name: string | null;
  replied_on_time: boolean | null;
  publish_consent: boolean;
  published: boolean;
  is_demo: boolean;
}

export interface MessageView {
  id: string;
  siteCode: string;
  channel: Channel;
  channelLabel: string;
  unitId: string;
  unitName: string;
  authorUserId: string | null;
  authorName: string;
  contact: string;
  title: string;
  body: string;
  pageUrl: string | null;
  receivedAt: string;
  replyDueAt: string;
  replyText: string | null;
  repliedAt: string | null;
  repliedUnitName: string | null;
  repliedOnTime: boolean | null;
  publishConsent: boolean;
  published: boolean;
  isDemo: boolean;
}

const view = (r: MessageRow): MessageView => ({
  id: r.id,
  siteCode: r.site_code,
  channel: r.channel,
  channelLabel: CHANNEL_LABELS[r.channel],
  unitId: r.unit_id,
  unitName: r.unit_name,
  authorUserId: r.author_user_id,
  authorName: r.author_name,
  contact: r.contact,
  title: r.title,
  body: r.body,
  pageUrl: r.page_url,
  receivedAt: iso(r.received_at),
  replyDueAt: iso(r.reply_due_at),
  replyText: r.reply_text,
  repliedAt: isoOrNull(r.replied_at),
  repliedUnitName: r.replied_unit_name,
  repliedOnTime: r.replied_on_time,
  publishConsent: r.publish_consent,
  published: r.published,
  isDemo: r.is_demo,
});

export interface WriteMessageInput {
  siteCode: string;
  channel: Channel;
  /** Department (default: the site's sponsor unit). */
  unitId?: string;
  authorName: string;
  contact: string;
  title: string;
  body: string;
  pageUrl?: string;
  publishConsent?: boolean;
  isDemo?: boolean;
}

/** A letter: signed-in users on every channel; 找错 reports also anonymously (with a contact). */
export async function writeMessage(ctx: Ctx, input: WriteMessageInput): Promise<MessageView> {
  if (!CHANNELS.includes(input.channel)) throw badRequest('validation_failed', '请选择留言渠道', [{ field: 'channel', message: '请选择留言渠道' }]);
  if (input.channel !== 'error_report' && !ctx.actor.userId) throw forbidden('请先登录再写信 (找错报告可以不登录)。', 'login_required');
  const site = await requireSite(ctx, input.siteCode);
  const unit = await getUnitSummary(ctx, input.unitId || site.sponsorUnitId || '');
  if (!unit || unit.status !== 'active') throw badRequest('validation_failed', '请选择负责答复的部门', [{ field: 'unitId', message: '请选择负责答复的部门' }]);
  const problems: { field: string; message: string }[] = [];
  if (!input.authorName?.trim() || input.authorName.length > 50) problems.push({ field: 'authorName', message: '请填写姓名或称呼' });
  if (!input.contact?.trim() || input.contact.length > 100) problems.push({ field: 'contact', message: '请填写联系方式 (电话或邮箱, 不公开)' });
  if (!input.title?.trim() || input.title.length > 100) problems.push({ field: 'title', message: '标题应为 1 至 100 个字' });
  if (!input.body?.trim() || input.body.length > 5000) problems.push({ field: 'body', message: '内容应为 1 至 5000 个字' });
  if (input.pageUrl && (input.pageUrl.length > 500 || !/^(https?:\/\/|\/)/.test(input.pageUrl))) problems.push({ field: 'pageUrl', message: '出错页面地址应以 http(s):// 或 / 开头' });
  if (problems.length) throw new AppError({ code: 'validation_failed', status: 400, message: problems.map((p) => p.message).join('; '), fields: problems });
  return inTransaction(ctx, async (tctx) => {
    const now = tctx.clock.now();
    const cal = await loadCalendar(tctx, { regionCode: unit.regionCode });
    const due = cal.addWorkingDays(now, site.replyDays[input.channel]);
    const id = newId();
    await tctx.db.execute(sql`INSERT INTO portal.messages (id, site_code, channel, unit_id, unit_name, region_code, author_user_id, author_name, contact, title, body, page_url,
        received_at, reply_due_at, publish_consent, is_demo, created_at)
      VALUES (${id}, ${site.code}, ${input.channel}, ${unit.id}, ${unit.name}, ${unit.regionCode}, ${tctx.actor.userId}, ${input.authorName.trim()}, ${input.contact.trim()},
        ${input.title.trim()}, ${input.body.trim()}, ${input.pageUrl ?? null}, ${now.toISOString()}, ${due.toISOString()}, ${Boolean(input.publishConsent)}, ${input.isDemo ?? false}, ${now.toISOString()})`);
    audit(tctx, { action: 'portal.message.write', targetType: 'portal.message', targetId: id, targetLabel: input.title.trim(), details: { channel: input.channel, unitId: unit.id } });
    await publish(tctx, { type: EVENTS.messageReceived, orderingKey: id, payload: { messageId: id, siteCode: site.code, channel: input.channel, unitId: unit.id } });
    return view((await queryOne<MessageRow>(tctx.db, sql`SELECT * FROM portal.messages WHERE id = ${id}`))!);
  });
}

const handles = (ctx: Ctx, unitId: string) => ctx.actor.kind === 'system' || ctx.actor.grants.some((g) => g.unitId === unitId && (g.scopes.has(SCOPES.messageReply) || g.scopes.has('*')));

export async function getMessage(ctx: Ctx, input: { id: string }): Promise<MessageView> {
  const r = /^[0-9a-f-]{36}$/i.test(input.id) ? await queryOne<MessageRow>(ctx.db, sql`SELECT * FROM portal.messages WHERE id = ${input.id}`) : undefined;
  if (!r || !(handles(ctx, r.unit_id) || (r.author_user_id && r.author_user_id === ctx.actor.userId))) throw notFound('message_not_found', '留言不存在或您无权查看。');
  return view(r);
}

export async function listMessagesForStaff(ctx: Ctx, input: { open?: boolean } = {}): Promise<MessageView[]> {
  const units = [...new Set(ctx.actor.grants.filter((g) => g.scopes.has(SCOPES.messageReply) || g.scopes.has('*')).map((g) => g.unitId))];
  if (units.length === 0) return [];
  const rows = await queryRows<MessageRow>(ctx.db, sql`SELECT * FROM portal.messages WHERE unit_id IN (${sql.join(units.map((u) => sql`${u}`), sql`, `)})
    AND (${input.open ?? null}::boolean IS NULL OR (replied_at IS NULL) = ${input.open ?? null}) ORDER BY (replied_at IS NOT NULL), reply_due_at LIMIT 500`);
  return rows.map(view);
}

export async function listMyMessages(ctx: Ctx): Promise<MessageView[]> {
  if (!ctx.actor.userId) return [];
  return (await queryRows<MessageRow>(ctx.db, sql`SELECT * FROM portal.messages WHERE author_user_id = ${ctx.actor.userId} ORDER BY received_at DESC LIMIT 200`)).map(view);
}

/** Published Q&A of a site (only what the writer agreed to publish; contact details never). */
export async function listPublishedQa(ctx: Ctx, input: { siteCode: string; limit?: number }): Promise<MessageView[]> {
  const rows = await queryRows<MessageRow>(ctx.db, sql`SELECT * FROM portal.messages WHERE site_code = ${input.siteCode} AND published ORDER BY replied_at DESC LIMIT ${input.limit ?? 50}`);
  return rows.map((r) => ({ ...view(r), contact: '', authorName: `${r.author_name.slice(0, 1)}**`, authorUserId: null }));
}

/** Reply by the responsible department; published as Q&A when the writer agreed and `publish` is set. */
export async function replyToMessage(ctx: Ctx, input: { id: string; text: string; publish?: boolean }): Promise<MessageView> {
  const text = (input.text ?? '').trim();
  if (!text || text.length > 10_000) throw badRequest('validation_failed', '请填写答复内容', [{ field: 'text', message: '请填写答复内容' }]);
  return inTransaction(ctx, async (tctx) => {
    const r = await queryOne<MessageRow>(tctx.db, sql`SELECT * FROM portal.messages WHERE id = ${input.id} FOR UPDATE`);
    if (!r || !handles(tctx, r.unit_id)) throw notFound('message_not_found', '留言不存在或您无权查看。');
    if (r.replied_at) throw conflict('message_replied', '该留言已答复。');
    const now = tctx.clock.now();
    const onTime = now.getTime() <= new Date(r.reply_due_at).getTime();
    const pub = Boolean(input.publish) && r.publish_consent;
    await tctx.db.execute(sql`UPDATE portal.messages SET reply_text = ${text}, replied_at = ${now.toISOString()}, replied_by_name = ${tctx.actor.name}, replied_unit_name = ${r.unit_name},
      replied_on_time = ${onTime}, published = ${pub} WHERE id = ${r.id}`);
    if (pub) await bumpSite(tctx, r.site_code);
    audit(tctx, { action: 'portal.message.reply', targetType: 'portal.message', targetId: r.id, targetLabel: r.title, details: { onTime, published: pub } });
    await publish(tctx, { type: EVENTS.messageReplied, orderingKey: r.id, payload: { messageId: r.id, siteCode: r.site_code, onTime } });
    return view((await queryOne<MessageRow>(tctx.db, sql`SELECT * FROM portal.messages WHERE id = ${r.id}`))!);
  });
}

export interface DepartmentStats {
  unitId: string;
  unitName: string;
  received: number;
  replied: number;
  onTime: number;
  open: number;
  overdue: number;
  avgReplyDays: number | null;
}

/** Per-department statistics of messages (published with the Q&A; staff see the same). */
export async function messageStats(ctx: Ctx, input: { siteCode?: string }): Promise<DepartmentStats[]> {
  const now = ctx.clock.now().toISOString();
  const rows = await queryRows<{ unit_id: string; unit_name: string; received: string; replied: string; on_time: string; open: string; overdue: string; avg_days: string | null }>(ctx.db, sql`
    SELECT unit_id, min(unit_name) AS unit_name, count(*) AS received, count(replied_at) AS replied, count(*) FILTER (WHERE replied_on_time) AS on_time,
      count(*) FILTER (WHERE replied_at IS NULL) AS open, count(*) FILTER (WHERE replied_at IS NULL AND reply_due_at < ${now}) AS overdue,
      avg(extract(epoch FROM (replied_at - received_at)) / 86400) AS avg_days
    FROM portal.messages WHERE (${input.siteCode ?? null}::text IS NULL OR site_code = ${input.siteCode ?? null}) GROUP BY unit_id ORDER BY count(*) DESC`);
  return rows.map((r) => ({
    unitId: r.unit_id,
    unitName: r.unit_name,
    received: Number(r.received),
    replied: Number(r.replied),
    onTime: Number(r.on_time),
    open: Number(r.open),
    overdue: Number(r.overdue),
    avgReplyDays: r.avg_days === null ? null : Math.round(Number(r.avg_days) * 10) / 10,
  }));
}

// ---- opinion solicitation ----------------------------------------------------------------------

export interface SolicitationView {
  id: string;
  siteCode: string;
  title: string;
  draftText: string;
  opensOn: string;
  closesOn: string;
  feedbackSummary: string | null;
  feedbackPublishedAt: string | null;
  /** Closed early by staff (null: runs to closesOn). */
  closedAt: string | null;
  isDemo: boolean;
  comments: { id: string; authorName: string; body: string; status: string; createdAt: string }[];
}

const day = (d: Date | string) => (typeof d === 'string' ? d.slice(0, 10) : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 10));

export async function createSolicitation(ctx: Ctx, input: { siteCode: string; title: string; draftText: string; opensOn: string; closesOn: string; isDemo?: boolean }): Promise<string> {
  const site = await requireSite(ctx, input.siteCode);
  requireOnSite(ctx, site, SCOPES.interactionManage);
  if (!input.title?.trim() || !input.draftText?.trim()) throw badRequest('validation_failed', '请填写标题和征求意见稿', [{ field: 'title', message: '请填写标题' }]);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.opensOn) || !/^\d{4}-\d{2}-\d{2}$/.test(input.closesOn) || input.closesOn < input.opensOn) {
    throw badRequest('validation_failed', '征集起止日期不正确', [{ field: 'closesOn', message: '截止日期应不早于开始日期' }]);
  }
  return inTransaction(ctx, async (tctx) => {
    const id = newId();
    await tctx.db.execute(sql`INSERT INTO portal.solicitations (id, site_code, title, draft_text, opens_on, closes_on, is_demo, created_by_name, created_at)
      VALUES (${id}, ${site.code}, ${input.title.trim()}, ${input.draftText.trim()}, ${input.opensOn}, ${input.closesOn}, ${input.isDemo ?? false}, ${tctx.actor.name}, ${tctx.clock.now().toISOString()})`);
    await bumpSite(tctx, site.code);
    audit(tctx, { action: 'portal.solicitation.create', targetType: 'portal.solicitation', targetId: id, targetLabel: input.title });
    await publish(tctx, { type: EVENTS.solicitationCreated, orderingKey: id, payload: { solicitationId: id, siteCode: site.code, opensOn: input.opensOn, closesOn: input.closesOn } });
    return id;
  });
}

export async function getSolicitation(ctx: Ctx, input: { id: string; staff?: boolean }): Promise<SolicitationView> {
  const r = /^[0-9a-f-]{36}$/i.test(input.id) ? await queryOne<{ id: string; site_code: string; title: string; draft_text: string; opens_on: Date | string; closes_on: Date | string;
    feedback_summary: string | null; feedback_published_at: Date | string | null; closed_at: Date | string | null; is_demo: boolean }>(ctx.db, sql`SELECT * FROM portal.solicitations WHERE id = ${input.id}`) : undefined;
  if (!r) throw notFound('solicitation_not_found', '意见征集不存在。');
  const comments = await queryRows<{ id: string; author_name: string; body: string; status: string; created_at: Date | string }>(ctx.db, sql`SELECT id, author_name, body, status, created_at
    FROM portal.solicitation_comments WHERE solicitation_id = ${r.id} AND (${Boolean(input.staff)} OR status = 'approved') ORDER BY created_at`);
  return {
    id: r.id,
    siteCode: r.site_code,
    title: r.title,
    draftText: r.draft_text,
    opensOn: day(r.opens_on),
    closesOn: day(r.closes_on),
    feedbackSummary: r.feedback_summary,
    feedbackPublishedAt: isoOrNull(r.feedback_published_at),
    closedAt: isoOrNull(r.closed_at ?? null),
    isDemo: r.is_demo,
    comments: comments.map((c) => ({ id: c.id, authorName: input.staff ? c.author_name : `${c.author_name.slice(0, 1)}**`, body: c.body, status: c.status, createdAt: iso(c.created_at) })),
  };
}

export async function listSolicitations(ctx: Ctx, input: { siteCode: string }): Promise<{ id: string; title: string; opensOn: string; closesOn: string; closedAt: string | null; isDemo: boolean; pending: number }[]> {
  const rows = await queryRows<{ id: string; title: string; opens_on: Date | string; closes_on: Date | string; closed_at: Date | string | null; is_demo: boolean; pending: string }>(ctx.db, sql`SELECT s.id, s.title, s.opens_on, s.closes_on, s.closed_at, s.is_demo,
    (SELECT count(*) FROM portal.solicitation_comments c WHERE c.solicitation_id = s.id AND c.status = 'pending') AS pending
    FROM portal.solicitations s WHERE s.site_code = ${input.siteCode} ORDER BY s.opens_on DESC LIMIT 50`);
  return rows.map((r) => ({ id: r.id, title: r.title, opensOn: day(r.opens_on), closesOn: day(r.closes_on), closedAt: isoOrNull(r.closed_at), isDemo: r.is_demo, pending: Number(r.pending) }));
}

export async function commentOnSolicitation(ctx: Ctx, input: { id: string; body: string }): Promise<void> {
  if (!ctx.actor.userId) throw forbidden('请先登录再提出意见。', 'login_required');
  const s = await getSolicitation(ctx, { id: input.id });
  const today = new Date(ctx.clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  if (today < s.opensOn || today > s.closesOn || s.closedAt) throw conflict('solicitation_closed', '不在意见征集期内。');
  const body = (input.body ?? '').trim();
  if (!body || body.length > 2000) throw badRequest('validation_failed', '意见内容应为 1 至 2000 个字', [{ field: 'body', message: '意见内容应为 1 至 2000 个字' }]);
  await inTransaction(ctx, async (tctx) => {
    const id = newId();
    await tctx.db.execute(sql`INSERT INTO portal.solicitation_comments (id, solicitation_id, author_user_id, author_name, body, status, created_at)
      VALUES (${id}, ${s.id}, ${tctx.actor.userId}, ${tctx.actor.name}, ${body}, 'pending', ${tctx.clock.now().toISOString()})`);
    audit(tctx, { action: 'portal.solicitation.comment', targetType: 'portal.solicitation', targetId: s.id, targetLabel: s.title, details: { commentId: id } });
    await publish(tctx, { type: EVENTS.solicitationCommented, orderingKey: s.id, payload: { solicitationId: s.id, commentId: id } });
  });
}

export async function moderateComment(ctx: Ctx, input: { commentId: string; decision: 'approved' | 'rejected' }): Promise<void> {
  if (input.decision !== 'approved' && input.decision !== 'rejected') throw badRequest('validation_failed', '审核结果无效', [{ field: 'decision', message: '审核结果无效' }]);
  await inTransaction(ctx, async (tctx) => {
    const c = /^[0-9a-f-]{36}$/i.test(input.commentId)
      ? await queryOne<{ id: string; site_code: string }>(tctx.db, sql`SELECT c.id, s.site_code FROM portal.solicitation_comments c JOIN portal.solicitations s ON s.id = c.solicitation_id WHERE c.id = ${input.commentId} FOR UPDATE OF c`)
      : undefined;
    if (!c) throw notFound('comment_not_found', '意见不存在。');
    const site = await requireSite(tctx, c.site_code);
    requireOnSite(tctx, site, SCOPES.interactionManage);
    await tctx.db.execute(sql`UPDATE portal.solicitation_comments SET status = ${input.decision}, moderated_by_name = ${tctx.actor.name}, moderated_at = ${tctx.clock.now().toISOString()} WHERE id = ${c.id}`);
    await bumpSite(tctx, site.code);
    audit(tctx, { action: 'portal.solicitation.moderate', targetType: 'portal.solicitation_comment', targetId: c.id, details: { decision: input.decision } });
  });
}

export async function publishFeedback(ctx: Ctx, input: { id: string; summary: string }): Promise<void> {
  const s = await getSolicitation(ctx, { id: input.id });
  const site = await requireSite(ctx, s.siteCode);
  requireOnSite(ctx, site, SCOPES.interactionManage);
  if (!input.summary?.trim()) throw badRequest('validation_failed', '请填写意见采纳情况', [{ field: 'summary', message: '请填写意见采纳情况' }]);
  await inTransaction(ctx, async (tctx) => {
    await tctx.db.execute(sql`UPDATE portal.solicitations SET feedback_summary = ${input.summary.trim()}, feedback_published_at = ${tctx.clock.now().toISOString()} WHERE id = ${s.id}`);
    await bumpSite(tctx, site.code);
    audit(tctx, { action: 'portal.solicitation.feedback', targetType: 'portal.solicitation', targetId: s.id, targetLabel: s.title });
  });
}

// ---- surveys -----------------------------------------------------------------------------------

export interface SurveyView {
  id: string;
  siteCode: string;
  title: string;
  questions: { text: string; options: string[] }[];
  opensOn: string;
  closesOn: string;
  /** Closed early by staff (null: runs to closesOn). */
  closedAt: string | null;
  isDemo: boolean;
  responses: number;
  /** counts[question][option] */
  counts: number[][];
}

export async function createSurvey(ctx: Ctx, input: { siteCode: string; title: string; questions: { text: string; options: string[] }[]; opensOn: string; closesOn: string; isDemo?: boolean }): Promise<string> {
  const site = await requireSite(ctx, input.siteCode);
  requireOnSite(ctx, site, SCOPES.interactionManage);
  if (!input.title?.trim() || !input.questions?.length || input.questions.some((q) => !q.text?.trim() || (q.options ?? []).length < 2)) {
    throw badRequest('validation_failed', '调查须有标题, 每题至少两个选项', [{ field: 'questions', message: '每题至少两个选项' }]);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.opensOn) || !/^\d{4}-\d{2}-\d{2}$/.test(input.closesOn) || input.closesOn < input.opensOn) {
    throw badRequest('validation_failed', '调查起止日期不正确', [{ field: 'closesOn', message: '截止日期应不早于开始日期' }]);
  }
  return inTransaction(ctx, async (tctx) => {
    const id = newId();
    await tctx.db.execute(sql`INSERT INTO portal.surveys (id, site_code, title, questions, opens_on, closes_on, is_demo, created_at)
      VALUES (${id}, ${site.code}, ${input.title.trim()}, ${JSON.stringify(input.questions)}::jsonb, ${input.opensOn}, ${input.closesOn}, ${input.isDemo ?? false}, ${tctx.clock.now().toISOString()})`);
    await bumpSite(tctx, site.code);
    audit(tctx, { action: 'portal.survey.create', targetType: 'portal.survey', targetId: id, targetLabel: input.title });
    await publish(tctx, { type: EVENTS.surveyCreated, orderingKey: id, payload: { surveyId: id, siteCode: site.code, questions: input.questions.length, opensOn: input.opensOn, closesOn: input.closesOn } });
    return id;
  });
}

export async function getSurvey(ctx: Ctx, input: { id: string }): Promise<SurveyView> {
  const r = /^[0-9a-f-]{36}$/i.test(input.id)
    ? await queryOne<{ id: string; site_code: string; title: string; questions: { text: string; options: string[] }[]; opens_on: Date | string; closes_on: Date | string; closed_at: Date | string | null; is_demo: boolean }>(ctx.db, sql`SELECT * FROM portal.surveys WHERE id = ${input.id}`)
    : undefined;
  if (!r) throw notFound('survey_not_found', '调查不存在。');
  const answers = await queryRows<{ answers: number[] }>(ctx.db, sql`SELECT answers FROM portal.survey_responses WHERE survey_id = ${r.id}`);
  const counts = r.questions.map((q) => q.options.map(() => 0));
  for (const a of answers) a.answers.forEach((opt, qi) => {
    if (counts[qi] && counts[qi][opt] !== undefined) counts[qi][opt] += 1;
  });
  return { id: r.id, siteCode: r.site_code, title: r.title, questions: r.questions, opensOn: day(r.opens_on), closesOn: day(r.closes_on), closedAt: isoOrNull(r.closed_at ?? null), isDemo: r.is_demo, responses: answers.length, counts };
}

export async function listSurveys(ctx: Ctx, input: { siteCode: string }): Promise<{ id: string; title: string; opensOn: string; closesOn: string; closedAt: string | null; isDemo: boolean; responses: number }[]> {
  const rows = await queryRows<{ id: string; title: string; opens_on: Date | string; closes_on: Date | string; closed_at: Date | string | null; is_demo: boolean; responses: string }>(ctx.db, sql`SELECT s.id, s.title, s.opens_on,
    s.closes_on, s.closed_at, s.is_demo, (SELECT count(*) FROM portal.survey_responses r WHERE r.survey_id = s.id) AS responses
    FROM portal.surveys s WHERE s.site_code = ${input.siteCode} ORDER BY s.opens_on DESC LIMIT 50`);
  return rows.map((r) => ({ id: r.id, title: r.title, opensOn: day(r.opens_on), closesOn: day(r.closes_on), closedAt: isoOrNull(r.closed_at), isDemo: r.is_demo, responses: Number(r.responses) }));
}

/** One answer sheet per account or anonymous session (`respondentKey`: account id or the session cookie). */
export async function answerSurvey(ctx: Ctx, input: { id: string; answers: number[]; respondentKey: string }): Promise<void> {
  const s = await getSurvey(ctx, { id: input.id });
  const today = new Date(ctx.clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  if (today < s.opensOn || today > s.closesOn || s.closedAt) throw conflict('survey_closed', '不在调查期内。');
  if (input.answers.length !== s.questions.length || input.answers.some((a, i) => !Number.isInteger(a) || a < 0 || a >= s.questions[i].options.length)) {
    throw badRequest('validation_failed', '请回答每一道题', s.questions.map((_, i) => ({ field: `q${i}`, message: `请回答第 ${i + 1} 题` })).filter((_, i) => input.answers[i] === undefined || input.answers[i] < 0));
  }
  const respondent = ctx.actor.userId ?? sm3Hex(`survey:${input.respondentKey}`);
  await inTransaction(ctx, async (tctx) => {
    if (await queryOne(tctx.db, sql`SELECT 1 FROM portal.survey_responses WHERE survey_id = ${s.id} AND respondent = ${respondent}`)) throw conflict('survey_answered', '您已参加过本次调查。');
    await tctx.db.execute(sql`INSERT INTO portal.survey_responses (survey_id, respondent, answers, created_at) VALUES (${s.id}, ${respondent}, ${JSON.stringify(input.answers)}::jsonb, ${tctx.clock.now().toISOString()})`);
    await bumpSite(tctx, s.siteCode);
    audit(tctx, { action: 'portal.survey.answer', targetType: 'portal.survey', targetId: s.id, targetLabel: s.title });
  });
}

// ---- closing early ------------------------------------------------------------------------------

/**
 * Ends a solicitation or survey before its end date (staff of the site with
 * portal.interaction.manage). Comments and answers are refused from then on; results and the
 * feedback summary stay public.
 */
export async function closeInteraction(ctx: Ctx, input: { kind: 'solicitation' | 'survey'; id: string; reason?: string }): Promise<{ siteCode: string }> {
  const item = input.kind === 'solicitation' ? await getSolicitation(ctx, { id: input.id }) : await getSurvey(ctx, { id: input.id });
  const site = await requireSite(ctx, item.siteCode);
  requireOnSite(ctx, site, SCOPES.interactionManage);
  const today = new Date(ctx.clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  if (item.closedAt || today > item.closesOn) throw conflict('already_closed', input.kind === 'solicitation' ? '该意见征集已经结束。' : '该调查已经结束。');
  const table = input.kind === 'solicitation' ? sql`portal.solicitations` : sql`portal.surveys`;
  await inTransaction(ctx, async (tctx) => {
    const now = tctx.clock.now().toISOString();
    const done = await queryOne<{ id: string }>(tctx.db, sql`UPDATE ${table} SET closed_at = ${now}, closed_by_name = ${tctx.actor.name} WHERE id = ${item.id} AND closed_at IS NULL RETURNING id`);
    if (!done) throw conflict('already_closed', '已经结束。');
    await bumpSite(tctx, site.code);
    audit(tctx, { action: `portal.${input.kind}.close`, targetType: `portal.${input.kind}`, targetId: item.id, targetLabel: item.title, details: { reason: input.reason ?? null, closesOn: item.closesOn } });
    await publish(tctx, { type: input.kind === 'solicitation' ? EVENTS.solicitationClosed : EVENTS.surveyClosed, orderingKey: item.id, payload: { id: item.id, siteCode: site.code, closedAt: now } });
  });
  return { siteCode: site.code };
}
