/**
 * The whole flow survives restarts: the platform is stopped and a new one booted on the same
 * database (PGlite: a directory on disk; PostgreSQL: the same database through a new pool) after
 * 签发, and again while an incoming document waits in 承办 with its escalation timer pending. The
 * second and third platforms register the same definitions, find the cases where they were, verify
 * the seal with the key kept in the database, and fire the timer that was scheduled before the restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { manualClock, scratchPostgresDatabase, type TestPlatform } from '../../../test/support/platform.ts';
import { openDatabase, queryOne, sql, type Database } from '../../platform/db/index.ts';
import { listInbox, runDueTimers } from '../../platform/workflow/index.ts';
import {
  approveReview,
  completeIncoming,
  distributeDocument,
  fileIncoming,
  getDocument,
  getIncoming,
  instructIncoming,
  proposeIncoming,
  registerIncoming,
  sealDocument,
  signDocument,
  submitDocument,
  verifyDocument,
} from './index.ts';
import { MONDAY_9, as, cst, draft, makeWorld, postsOf, startDocumentsPlatform, type World } from './test-helpers.ts';

/** A database that can be closed and opened again: a PGlite directory, or a scratch PostgreSQL database. */
async function reopenableDatabase(): Promise<{ open(): Promise<Database>; dispose(): Promise<void> }> {
  const server = process.env.EGOV_TEST_DATABASE_URL;
  if (server) {
    const scratch = await scratchPostgresDatabase(server);
    return { open: () => openDatabase({ url: scratch.url, poolSize: 5 }), dispose: scratch.drop };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-documents-restart-'));
  return { open: () => openDatabase({ pgliteDir: dir }), dispose: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test('draft → sign | restart | seal → distribute → register → instruct | restart | escalation fires → handle → file', { timeout: 300_000 }, async () => {
  const clock = manualClock(MONDAY_9);
  const store = await reopenableDatabase();
  let database: Database | null = null;
  let tp: TestPlatform | null = null;
  const boot = async () => {
    database = await store.open();
    tp = await startDocumentsPlatform({ clock, database });
    return tp;
  };
  const stop = async () => {
    await tp?.close();
    await database?.close();
    tp = null;
    database = null;
  };
  try {
    // First platform: up to 签发.
    let p = await boot();
    const w: World = await makeWorld(p);
    const hn = postsOf(w.province, '省政府');
    const zz = postsOf(w.zhengzhou, '郑州市');
    const id = await draft(p, hn.drafter, w, { urgency: 'urgent', title: '重启测试通知' });
    await submitDocument(as(p, hn.drafter), { documentId: id });
    await approveReview(as(p, hn.reviewer), { documentId: id });
    await signDocument(as(p, hn.signer), { documentId: id });
    const number = (await getDocument(as(p, hn.reader), { id })).docNumber;
    await stop();

    // Second platform: the case waits at 用印 where it was.
    p = await boot();
    let d = await getDocument(as(p, hn.sealer), { id });
    assert.equal(d.state, 'sealing');
    assert.equal(d.docNumber, number);
    await sealDocument(as(p, hn.sealer), { documentId: id });
    await distributeDocument(as(p, hn.sealer), { documentId: id });
    const zzIn = (await queryOne<{ id: string }>(p.database.db, sql`SELECT id FROM documents.incoming WHERE document_id = ${id} AND recipient_unit_id = ${w.zhengzhou.id}`))!.id;
    assert.ok((await listInbox(as(p, zz.clerk), { box: 'todo' })).items.some((c) => c.subject.id === zzIn));
    await registerIncoming(as(p, zz.clerk), { incomingId: zzIn });
    await proposeIncoming(as(p, zz.handler), { incomingId: zzIn, proposal: '拟由办公室办理' });
    await instructIncoming(as(p, zz.leader), { incomingId: zzIn, instruction: '请办公室办理' });
    const deadline = (await getIncoming(as(p, zz.leader), { id: zzIn })).deadline;
    assert.equal(deadline, cst('2026-03-05T17:00').toISOString(), '加急: 3 working days');
    await stop();

    // Third platform: the seal still verifies (keys and secrets live in the database); the timer fires.
    p = await boot();
    assert.equal((await verifyDocument(as(p, hn.reader), { id })).status, 'valid');
    d = await getDocument(as(p, hn.drafter), { id });
    assert.equal(d.receipts?.find((r) => r.unitId === w.zhengzhou.id)?.registrationNumber, '收文〔2026〕1号');
    clock.set(cst('2026-03-05T17:05'));
    const fired = await runDueTimers(p.ctx());
    assert.ok(fired.fired >= 1, 'the escalation scheduled before the restart fires after it');
    let view = await getIncoming(as(p, zz.leader), { id: zzIn });
    assert.equal(view.escalated, true);
    assert.ok((await listInbox(as(p, zz.leader), { box: 'overdue' })).items.some((c) => c.id === view.caseId));
    await completeIncoming(as(p, zz.handler), { incomingId: zzIn, result: '已办理' });
    await fileIncoming(as(p, zz.clerk), { incomingId: zzIn });
    view = await getIncoming(as(p, zz.clerk), { id: zzIn });
    assert.equal(view.state, 'filed');
    assert.equal(view.late, true);
  } finally {
    await stop();
    await store.dispose();
  }
});
