/**
 * Electronic seals: the seal verifies, and any change to the content makes verification fail —
 * a field changed in the database, an attachment changed or added, a recipient renamed, an
 * exported file altered, re-signed with a forged hash or with a key of one's own. Verification by
 * 发文字号 + code; seal management (made once per unit, revoked, private key encrypted at rest);
 * a document tampered with between sealing and distribution is not distributed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock, type TestPlatform } from '../../../test/support/platform.ts';
import { queryOne, sql } from '../../platform/db/index.ts';
import { canonicalJson } from '../../platform/audit/chain.ts';
import { generateSm2KeyPair, sm2Sign, sm3Hex } from '../../platform/crypto/index.ts';
import { storeAttachment } from '../../platform/files/index.ts';
import {
  approveReview,
  createSeal,
  distributeDocument,
  exportDocument,
  getDocument,
  keyFingerprint,
  listSeals,
  revokeSeal,
  sealDocument,
  signDocument,
  submitDocument,
  verifyByCode,
  verifyDocument,
  verifyExported,
  type ExportedDocument,
} from './index.ts';
import { ATTACHMENT_OWNER } from './model.ts';
import { MONDAY_9, as, draft, makeWorld, postsOf, refusal, startDocumentsPlatform, type World } from './test-helpers.ts';

const clock = manualClock(MONDAY_9);
let tp: TestPlatform;
let w: World;
let hn: ReturnType<typeof postsOf>;
let zz: ReturnType<typeof postsOf>;

before(async () => {
  tp = await startDocumentsPlatform({ clock });
  w = await makeWorld(tp);
  hn = postsOf(w.province, '省政府');
  zz = postsOf(w.zhengzhou, '郑州市');
});
after(() => tp.close());

/** Drafted with an attachment, then taken to 用印 (not distributed). */
async function sealed(title = '印章测试通知'): Promise<string> {
  const id = await draft(tp, hn.drafter, w, { title });
  await storeAttachment(as(tp, hn.drafter), { ownerType: ATTACHMENT_OWNER, ownerId: id, name: '测试清单.txt', content: Buffer.from('一、测试项目\n二、测试要求\n', 'utf8') });
  await submitDocument(as(tp, hn.drafter), { documentId: id });
  await approveReview(as(tp, hn.reviewer), { documentId: id });
  await signDocument(as(tp, hn.signer), { documentId: id });
  await sealDocument(as(tp, hn.sealer), { documentId: id });
  return id;
}

const db = () => tp.database.db;

test('the seal verifies, and breaks when a field, an attachment or a recipient changes in the database', async () => {
  const id = await sealed();
  const ok = await verifyDocument(as(tp, hn.reader), { id });
  assert.equal(ok.status, 'valid', ok.problems.join('; '));
  assert.equal(ok.valid, true);
  assert.equal(ok.contentHash, ok.signedHash);
  assert.equal(ok.seal?.unitName, w.province.name);

  // A field of the document.
  await db().execute(sql`UPDATE documents.documents SET body = body || '（擅自增加的一句）' WHERE id = ${id}`);
  let r = await verifyDocument(as(tp, hn.reader), { id });
  assert.equal(r.status, 'tampered');
  assert.equal(r.valid, false);
  assert.match(r.message, /篡改/);
  assert.notEqual(r.contentHash, r.signedHash);
  await db().execute(sql`UPDATE documents.documents SET body = replace(body, '（擅自增加的一句）', '') WHERE id = ${id}`);
  assert.equal((await verifyDocument(as(tp, hn.reader), { id })).status, 'valid', 'undoing the change restores it: the check is exact');

  // The date, a header field.
  await db().execute(sql`UPDATE documents.documents SET written_date = written_date - 1 WHERE id = ${id}`);
  assert.equal((await verifyDocument(as(tp, hn.reader), { id })).status, 'tampered');
  await db().execute(sql`UPDATE documents.documents SET written_date = written_date + 1 WHERE id = ${id}`);

  // An attachment's content (its SM3), then an attachment added behind the seal's back.
  const att = await queryOne<{ id: string; sm3: string }>(db(), sql`SELECT id, sm3 FROM files.attachments WHERE owner_type = ${ATTACHMENT_OWNER} AND owner_id = ${id}`);
  await db().execute(sql`UPDATE files.attachments SET sm3 = ${sm3Hex('另一份文件')} WHERE id = ${att!.id}`);
  assert.equal((await verifyDocument(as(tp, hn.reader), { id })).status, 'tampered');
  await db().execute(sql`UPDATE files.attachments SET sm3 = ${att!.sm3} WHERE id = ${att!.id}`);
  assert.equal((await verifyDocument(as(tp, hn.reader), { id })).status, 'valid');
  await storeAttachment(tp.ctx(), { ownerType: ATTACHMENT_OWNER, ownerId: id, name: '夹带.txt', content: Buffer.from('夹带的内容', 'utf8') });
  assert.equal((await verifyDocument(as(tp, hn.reader), { id })).status, 'tampered');
  await db().execute(sql`DELETE FROM files.attachments WHERE owner_id = ${id} AND original_name = '夹带.txt'`);

  // A recipient's name.
  await db().execute(sql`UPDATE documents.recipients SET unit_name = '某某市人民政府' WHERE document_id = ${id} AND unit_id = ${w.luoyang.id}`);
  assert.equal((await verifyDocument(as(tp, hn.reader), { id })).status, 'tampered');
  await db().execute(sql`UPDATE documents.recipients SET unit_name = ${w.luoyang.name} WHERE document_id = ${id} AND unit_id = ${w.luoyang.id}`);

  // Forging the stored hash to match changed content: the signature no longer fits.
  await db().execute(sql`UPDATE documents.documents SET title = '篡改后的标题' WHERE id = ${id}`);
  const doc = await getDocument(as(tp, hn.reader), { id });
  const forged = (await verifyDocument(as(tp, hn.reader), { id })).contentHash!;
  await db().execute(sql`UPDATE documents.sealings SET content_hash = ${forged} WHERE document_id = ${id}`);
  r = await verifyDocument(as(tp, hn.reader), { id });
  assert.equal(r.status, 'bad_signature', `${doc.title}: ${r.problems.join('; ')}`);

  // Such a document is not distributed.
  const err = await refusal(() => distributeDocument(as(tp, hn.sealer), { documentId: id }));
  assert.equal(err.code, 'seal_invalid');
  assert.equal((await getDocument(as(tp, hn.reader), { id })).state, 'distributing');
});

test('verification by 发文字号 and code, as printed; wrong codes find nothing', async () => {
  const id = await sealed('验证码测试');
  const d = await getDocument(as(tp, hn.reader), { id });
  const r = await verifyByCode(tp.ctx(), { number: d.docNumber!, code: d.seal!.verificationCode! });
  assert.equal(r.status, 'valid');
  assert.equal(r.document?.title, '验证码测试');
  const typed = await verifyByCode(tp.ctx(), { number: d.docNumber!.replace('〔', '[').replace('〕', ']'), code: d.seal!.verificationCode!.toLowerCase().replace(/-/g, ' ') });
  assert.equal(typed.status, 'valid', 'brackets, case and separators as people type them');
  assert.equal((await verifyByCode(tp.ctx(), { number: d.docNumber!, code: '0000-0000-0000-0000' })).status, 'not_found');
  assert.equal((await verifyByCode(tp.ctx(), { number: '豫政〔2099〕1号', code: d.seal!.verificationCode! })).status, 'not_found');
  await db().execute(sql`UPDATE documents.documents SET note = '改过的附注' WHERE id = ${id}`);
  assert.equal((await verifyByCode(tp.ctx(), { number: d.docNumber!, code: d.seal!.verificationCode! })).status, 'tampered');
});

test('the exported file verifies; altered, re-hashed or re-signed with another key, it does not', async () => {
  const id = await sealed('导出测试');
  const exported = await exportDocument(as(tp, hn.reader), { id });
  const roundTrip = JSON.parse(JSON.stringify(exported)) as ExportedDocument;
  assert.equal((await verifyExported(tp.ctx(), roundTrip)).status, 'valid');

  const altered = structuredClone(roundTrip);
  altered.content.body = altered.content.body.replace('认真测试', '不必测试');
  const r = await verifyExported(tp.ctx(), altered);
  assert.equal(r.status, 'tampered');
  assert.equal(r.valid, false);

  const altAttachment = structuredClone(roundTrip);
  altAttachment.content.attachments[0].sm3 = sm3Hex('别的文件');
  assert.equal((await verifyExported(tp.ctx(), altAttachment)).status, 'tampered');

  const rehashed = structuredClone(altered);
  rehashed.seal.contentHash = sm3Hex(canonicalJson(rehashed.content));
  assert.equal((await verifyExported(tp.ctx(), rehashed)).status, 'bad_signature');

  const own = generateSm2KeyPair();
  const resigned = structuredClone(rehashed);
  resigned.seal.signature = sm2Sign(own.privateKeyPem, resigned.seal.contentHash);
  resigned.seal.publicKeyPem = own.publicKeyPem;
  resigned.seal.keyFingerprint = keyFingerprint(own.publicKeyPem);
  const forged = await verifyExported(tp.ctx(), resigned);
  assert.equal(forged.status, 'unknown_seal', 'a key the platform does not know is no seal');

  // Another unit's genuine seal does not vouch for this unit's document.
  const zzSeal = await createSeal(as(tp, zz.sealer), { unitId: w.zhengzhou.id });
  assert.ok(zzSeal.fingerprint);
  assert.equal((await verifyExported(tp.ctx(), { ...roundTrip, content: { ...roundTrip.content, sendingUnit: { id: w.zhengzhou.id, name: w.zhengzhou.name } } })).status, 'tampered');

  assert.equal((await verifyExported(tp.ctx(), { format: 'other' })).status, 'malformed');
  assert.equal((await verifyExported(tp.ctx(), null)).status, 'malformed');
});

test('seals: one per unit, made by its seal managers, private key encrypted at rest; revoked seals still verify earlier documents', async () => {
  const id = await sealed('注销前用印');
  const { seals } = await listSeals(as(tp, hn.sealer));
  const seal = seals.find((s) => s.unitId === w.province.id && !s.revokedAt)!;
  assert.ok(seal, 'made automatically at the first sealing');
  const stored = await queryOne<{ private_key_sealed: string; public_key_pem: string }>(db(), sql`SELECT private_key_sealed, public_key_pem FROM documents.seals WHERE id = ${seal.id}`);
  assert.doesNotMatch(stored!.private_key_sealed, /PRIVATE KEY/);
  assert.match(stored!.public_key_pem, /BEGIN PUBLIC KEY/);
  assert.equal(seal.fingerprint, keyFingerprint(stored!.public_key_pem));

  assert.equal((await refusal(() => createSeal(as(tp, hn.sealer), { unitId: w.province.id }))).code, 'seal_exists');
  assert.equal((await refusal(() => createSeal(as(tp, hn.signer), { unitId: w.province.id }))).status, 403);
  assert.equal((await refusal(() => createSeal(as(tp, hn.sealer), { unitId: w.luoyang.id }))).status, 403);
  assert.equal((await refusal(() => revokeSeal(as(tp, zz.sealer), { sealId: seal.id, reason: '测试' }))).status, 404);
  assert.equal((await refusal(() => revokeSeal(as(tp, hn.sealer), { sealId: seal.id, reason: ' ' }))).code, 'validation_failed');

  clock.set(new Date(MONDAY_9.getTime() + 3_600_000));
  await revokeSeal(as(tp, hn.sealer), { sealId: seal.id, reason: '密钥轮换' });
  const before = await verifyDocument(as(tp, hn.reader), { id });
  assert.equal(before.status, 'valid', 'sealed before the revocation');
  assert.ok(before.seal?.revokedAt);

  // The next sealing makes a new seal; both documents verify, each with its own key.
  const next = await sealed('注销后用印');
  const after = await verifyDocument(as(tp, hn.reader), { id: next });
  assert.equal(after.status, 'valid');
  assert.notEqual(after.seal?.fingerprint, seal.fingerprint);

  // A seal revoked before the sealing time does not vouch for it.
  await db().execute(sql`UPDATE documents.seals SET revoked_at = ${new Date(MONDAY_9.getTime() - 1000).toISOString()} WHERE id = ${seal.id}`);
  assert.equal((await verifyDocument(as(tp, hn.reader), { id })).status, 'revoked');
  clock.set(MONDAY_9);
});

test('two first sealings of a unit at the same time make one seal and both use it', async () => {
  const ly = postsOf(w.luoyang, '洛阳市');
  const ids: string[] = [];
  for (const title of ['并发用印 A', '并发用印 B']) {
    const id = await draft(tp, ly.drafter, w, { title, unitId: w.luoyang.id, numberPrefix: '洛政', mainRecipientIds: [w.zhengzhou.id] });
    await submitDocument(as(tp, ly.drafter), { documentId: id });
    await approveReview(as(tp, ly.reviewer), { documentId: id });
    await signDocument(as(tp, ly.signer), { documentId: id });
    ids.push(id);
  }
  await Promise.all(ids.map((documentId) => sealDocument(as(tp, ly.sealer), { documentId })));
  const results = await Promise.all(ids.map((id) => verifyDocument(as(tp, ly.reader), { id })));
  assert.deepEqual(results.map((r) => r.status), ['valid', 'valid']);
  assert.equal(results[0].seal?.fingerprint, results[1].seal?.fingerprint);
  const n = await queryOne<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM documents.seals WHERE unit_id = ${w.luoyang.id}`);
  assert.equal(n?.n, 1);
});
