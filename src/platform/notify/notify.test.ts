/**
 * Notifications end to end on the real platform: notify() in the caller's transaction, recipients
 * by id and by unit + scope, preferences and mandatory templates, email to a small SMTP server
 * started here, SMS to DATA_DIR/sms.log, retries and dead letters, the inbox API and pages, the
 * header badge.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { manualClock, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { callApi, createStaff, getPage, loginAs, postForm, TEST_PASSWORD, type Session, type TestUser } from '../../../test/support/identity.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { modules as allModules } from '../../modules/index.ts';
import { registerCitizen } from '../../modules/identity/index.ts';
import type { ModuleDefinition } from '../module.ts';
import type { Ctx } from '../context.ts';
import { queryOne, queryRows, sql } from '../db/index.ts';
import { inTransaction } from '../transaction.ts';
import { Dispatcher } from '../events/dispatcher.ts';
import { listDeadLetters } from '../events/outbox.ts';
import { residentIdCheckChar } from '../identifiers/index.ts';
import { silentLogger } from '../context.ts';
import { notify, type NotifyInput } from './service.ts';

// The deployment's modules, with identity's real recipient resolver.
const deploymentModules = (): ModuleDefinition[] => allModules;
/** The same deployment where no module resolves recipients. */
const withoutResolver = (): ModuleDefinition[] => allModules.map((m) => (m.provides?.recipientResolver ? { ...m, provides: { ...m.provides, recipientResolver: undefined } } : m));

// ---- a tiny SMTP server that records what it receives

interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
}

async function startSmtpServer(): Promise<{ url: string; mails: ReceivedMail[]; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    let buf = '';
    let inData = false;
    let cur: ReceivedMail = { from: '', to: [], data: '' };
    sock.write('220 localhost test SMTP\r\n');
    sock.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          cur.data = buf.slice(0, end);
          buf = buf.slice(end + 5);
          inData = false;
          mails.push(cur);
          cur = { from: '', to: [], data: '' };
          sock.write('250 2.0.0 queued\r\n');
          continue;
        }
        const i = buf.indexOf('\r\n');
        if (i < 0) return;
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const verb = line.split(' ')[0].toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') sock.write('250-localhost\r\n250 8BITMIME\r\n');
        else if (verb === 'MAIL') {
          cur.from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          sock.write('250 2.1.0 ok\r\n');
        } else if (verb === 'RCPT') {
          cur.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          sock.write('250 2.1.5 ok\r\n');
        } else if (verb === 'DATA') {
          inData = true;
          sock.write('354 end with <CRLF>.<CRLF>\r\n');
        } else if (verb === 'QUIT') {
          sock.end('221 2.0.0 bye\r\n');
          return;
        } else sock.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}/?from=noreply@henan.gov.cn`,
    mails,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Subject and text body of a received message (RFC 2047 words, base64 or quoted-printable body). */
function decodeMail(raw: string): { subject: string; text: string } {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const unfolded = head.replace(/\r\n[ \t]+/g, ' ');
  const subjectRaw = /^Subject: (.*)$/im.exec(unfolded)?.[1] ?? '';
  const subject = subjectRaw.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_m, enc: string, word: string) =>
    enc.toLowerCase() === 'b'
      ? Buffer.from(word, 'base64').toString('utf8')
      : Buffer.from(word.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
  const body = rest.join('\r\n\r\n');
  const cte = /^Content-Transfer-Encoding: (.*)$/im.exec(unfolded)?.[1]?.trim().toLowerCase();
  let text: string;
  if (cte === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (cte === 'quoted-printable') text = Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  else text = Buffer.from(body, 'latin1').toString('utf8');
  return { subject, text };
}

// ---- fixtures

const clock = manualClock(new Date('2026-03-02T01:00:00Z'));
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let tp: TestPlatform;
let units: TestUnits;
let handlerA: TestUser; // 中原区, holds case.handle
let handlerB: TestUser; // 中原区, holds case.handle, opted out of email for case.assigned
let clerk: TestUser; // 中原区, other scope
let elsewhere: TestUser; // 二七区, holds case.handle
let citizenId: string;
let citizenLogin: { loginName: string; password: string };
let sessionA: Session;

const setContact = (userId: string, email: string | null, phone: string | null) =>
  tp.database.db.execute(sql`UPDATE identity.users SET email = ${email}, phone = ${phone} WHERE id = ${userId}`);

const send = (input: NotifyInput, ctx: Ctx = tp.ctx()) => inTransaction(ctx, (tctx) => notify(tctx, input));

async function deliveries(messageRecipient: string) {
  return queryRows<{ channel: string; status: string; address: string | null; detail: string | null; template: string }>(tp.database.db, sql`
    SELECT d.channel, d.status, d.address, d.detail, m.template FROM notify.deliveries d JOIN notify.messages m ON m.id = d.message_id
    WHERE m.recipient_id = ${messageRecipient} ORDER BY m.created_at, d.channel`);
}

before(async () => {
  smtp = await startSmtpServer();
  tp = await startTestPlatform({ clock, modules: deploymentModules(), env: { SMTP_URL: smtp.url } });
  units = await ensureTestUnits(tp);
  handlerA = await createStaff(tp, { roleScopes: ['case.handle'], unitId: units.zhongyuan });
  handlerB = await createStaff(tp, { roleScopes: ['case.handle'], unitId: units.zhongyuan });
  clerk = await createStaff(tp, { roleScopes: ['case.read'], unitId: units.zhongyuan });
  elsewhere = await createStaff(tp, { roleScopes: ['case.handle'], unitId: units.erqi });
  await setContact(handlerA.id, 'zhang.san@zhongyuan.gov.cn', '13800138000');
  await setContact(handlerB.id, 'li.si@zhongyuan.gov.cn', '13900139000');
  const first17 = '41010219900307123';
  const idNumber = first17 + residentIdCheckChar(first17);
  citizenId = await registerCitizen(tp.ctx(), { name: '王五', idNumber, phone: '13700137000', password: TEST_PASSWORD });
  await setContact(citizenId, 'wangwu@example.cn', '13700137000');
  citizenLogin = { loginName: idNumber, password: TEST_PASSWORD };
  sessionA = await loginAs(tp, handlerA);
});
after(async () => {
  await tp?.close();
  await smtp?.close();
});

test('notify() refuses to run outside the caller\'s transaction, and refuses bad input without writing anything', async () => {
  await assert.rejects(notify(tp.ctx(), { recipients: { userIds: [handlerA.id] }, template: 'case.assigned', data: { title: 'x' } }), /outside inTransaction/);
  await assert.rejects(send({ recipients: { userIds: [handlerA.id] }, template: 'no.such', data: {} }), (e: Error & { code?: string }) => e.code === 'notify_unknown_template' && /未知的通知模板/.test(e.message));
  await assert.rejects(send({ recipients: { userIds: [handlerA.id] }, template: 'case.reminder', data: { title: '某申请' } }), /缺少数据: deadline/);
  await assert.rejects(send({ recipients: { userIds: [handlerA.id] }, template: 'case.assigned', data: { title: 'x' }, link: 'https://evil.example/' }), /本站以 \/ 开头的路径/);
  await assert.rejects(send({ recipients: { userIds: ['not-a-uuid'] }, template: 'case.assigned', data: { title: 'x' } }), /格式不正确/);
  await assert.rejects(send({ recipients: { scope: 'case.handle' }, template: 'case.assigned', data: { title: 'x' } }), /必须指明单位/);
  const n = await queryOne<{ n: string | number }>(tp.database.db, sql`SELECT count(*) AS n FROM notify.messages`);
  assert.equal(Number(n?.n), 0);
});

test('messages and queued deliveries roll back with the caller\'s change', async () => {
  const before = await queryOne<{ m: string | number; e: string | number }>(tp.database.db, sql`SELECT (SELECT count(*) FROM notify.messages) AS m, (SELECT count(*) FROM platform.outbox_events) AS e`);
  await assert.rejects(inTransaction(tp.ctx(), async (tctx) => {
    await notify(tctx, { recipients: { userIds: [handlerA.id] }, template: 'case.assigned', data: { title: '回滚测试' } });
    throw new Error('the caller failed');
  }), /the caller failed/);
  const afterCounts = await queryOne<{ m: string | number; e: string | number }>(tp.database.db, sql`SELECT (SELECT count(*) FROM notify.messages) AS m, (SELECT count(*) FROM platform.outbox_events) AS e`);
  assert.deepEqual(afterCounts, before);
});

test('recipients by unit and scope: active staff of that unit holding the scope, deduplicated with explicit ids', async () => {
  const n = await send({ recipients: { unitId: units.zhongyuan, scope: 'case.handle', userIds: [handlerA.id] }, template: 'document.received', data: { title: '关于做好春节期间安全生产工作的通知', sender: '郑州市人民政府办公厅' }, link: '/workbench/documents/1' });
  assert.equal(n, 2);
  const rows = await queryRows<{ recipient_id: string; title: string; body: string; link: string }>(tp.database.db, sql`SELECT recipient_id, title, body, link FROM notify.messages WHERE template = 'document.received'`);
  assert.deepEqual(rows.map((r) => r.recipient_id).sort(), [handlerA.id, handlerB.id].sort());
  assert.ok(!rows.some((r) => r.recipient_id === clerk.id || r.recipient_id === elsewhere.id));
  assert.equal(rows[0].title, '收到公文: 关于做好春节期间安全生产工作的通知');
  assert.equal(rows[0].body, '郑州市人民政府办公厅 发来公文「关于做好春节期间安全生产工作的通知」, 请及时签收办理。');
  const auditRow = await queryOne<{ details: string }>(tp.database.db, sql`SELECT details FROM platform.audit_log WHERE action = 'notify.send' AND target_id = 'document.received'`);
  assert.match(auditRow?.details ?? '', /"recipients":2/);
  // The whole unit, any scope.
  assert.equal(await send({ recipients: { unitId: units.zhongyuan }, template: 'case.overdue', data: { title: '全单位', deadline: '2026-03-10' } }), 3);
});

test('email follows preferences, mandatory templates ignore opt-outs, SMS goes to the development log', async () => {
  // B opts out of email for new tasks (through the API) and even tries to opt out of 补正通知.
  const sessionB = await loginAs(tp, handlerB);
  const put = await callApi(tp, sessionB, 'PUT', '/api/notify/preferences', { preferences: [{ template: 'case.assigned', email: false, sms: false }, { template: 'case.returned', email: false, sms: false }] });
  assert.equal(put.statusCode, 200, put.body);
  const prefs = (put.json() as { items: { template: string; email: boolean; sms: boolean; mandatory: boolean }[] }).items;
  assert.deepEqual(prefs.find((p) => p.template === 'case.assigned'), { template: 'case.assigned', name: '新的待办', channels: ['email', 'sms'], mandatory: false, email: false, sms: false, saved: true });
  assert.equal(prefs.find((p) => p.template === 'case.returned')?.email, true, 'a mandatory template stays on');
  await tp.platform.dispatcher.drain(); // what earlier tests queued
  smtp.mails.length = 0;

  await send({ recipients: { userIds: [handlerA.id, handlerB.id] }, template: 'case.assigned', data: { title: '政府信息公开申请 2026-0042' }, link: '/workbench/cases/42' });
  await send({ recipients: { userIds: [handlerB.id] }, template: 'case.returned', data: { title: '政府信息公开申请 2026-0043', reason: '申请内容不明确, 请写明所需信息的名称' } });
  await tp.platform.dispatcher.drain();

  // A: default for 新的待办 is email only.
  const a = await deliveries(handlerA.id);
  assert.deepEqual(a.filter((d) => d.template === 'case.assigned').map((d) => [d.channel, d.status, d.address]), [['email', 'sent', 'z***@zhongyuan.gov.cn']]);
  // B: no email for 新的待办 (opted out); 补正通知 by email and SMS although B opted out.
  const b = await deliveries(handlerB.id);
  assert.deepEqual(b.filter((d) => d.template === 'case.assigned'), []);
  assert.deepEqual(b.filter((d) => d.template === 'case.returned').map((d) => [d.channel, d.status]), [['email', 'sent'], ['sms', 'sent']]);

  assert.equal(smtp.mails.length, 2);
  const toA = smtp.mails.find((m) => m.to.includes('zhang.san@zhongyuan.gov.cn'));
  assert.ok(toA);
  assert.equal(toA.from, 'noreply@henan.gov.cn');
  const mailA = decodeMail(toA.data);
  assert.equal(mailA.subject, '新的待办: 政府信息公开申请 2026-0042');
  assert.match(mailA.text, /您有一件新的待办事项「政府信息公开申请 2026-0042」/);
  assert.match(mailA.text, /\/workbench\/cases\/42/);
  const mailB = decodeMail(smtp.mails.find((m) => m.to.includes('li.si@zhongyuan.gov.cn'))!.data);
  assert.equal(mailB.subject, '退回补正: 政府信息公开申请 2026-0043');

  const log = fs.readFileSync(path.join(tp.dataDir, 'sms.log'), 'utf8');
  assert.match(log, /13900139000\t【政务服务平台】您提交的「政府信息公开申请 2026-0043」需要补正: 申请内容不明确/);

  // Delivered once: a second pass finds nothing to do.
  assert.equal(await tp.platform.dispatcher.drain(), 0);
  assert.equal(smtp.mails.length, 2);
});

test('a delivery without an address is skipped with the reason', async () => {
  await send({ recipients: { userIds: [clerk.id] }, template: 'account.locked', data: { until: '2026-03-02 09:15' } });
  await tp.platform.dispatcher.drain();
  assert.deepEqual((await deliveries(clerk.id)).filter((d) => d.template === 'account.locked').map((d) => [d.channel, d.status, d.detail]), [
    ['email', 'skipped', '账号未登记电子邮箱'],
    ['sms', 'skipped', '账号未登记手机号码'],
  ]);
});

test('inbox API: own messages only, unread first; mark read, mark all read', async () => {
  const list = await callApi(tp, sessionA, 'GET', '/api/notify/messages');
  assert.equal(list.statusCode, 200, list.body);
  const page = list.json() as { items: { id: string; title: string; readAt: string | null }[]; total: number; unread: number };
  assert.ok(page.total >= 3);
  assert.equal(page.unread, page.total);
  const first = page.items[0];
  const read = await callApi(tp, sessionA, 'POST', `/api/notify/messages/${first.id}/read`);
  assert.equal(read.statusCode, 200, read.body);
  assert.equal((read.json() as { readAt: string }).readAt, clock.now().toISOString());
  const again = (await callApi(tp, sessionA, 'GET', '/api/notify/messages')).json() as typeof page;
  assert.equal(again.unread, page.total - 1);
  assert.equal(again.items.at(-1)?.id, first.id, 'read messages come after unread ones');
  const unreadOnly = (await callApi(tp, sessionA, 'GET', '/api/notify/messages?unread=true')).json() as typeof page;
  assert.equal(unreadOnly.total, page.total - 1);

  // Someone else's message is "not found".
  const sessionB = await loginAs(tp, handlerB);
  const others = await callApi(tp, sessionB, 'POST', `/api/notify/messages/${first.id}/read`);
  assert.equal(others.statusCode, 404);
  // Without the CSRF header a cookie-authenticated change is refused.
  const noCsrf = await tp.platform.app.inject({ method: 'POST', url: '/api/notify/messages/read-all', headers: { cookie: sessionA.cookie, accept: 'application/json' } });
  assert.equal(noCsrf.statusCode, 403);
  const all = await callApi(tp, sessionA, 'POST', '/api/notify/messages/read-all');
  assert.equal((all.json() as { count: number }).count, page.total - 1);
  assert.equal(((await callApi(tp, sessionA, 'GET', '/api/notify/messages')).json() as typeof page).unread, 0);
  // Anonymous callers get 401.
  assert.equal((await callApi(tp, null, 'GET', '/api/notify/messages')).statusCode, 401);
});

test('preferences API refuses unknown templates and extra fields', async () => {
  const bad = await callApi(tp, sessionA, 'PUT', '/api/notify/preferences', { preferences: [{ template: 'no.such', email: true, sms: true }] });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /未知的通知模板/);
  const extra = await callApi(tp, sessionA, 'PUT', '/api/notify/preferences', { preferences: [], hacker: true });
  assert.equal(extra.statusCode, 400);
});

test('the workbench page lists messages, marks them read, saves preferences; the header shows the unread count', async () => {
  await send({ recipients: { userIds: [handlerA.id] }, template: 'case.reminder', data: { title: '<script>alert(1)</script>申请', deadline: '2026-03-06' }, link: '/workbench/cases/7' });
  const home = await getPage(tp, sessionA, '/workbench');
  assert.equal(home.statusCode, 200);
  assert.match(home.body, /<a href="\/workbench\/notifications" class="bell" aria-label="消息, 1 条未读">消息 <span class="count-badge">1<\/span><\/a>/);

  const page = await getPage(tp, sessionA, '/workbench/notifications');
  assert.equal(page.statusCode, 200, page.body);
  assert.match(page.body, /即将超期: &lt;script&gt;alert\(1\)&lt;\/script&gt;申请/);
  assert.doesNotMatch(page.body, /<script>alert/);
  assert.match(page.body, /href="\/workbench\/notifications"[^>]*aria-current="page"|消息通知/);
  const id = (await queryOne<{ id: string }>(tp.database.db, sql`SELECT id FROM notify.messages WHERE recipient_id = ${handlerA.id} AND read_at IS NULL`))!.id;
  const open = await postForm(tp, sessionA, `/workbench/notifications/${id}/open`);
  assert.equal(open.statusCode, 303);
  assert.equal(open.headers.location, '/workbench/cases/7');
  const after = await getPage(tp, sessionA, '/workbench');
  assert.match(after.body, /aria-label="消息, 没有未读消息">消息<\/a>/);

  // Preferences form: tick SMS for 新的待办, leave email unticked.
  const saved = await postForm(tp, sessionA, '/workbench/notifications/preferences', { sms: ['case.assigned'], email: ['case.reminder'] });
  assert.equal(saved.statusCode, 303);
  const pref = await queryOne<{ email: boolean; sms: boolean }>(tp.database.db, sql`SELECT email, sms FROM notify.preferences WHERE user_id = ${handlerA.id} AND template = 'case.assigned'`);
  assert.deepEqual({ ...pref }, { email: false, sms: true });
  const mandatoryRow = await queryOne<{ n: string | number }>(tp.database.db, sql`SELECT count(*) AS n FROM notify.preferences WHERE user_id = ${handlerA.id} AND template = 'case.returned'`);
  assert.equal(Number(mandatoryRow?.n), 0, 'mandatory templates are not stored as opt-outs');
  const form = await getPage(tp, sessionA, '/workbench/notifications');
  assert.match(form.body, /name="sms" value="case.assigned" aria-label="新的待办: 短信" checked/);
  assert.match(form.body, /name="email" value="case.returned" aria-label="退回补正通知: 电子邮件" checked disabled/);
});

test('citizens read their messages at /my/notifications; the staff page is not for them', async () => {
  await send({ recipients: { userIds: [citizenId] }, template: 'case.returned', data: { title: '政府信息公开申请', reason: '请补充身份证明' }, link: '/my/applications/1' });
  const citizen = await loginAs(tp, citizenLogin);
  const mine = await getPage(tp, citizen, '/my/notifications');
  assert.equal(mine.statusCode, 200, mine.body);
  assert.match(mine.body, /退回补正: 政府信息公开申请/);
  assert.match(mine.body, /<a href="\/my\/notifications" class="bell" aria-label="消息, 1 条未读">/);
  assert.equal((await getPage(tp, citizen, '/workbench/notifications')).statusCode, 403);
  const anonymous = await getPage(tp, null, '/my/notifications');
  assert.equal(anonymous.statusCode, 303);
  assert.match(String(anonymous.headers.location), /^\/login/);
});

test('without SMTP no email is queued; without a recipient resolver notifying a unit is refused clearly', async () => {
  const bare = await startTestPlatform({ clock, modules: withoutResolver() });
  try {
    const zhongyuan = (await ensureTestUnits(bare)).zhongyuan;
    const u = await createStaff(bare, { roleScopes: ['case.handle'], unitId: zhongyuan });
    await inTransaction(bare.ctx(), (tctx) => notify(tctx, { recipients: { userIds: [u.id] }, template: 'case.reminder', data: { title: '甲', deadline: '2026-03-06' } }));
    const channels = await queryRows<{ channel: string }>(bare.database.db, sql`SELECT channel FROM notify.deliveries`);
    assert.deepEqual(channels.map((c) => c.channel), ['sms']);
    await assert.rejects(
      inTransaction(bare.ctx(), (tctx) => notify(tctx, { recipients: { unitId: zhongyuan }, template: 'case.assigned', data: { title: '丙' } })),
      (e: Error & { code?: string }) => e.code === 'notify_no_resolver',
    );
    // The SMS is still delivered, but no contact can be looked up.
    await bare.platform.dispatcher.drain();
    const d = await queryOne<{ status: string; detail: string }>(bare.database.db, sql`SELECT status, detail FROM notify.deliveries`);
    assert.deepEqual({ ...d }, { status: 'skipped', detail: '本部署未配置接收人解析, 无法查询联系方式' });
  } finally {
    await bare.close();
  }
});

test('an unreachable SMTP server is retried and ends as a dead letter', async () => {

  // A port nothing listens on.
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const down = await startTestPlatform({ clock, modules: deploymentModules(), env: { SMTP_URL: `smtp://127.0.0.1:${port}` } });
  try {
    const u = await createStaff(down, { roleScopes: ['case.handle'], unitId: (await ensureTestUnits(down)).zhongyuan });
    await down.database.db.execute(sql`UPDATE identity.users SET email = 'x@example.cn' WHERE id = ${u.id}`);
    await inTransaction(down.ctx(), (tctx) => notify(tctx, { recipients: { userIds: [u.id] }, template: 'case.assigned', data: { title: '乙' } }));
    const dispatcher = new Dispatcher({ db: down.database.db, clock, log: silentLogger, registry: down.platform.services.events, maxAttempts: 2, backoffBaseMs: 1000 });
    assert.equal(await dispatcher.drain(), 1);
    const pending = await queryOne<{ status: string; attempts: number; last_error: string }>(down.database.db, sql`SELECT status, attempts, last_error FROM platform.outbox_deliveries WHERE handler = 'notify.deliver'`);
    assert.equal(pending?.status, 'pending');
    assert.match(pending?.last_error ?? '', /ECONNREFUSED|connect/i);
    clock.advance(5_000);
    assert.equal(await dispatcher.drain(), 1);
    const dead = await listDeadLetters(down.ctx());
    assert.deepEqual(dead.map((d) => [d.handler, d.type]), [['notify.deliver', 'notify.delivery.requested']]);
    const delivery = await queryOne<{ status: string }>(down.database.db, sql`SELECT status FROM notify.deliveries`);
    assert.equal(delivery?.status, 'queued', 'not marked sent');
  } finally {
    await down.close();
  }
});
