/**
 * 发文字号 are gapless and never duplicated: concurrent sign-offs of one unit and prefix take turns
 * on the sequence row (on PostgreSQL really at the same time: both wait on the row lock held by a
 * third transaction, then go on); a refused sign-off gives its number back; separate sequences per
 * prefix and per year.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { manualClock, type TestPlatform } from '../../../test/support/platform.ts';
import { queryRows, sql } from '../../platform/db/index.ts';
import { approveReview, getDocument, signDocument, submitDocument } from './index.ts';
import { MONDAY_9, as, cst, draft, makeWorld, postsOf, refusal, startDocumentsPlatform, type World } from './test-helpers.ts';
import type { DraftInput } from './services/outgoing.ts';

const clock = manualClock(MONDAY_9);
let tp: TestPlatform;
let w: World;
let hn: ReturnType<typeof postsOf>;

before(async () => {
  tp = await startDocumentsPlatform({ clock });
  w = await makeWorld(tp);
  hn = postsOf(w.province, '省政府');
});
after(() => tp.close());

/** A document waiting for 签发. */
async function atSigning(over: Partial<DraftInput> = {}): Promise<string> {
  const id = await draft(tp, hn.drafter, w, over);
  await submitDocument(as(tp, hn.drafter), { documentId: id });
  await approveReview(as(tp, hn.reviewer), { documentId: id });
  return id;
}

const numberOf = async (id: string) => (await getDocument(as(tp, hn.reader), { id })).docNumber;
const seqs = (numbers: (string | null)[], prefix: string, year: number) =>
  numbers.map((n) => Number(new RegExp(`^${prefix}〔${year}〕(\\d+)号$`).exec(n ?? '')?.[1] ?? NaN)).sort((a, b) => a - b);

test('concurrent sign-offs of one unit and prefix get consecutive numbers, none twice, none skipped', async () => {
  clock.set(MONDAY_9);
  const ids = [];
  for (let i = 0; i < 6; i += 1) ids.push(await atSigning({ numberPrefix: '豫政并', title: `并发编号 ${i}` }));
  await Promise.all(ids.map((documentId) => signDocument(as(tp, hn.signer), { documentId })));
  const numbers = await Promise.all(ids.map(numberOf));
  assert.deepEqual(seqs(numbers, '豫政并', 2026), [1, 2, 3, 4, 5, 6]);
  const row = await queryRows<{ last_number: number }>(tp.database.db, sql`SELECT last_number FROM documents.number_sequences WHERE unit_id = ${w.province.id} AND prefix = '豫政并' AND year = 2026`);
  assert.equal(Number(row[0].last_number), 6);
});

test('on PostgreSQL: two sign-offs wait together on the locked sequence row, then both get a number', { skip: !process.env.EGOV_TEST_DATABASE_URL && 'PostgreSQL only (PGlite runs one transaction at a time)' }, async () => {
  clock.set(MONDAY_9);
  const a = await atSigning({ numberPrefix: '豫政锁', title: '锁等待 A' });
  const b = await atSigning({ numberPrefix: '豫政锁', title: '锁等待 B' });
  const first = await atSigning({ numberPrefix: '豫政锁', title: '锁等待 0' });
  await signDocument(as(tp, hn.signer), { documentId: first }); // the row exists: 1 used

  // A third party holds the sequence row; both sign-offs must queue behind it at the same time.
  const url = (await queryRows<{ db: string }>(tp.database.db, sql`SELECT current_database() AS db`))[0].db;
  const server = new URL(process.env.EGOV_TEST_DATABASE_URL!);
  server.pathname = `/${url}`;
  const holder = new pg.Client({ connectionString: server.toString() });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(`SELECT last_number FROM documents.number_sequences WHERE unit_id = $1 AND prefix = '豫政锁' AND year = 2026 FOR UPDATE`, [w.province.id]);
    const both = Promise.all([a, b].map((documentId) => signDocument(as(tp, hn.signer), { documentId })));
    // Wait (bounded, no timing assertion) until two other backends are blocked on a lock.
    let waiting = 0;
    for (let i = 0; i < 400 && waiting < 2; i += 1) {
      const r = await holder.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`);
      waiting = r.rows[0].n;
      if (waiting < 2) await new Promise((res) => setTimeout(res, 25));
    }
    assert.equal(waiting, 2, 'both sign-offs were in flight at once, blocked on the sequence row');
    await holder.query('COMMIT');
    await both;
  } finally {
    await holder.end();
  }
  assert.deepEqual(seqs([await numberOf(first), await numberOf(a), await numberOf(b)], '豫政锁', 2026), [1, 2, 3]);
});

test('a refused sign-off gives its number back; prefixes and years have their own sequences', async () => {
  clock.set(MONDAY_9);
  const x = await atSigning({ numberPrefix: '豫政退', title: '回滚 X' });
  const y = await atSigning({ numberPrefix: '豫政退', title: '回滚 Y' });
  // The engine refuses after the number was taken (the case is claimed by someone else): all of it rolls back.
  const d = await getDocument(as(tp, hn.signer), { id: x });
  const { claimCase } = await import('../../platform/workflow/index.ts');
  const otherSigner = postsOf(w.province, '另一').signer;
  await claimCase(as(tp, otherSigner), { caseId: d.caseId! });
  const err = await refusal(() => signDocument(as(tp, hn.signer), { documentId: x }));
  assert.equal(err.code, 'case_taken');
  assert.equal(await numberOf(x), null);
  await signDocument(as(tp, hn.signer), { documentId: y });
  assert.equal(await numberOf(y), '豫政退〔2026〕1号', 'the refused sign-off did not use up number 1');
  await signDocument(as(tp, otherSigner), { documentId: x });
  assert.equal(await numberOf(x), '豫政退〔2026〕2号');

  const other = await atSigning({ numberPrefix: '豫政办', title: '另一代字' });
  await signDocument(as(tp, hn.signer), { documentId: other });
  assert.equal(await numberOf(other), '豫政办〔2026〕1号');

  clock.set(cst('2027-01-04T09:00'));
  const nextYear = await atSigning({ numberPrefix: '豫政退', title: '次年' }).catch((e: Error) => e);
  if (nextYear instanceof Error) {
    // The calendar may not know next year's holidays yet: then the flow refuses, which is the rule.
    assert.match(nextYear.message, /节假日/);
  } else {
    await signDocument(as(tp, hn.signer), { documentId: nextYear });
    assert.equal(await numberOf(nextYear), '豫政退〔2027〕1号');
  }
  clock.set(MONDAY_9);
});
