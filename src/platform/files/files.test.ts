/**
 * Attachments end to end on the real platform: upload checked by content (not by name), size
 * limits per owner type, SM3 content addressing and deduplication, downloads and previews only for
 * those the owner's policy admits, orphan blobs after a rollback swept away.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { staffActor, tokenAuthenticator } from '../../../test/support/actors.ts';
import { csrfFrom } from '../../../test/support/identity.ts';
import { platformModule } from '../platform-module.ts';
import type { ModuleDefinition } from '../module.ts';
import { queryOne, queryRows, sql } from '../db/index.ts';
import { sm3Hex } from '../crypto/index.ts';
import { inTransaction } from '../transaction.ts';
import { filesModule } from './module.ts';
import { listAttachments, sanitizeFileName, storeAttachment, sweepOrphanBlobs, type AttachmentView } from './service.ts';
import { contentDisposition } from './routes.ts';

import { DOCX, EXE, minimalPdf, PNG_1x1, zip } from './test-fixtures.ts';

function multipart(parts: ({ name: string; value: string } | { name: string; filename: string; content: Buffer; type?: string })[]) {
  const boundary = `----egovfiles${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    if ('filename' in p) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.type ?? 'application/octet-stream'}\r\n\r\n`, 'utf8'), p.content, Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`, 'utf8'));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

// ---- a deployment with an owner module and its policy

const actors = {
  alice: staffActor('甲经办人', '410102', ['case.handle']),
  bob: staffActor('乙工作人员', '410103', ['case.handle']),
};
/** Who may see which test case. */
const caseReaders: Record<string, string[]> = { 'case-1': [actors.alice.userId!], 'case-2': [actors.alice.userId!, actors.bob.userId!] };

const ownerModule: ModuleDefinition = {
  name: 'test-owner',
  scopes: [],
  attachmentPolicies: {
    'test.case': {
      canRead: async (ctx, ownerId) => ownerId === 'public-1' || (caseReaders[ownerId] ?? []).includes(ctx.actor.userId ?? ''),
      canAttach: async (ctx, ownerId) => (caseReaders[ownerId] ?? []).includes(ctx.actor.userId ?? ''),
    },
    // A bare function: the default limits.
    'test.note': async (ctx) => ctx.actor.kind === 'staff',
    'test.small': { canRead: async () => true, maxBytes: 100, allowedTypes: ['text'] },
  },
};

let tp: TestPlatform;
const csrf: Record<string, string> = {};
const cookie = (who: keyof typeof actors) => `egov_session=${who}`;

before(async () => {
  tp = await startTestPlatform({ authenticator: tokenAuthenticator(actors), modules: [platformModule, filesModule, ownerModule] });
  for (const who of Object.keys(actors) as (keyof typeof actors)[]) {
    const page = await tp.platform.app.inject({ method: 'GET', url: '/workbench', headers: { cookie: cookie(who), accept: 'text/html' } });
    csrf[who] = csrfFrom(page.body);
  }
});
after(async () => tp?.close());

async function upload(who: keyof typeof actors | null, fields: { ownerType: string; ownerId: string }, file: { filename: string; content: Buffer; type?: string }, opts: { csrf?: string | null } = {}) {
  const body = multipart([{ name: 'ownerType', value: fields.ownerType }, { name: 'ownerId', value: fields.ownerId }, { name: 'file', ...file }]);
  const token = opts.csrf === undefined ? (who ? csrf[who] : undefined) : opts.csrf;
  return tp.platform.app.inject({
    method: 'POST',
    url: '/api/files',
    headers: { 'content-type': body.contentType, accept: 'application/json', ...(who ? { cookie: cookie(who) } : {}), ...(token ? { 'x-csrf-token': token } : {}) },
    payload: body.payload,
  });
}

const blobFiles = (): string[] => {
  const root = path.join(tp.dataDir, 'files');
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && /^[0-9a-f]{64}$/.test(e.name)).map((e) => e.name);
};
const tmpFiles = (): string[] => {
  const dir = path.join(tp.dataDir, 'files', 'tmp');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};
const rowCount = async () => Number((await queryOne<{ n: string | number }>(tp.database.db, sql`SELECT count(*) AS n FROM files.attachments`))?.n);

test('a real PDF is stored under its SM3 digest; the row and the audit record are written', async () => {
  const pdf = minimalPdf('first');
  const res = await upload('alice', { ownerType: 'test.case', ownerId: 'case-1' }, { filename: '申请表.pdf', content: pdf, type: 'application/pdf' });
  assert.equal(res.statusCode, 201, res.body);
  const a = res.json() as AttachmentView;
  const digest = sm3Hex(pdf);
  assert.equal(a.sm3, digest);
  assert.equal(a.size, pdf.length);
  assert.equal(a.detectedType, 'pdf');
  assert.equal(a.typeLabel, 'PDF 文档');
  assert.equal(a.originalName, '申请表.pdf');
  assert.equal(a.uploadedBy, actors.alice.userId);
  assert.equal(a.previewUrl, `/files/${a.id}/preview`);
  const stored = path.join(tp.dataDir, 'files', digest.slice(0, 2), digest.slice(2, 4), digest);
  assert.deepEqual(fs.readFileSync(stored), pdf);
  assert.deepEqual(tmpFiles(), []);
  const auditRow = await queryOne<{ details: string }>(tp.database.db, sql`SELECT details FROM platform.audit_log WHERE action = 'files.attachment.upload' AND target_id = ${a.id}`);
  assert.match(auditRow?.details ?? '', new RegExp(digest));
});

test('a 1x1 PNG is detected as PNG whatever it is called; a docx by its ZIP entries', async () => {
  const png = await upload('alice', { ownerType: 'test.case', ownerId: 'case-1' }, { filename: 'photo.jpg', content: PNG_1x1, type: 'image/jpeg' });
  assert.equal(png.statusCode, 201, png.body);
  assert.equal((png.json() as AttachmentView).detectedType, 'png');
  const docx = await upload('alice', { ownerType: 'test.case', ownerId: 'case-1' }, { filename: '答复书', content: DOCX });
  assert.equal(docx.statusCode, 201, docx.body);
  assert.equal((docx.json() as AttachmentView).detectedType, 'docx');
  assert.equal((docx.json() as AttachmentView).previewUrl, null);
});

test('an executable named .pdf is refused with a Chinese reason naming what it really is; nothing is kept', async () => {
  const rows = await rowCount();
  const blobs = blobFiles().length;
  const res = await upload('alice', { ownerType: 'test.case', ownerId: 'case-1' }, { filename: '通知.pdf', content: EXE, type: 'application/pdf' });
  assert.equal(res.statusCode, 415, res.body);
  const problem = res.json() as { code: string; detail: string };
  assert.equal(problem.code, 'file_type_not_allowed');
  assert.match(problem.detail, /文件内容经检测为「Windows 可执行程序」/);
  assert.match(problem.detail, /与文件名无关/);
  assert.equal(await rowCount(), rows);
  assert.equal(blobFiles().length, blobs);
  assert.deepEqual(tmpFiles(), []);
  // A ZIP that is not an office document is not accepted either, and an empty file is refused.
  const plainZip = await upload('alice', { ownerType: 'test.case', ownerId: 'case-1' }, { filename: 'a.docx', content: zip({ 'a.txt': 'hello' }) });
  assert.equal(plainZip.statusCode, 415);
  assert.match(plainZip.body, /ZIP 压缩包/);
  const empty = await upload('alice', { ownerType: 'test.case', ownerId: 'case-1' }, { filename: 'empty.txt', content: Buffer.alloc(0) });
  assert.equal(empty.statusCode, 400);
  assert.match(empty.body, /文件为空/);
});

test('over the owner type\'s size limit: 413; the type limits of that owner apply', async () => {
  const big = await upload('alice', { ownerType: 'test.small', ownerId: 'n-1' }, { filename: 'big.txt', content: Buffer.from('一'.repeat(50)) });
  assert.equal(big.statusCode, 413, big.body);
  assert.match(big.body, /文件超过大小限制 \(最大 100 字节\)/);
  const ok = await upload('alice', { ownerType: 'test.small', ownerId: 'n-1' }, { filename: 'ok.csv', content: Buffer.from('序号,名称\n1,郑州\n') });
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal((ok.json() as AttachmentView).detectedType, 'text');
  const pdfHere = await upload('alice', { ownerType: 'test.small', ownerId: 'n-1' }, { filename: 'x.pdf', content: Buffer.from('%PDF-1.4\n%%EOF\n') });
  assert.equal(pdfHere.statusCode, 415);
  // Past the largest limit of any owner type the upload stream itself is cut off.
  const huge = await upload('alice', { ownerType: 'test.case', ownerId: 'case-1' }, { filename: 'huge.txt', content: Buffer.alloc(20 * 1024 * 1024 + 1, 0x41) });
  assert.equal(huge.statusCode, 413, huge.body);
  assert.match(huge.body, /最大 20 MB/);
  assert.deepEqual(tmpFiles(), []);
});

test('the same content twice: one blob, two rows', async () => {
  const pdf = minimalPdf('dedup');
  const digest = sm3Hex(pdf);
  const first = await upload('alice', { ownerType: 'test.case', ownerId: 'case-1' }, { filename: 'a.pdf', content: pdf });
  const second = await upload('alice', { ownerType: 'test.case', ownerId: 'case-2' }, { filename: 'b.pdf', content: pdf });
  assert.equal(first.statusCode, 201);
  assert.equal(second.statusCode, 201);
  assert.notEqual((first.json() as AttachmentView).id, (second.json() as AttachmentView).id);
  assert.equal(blobFiles().filter((n) => n === digest).length, 1);
  const rows = await queryRows<{ owner_id: string }>(tp.database.db, sql`SELECT owner_id FROM files.attachments WHERE sm3 = ${digest} ORDER BY owner_id`);
  assert.deepEqual(rows.map((r) => r.owner_id), ['case-1', 'case-2']);
});

test('uploads need the owner\'s permission (404 otherwise, audited), a known owner type and the CSRF token', async () => {
  const denied = await upload('bob', { ownerType: 'test.case', ownerId: 'case-1' }, { filename: 'x.pdf', content: minimalPdf('bob') });
  assert.equal(denied.statusCode, 404, denied.body);
  const auditRow = await queryOne<{ result: string }>(tp.database.db, sql`SELECT result FROM platform.audit_log WHERE action = 'files.attachment.upload' AND target_id = 'case-1' AND actor_user_id = ${actors.bob.userId}`);
  assert.equal(auditRow?.result, 'denied');
  const unknown = await upload('alice', { ownerType: 'test.nothing', ownerId: 'x' }, { filename: 'x.pdf', content: minimalPdf() });
  assert.equal(unknown.statusCode, 400);
  assert.match(unknown.body, /未知的附件归属类型/);
  const noToken = await upload('alice', { ownerType: 'test.case', ownerId: 'case-1' }, { filename: 'x.pdf', content: minimalPdf() }, { csrf: null });
  assert.equal(noToken.statusCode, 403);
  const wrongToken = await upload('alice', { ownerType: 'test.case', ownerId: 'case-1' }, { filename: 'x.pdf', content: minimalPdf() }, { csrf: csrf.bob });
  assert.equal(wrongToken.statusCode, 403);
  const anonymous = await upload(null, { ownerType: 'test.case', ownerId: 'public-1' }, { filename: 'x.pdf', content: minimalPdf() });
  assert.equal(anonymous.statusCode, 401);
  assert.deepEqual(tmpFiles(), []);
});

test('the HTML form upload carries the token as a field and returns to the page with a message', async () => {
  const body = multipart([
    { name: '_csrf', value: csrf.alice },
    { name: 'ownerType', value: 'test.case' },
    { name: 'ownerId', value: 'case-2' },
    { name: 'back', value: '/workbench/cases/2' },
    { name: 'file', filename: 'C:\\Users\\甲\\材料\u202Efdp.exe', content: PNG_1x1, type: 'image/png' },
  ]);
  const res = await tp.platform.app.inject({ method: 'POST', url: '/files/upload', headers: { 'content-type': body.contentType, cookie: cookie('alice'), accept: 'text/html' }, payload: body.payload });
  assert.equal(res.statusCode, 303, res.body);
  assert.equal(res.headers.location, '/workbench/cases/2');
  const row = await queryOne<{ original_name: string }>(tp.database.db, sql`SELECT original_name FROM files.attachments WHERE owner_id = 'case-2' AND detected_type = 'png'`);
  assert.equal(row?.original_name, '材料fdp.exe', 'path and direction override removed');
  // A refusal goes back too, with the reason.
  const bad = multipart([{ name: '_csrf', value: csrf.alice }, { name: 'ownerType', value: 'test.case' }, { name: 'ownerId', value: 'case-2' }, { name: 'back', value: '//evil.example/' }, { name: 'file', filename: 'a.pdf', content: EXE }]);
  const refused = await tp.platform.app.inject({ method: 'POST', url: '/files/upload', headers: { 'content-type': bad.contentType, cookie: cookie('alice'), accept: 'text/html' }, payload: bad.payload });
  assert.equal(refused.statusCode, 303);
  assert.equal(refused.headers.location, '/', 'no open redirect');
});

test('download: allowed readers get the file with safe headers; others get 404 and an audit record; anonymous are asked to log in', async () => {
  const pdf = minimalPdf('download');
  const a = (await upload('alice', { ownerType: 'test.case', ownerId: 'case-1' }, { filename: '政府信息公开 答复(1).pdf', content: pdf })).json() as AttachmentView;
  const res = await tp.platform.app.inject({ method: 'GET', url: `/files/${a.id}`, headers: { cookie: cookie('alice') } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.rawPayload, pdf);
  assert.equal(res.headers['content-type'], 'application/pdf');
  assert.equal(res.headers['content-disposition'], contentDisposition('attachment', '政府信息公开 答复(1).pdf'));
  assert.match(String(res.headers['content-disposition']), /^attachment; filename="[^"]*"; filename\*=UTF-8''%E6%94%BF%E5%BA%9C.*%20%E7%AD%94%E5%A4%8D%281%29\.pdf$/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.match(String(res.headers['content-security-policy']), /sandbox/);
  assert.equal(res.headers['cache-control'], 'private, no-store');

  const bob = await tp.platform.app.inject({ method: 'GET', url: `/files/${a.id}`, headers: { cookie: cookie('bob'), accept: 'application/json' } });
  assert.equal(bob.statusCode, 404);
  const missing = await tp.platform.app.inject({ method: 'GET', url: '/files/01890000-0000-7000-8000-000000000000', headers: { cookie: cookie('bob'), accept: 'application/json' } });
  assert.equal(missing.statusCode, 404);
  assert.equal(bob.json().detail, missing.json().detail, 'a refusal looks like a missing file');
  const denials = await queryRows<{ actor_user_id: string }>(tp.database.db, sql`SELECT actor_user_id FROM platform.audit_log WHERE action = 'files.attachment.download' AND target_id = ${a.id} AND result = 'denied'`);
  assert.deepEqual(denials.map((d) => d.actor_user_id), [actors.bob.userId]);
  const granted = await queryOne<{ n: string | number }>(tp.database.db, sql`SELECT count(*) AS n FROM platform.audit_log WHERE action = 'files.attachment.download' AND target_id = ${a.id} AND result = 'success'`);
  assert.equal(Number(granted?.n), 1);

  const anon = await tp.platform.app.inject({ method: 'GET', url: `/files/${a.id}`, headers: { accept: 'text/html' } });
  assert.equal(anon.statusCode, 303);
  assert.equal(anon.headers.location, `/login?next=${encodeURIComponent(`/files/${a.id}`)}`);
  const anonMissing = await tp.platform.app.inject({ method: 'GET', url: '/files/01890000-0000-7000-8000-000000000000', headers: { accept: 'text/html' } });
  assert.equal(anonMissing.headers.location, `/login?next=${encodeURIComponent('/files/01890000-0000-7000-8000-000000000000')}`);

  // Metadata and lists follow the same policy.
  assert.equal((await tp.platform.app.inject({ method: 'GET', url: `/api/files/${a.id}`, headers: { cookie: cookie('alice'), accept: 'application/json' } })).statusCode, 200);
  assert.equal((await tp.platform.app.inject({ method: 'GET', url: `/api/files/${a.id}`, headers: { cookie: cookie('bob'), accept: 'application/json' } })).statusCode, 404);
  const list = await tp.platform.app.inject({ method: 'GET', url: '/api/files?ownerType=test.case&ownerId=case-1', headers: { cookie: cookie('alice'), accept: 'application/json' } });
  assert.equal(list.statusCode, 200);
  assert.ok((list.json() as { items: AttachmentView[] }).items.some((x) => x.id === a.id));
  assert.equal((await tp.platform.app.inject({ method: 'GET', url: '/api/files?ownerType=test.case&ownerId=case-1', headers: { cookie: cookie('bob'), accept: 'application/json' } })).statusCode, 404);
  await assert.rejects(listAttachments(tp.ctx(actors.bob), { ownerType: 'test.case', ownerId: 'case-1' }), /不存在或您无权查看/);
});

test('preview: PDF and images inline under a sandboxing CSP; other types are not previewed', async () => {
  const a = (await upload('alice', { ownerType: 'test.case', ownerId: 'case-1' }, { filename: 'p.pdf', content: minimalPdf('preview') })).json() as AttachmentView;
  const res = await tp.platform.app.inject({ method: 'GET', url: `/files/${a.id}/preview`, headers: { cookie: cookie('alice') } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/pdf');
  assert.match(String(res.headers['content-disposition']), /^inline; filename="p.pdf"; filename\*=UTF-8''p\.pdf$/);
  const csp = String(res.headers['content-security-policy']);
  assert.match(csp, /(^|; )sandbox($|;)/);
  assert.match(csp, /default-src 'none'/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  const img = (await upload('alice', { ownerType: 'test.case', ownerId: 'case-1' }, { filename: 'i.png', content: PNG_1x1 })).json() as AttachmentView;
  const imgRes = await tp.platform.app.inject({ method: 'GET', url: `/files/${img.id}/preview`, headers: { cookie: cookie('alice') } });
  assert.equal(imgRes.statusCode, 200);
  assert.equal(imgRes.headers['content-type'], 'image/png');
  const doc = (await upload('alice', { ownerType: 'test.case', ownerId: 'case-1' }, { filename: 'd.docx', content: DOCX })).json() as AttachmentView;
  const docRes = await tp.platform.app.inject({ method: 'GET', url: `/files/${doc.id}/preview`, headers: { cookie: cookie('alice'), accept: 'application/json' } });
  assert.equal(docRes.statusCode, 415);
  assert.match(docRes.body, /不支持在线预览/);
  assert.equal((await tp.platform.app.inject({ method: 'GET', url: `/files/${a.id}/preview`, headers: { cookie: cookie('bob'), accept: 'application/json' } })).statusCode, 404);
});

test('public owners: anyone the policy admits may download, without logging in', async () => {
  const pdf = minimalPdf('public');
  const a = await inTransaction(tp.ctx(), (tctx) => storeAttachment(tctx, { ownerType: 'test.case', ownerId: 'public-1', name: '公开文件.pdf', content: pdf }));
  assert.equal(a.uploadedBy, null);
  const res = await tp.platform.app.inject({ method: 'GET', url: a.downloadUrl });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.rawPayload, pdf);
});

test('a blob left behind by a rolled-back transaction is swept; referenced blobs stay', async () => {
  const orphan = minimalPdf('orphan');
  const digest = sm3Hex(orphan);
  await assert.rejects(inTransaction(tp.ctx(), async (tctx) => {
    await storeAttachment(tctx, { ownerType: 'test.note', ownerId: 'n-9', name: 'o.pdf', content: orphan });
    throw new Error('the caller failed');
  }), /the caller failed/);
  assert.equal(Number((await queryOne<{ n: string | number }>(tp.database.db, sql`SELECT count(*) AS n FROM files.attachments WHERE sm3 = ${digest}`))?.n), 0);
  assert.ok(blobFiles().includes(digest), 'the blob is on disk (harmless)');
  const before = blobFiles().length;
  // Within the grace period nothing goes.
  assert.deepEqual((await sweepOrphanBlobs(tp.ctx())).removed, []);
  const swept = await sweepOrphanBlobs(tp.ctx(), { graceMs: 0 });
  assert.deepEqual(swept.removed, [digest]);
  assert.equal(blobFiles().length, before - 1);
  // Every attachment row still has its blob.
  const rows = await queryRows<{ sm3: string }>(tp.database.db, sql`SELECT DISTINCT sm3 FROM files.attachments`);
  for (const r of rows) assert.ok(blobFiles().includes(r.sm3), r.sm3);
});

test('file names are cleaned and sent back in both Content-Disposition forms', () => {
  assert.equal(sanitizeFileName('../../etc/passwd'), 'passwd');
  assert.equal(sanitizeFileName('..\\..\\boot.ini'), 'boot.ini');
  assert.equal(sanitizeFileName('a\u0000b\u202Ecod.exe'), 'abcod.exe');
  assert.equal(sanitizeFileName('...'), '未命名文件');
  assert.equal(sanitizeFileName('报告<1>.pdf'), '报告_1_.pdf');
  assert.equal(Array.from(sanitizeFileName(`${'长'.repeat(300)}.pdf`)).length, 200);
  assert.ok(sanitizeFileName(`${'长'.repeat(300)}.pdf`).endsWith('.pdf'));
  assert.equal(contentDisposition('attachment', '答复 "1".pdf'), 'attachment; filename="__ _1_.pdf"; filename*=UTF-8\'\'%E7%AD%94%E5%A4%8D%20%221%22.pdf');
});
