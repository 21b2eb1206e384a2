/**
 * Bulk import of the registries: synthetic files (generator), then
 *  - a bare COPY of the same CSV into a plain table of text columns (the reference), and
 *  - the import service (parse, validate every row, COPY into staging, INSERT … ON CONFLICT into the
 *    hash-partitioned registry with its indexes, history of changed rows, one transaction per batch),
 * on PostgreSQL (a scratch database on the server) and on PGlite (in memory, fewer rows), plus a
 * PGlite comparison of COPY FROM '/dev/blob' against multi-row INSERT for the staging step.
 *
 *   node --import tsx bench/registries-import.ts                       (10M persons, 1M entities)
 *   BENCH_PERSONS=200000 BENCH_ENTITIES=20000 BENCH_PGLITE_PERSONS=50000 node --import tsx bench/registries-import.ts
 *   BENCH_KEEP_DB=1 …   keeps the scratch database for bench/registries-lookup.ts (its URL is printed)
 *
 * Environment: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres), BENCH_DATA_DIR
 * (where the generated files go; reused when they already hold enough rows), BENCH_BATCH (20000).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { openDatabase, sql, queryOne, type Database } from '../src/platform/db/index.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { systemActor, silentLogger, type Ctx } from '../src/platform/context.ts';
import { systemClock } from '../src/platform/clock.ts';
import { inTransaction } from '../src/platform/transaction.ts';
import { copyFrom as dbCopyFrom } from '../src/platform/db/index.ts';
import { createImportJob, runImportJob, copyText, type ImportDefinition } from '../src/platform/imports/index.ts';
import { directoryModule } from '../src/modules/directory/index.ts';
import { ENTITY_IMPORT, PERSON_IMPORT, generateFiles, generatorRegions } from '../src/modules/registries/index.ts';
import { loadAverage } from './support.ts';

const PERSONS = Number(process.env.BENCH_PERSONS ?? 10_000_000);
const ENTITIES = Number(process.env.BENCH_ENTITIES ?? 1_000_000);
const PGLITE_PERSONS = Number(process.env.BENCH_PGLITE_PERSONS ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 20_000);
const SERVER = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATA = process.env.BENCH_DATA_DIR ?? path.join(os.tmpdir(), 'egov-registries-bench');

const ctxOf = (database: Database): Ctx => ({ actor: { ...systemActor, name: '基准测试' }, db: database.db, clock: systemClock, requestId: `bench:${Date.now()}`, log: silentLogger });
const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000));
const lines = (file: string) => {
  try {
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(1 << 20);
    let n = 0;
    let pos = 0;
    for (;;) {
      const got = fs.readSync(fd, buf, 0, buf.length, pos);
      if (got <= 0) break;
      for (let i = 0; i < got; i += 1) if (buf[i] === 10) n += 1;
      pos += got;
    }
    fs.closeSync(fd);
    return n - 1;
  } catch {
    return -1;
  }
};

async function prepare(database: Database): Promise<Ctx> {
  await migrate(database);
  const ctx = ctxOf(database);
  await directoryModule.seedReference!(ctx, undefined as never);
  return ctx;
}

async function ensureFiles(ctx: Ctx, dir: string, persons: number, entities: number): Promise<{ persons: string; entities: string }> {
  const p = path.join(dir, 'persons.csv');
  const e = path.join(dir, 'entities.csv');
  if (lines(p) === persons && lines(e) === entities) return { persons: p, entities: e };
  const t0 = performance.now();
  await generateFiles({ regions: await generatorRegions(ctx), persons, entities, outDir: dir, seed: 42 });
  const ms = performance.now() - t0;
  console.log(`RESULT registries-generate persons=${persons} entities=${entities} seconds=${(ms / 1000).toFixed(1)} rows_per_s=${rate(persons + entities, ms)} bytes=${fs.statSync(p).size + fs.statSync(e).size}`);
  return { persons: p, entities: e };
}

/** Reference: COPY the CSV as it is into a table of text columns, no checks, no indexes. */
async function bareCopy(url: string, file: string, columns: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const table = `bench_bare_${randomBytes(3).toString('hex')}`;
  await client.query(`CREATE TABLE ${table} (${Array.from({ length: columns }, (_, i) => `c${i} text`).join(', ')})`);
  const t0 = performance.now();
  await pipeline(fs.createReadStream(file), client.query(copyFrom(`COPY ${table} FROM STDIN (FORMAT csv, HEADER true)`)));
  const ms = performance.now() - t0;
  await client.query(`DROP TABLE ${table}`);
  await client.end();
  return ms;
}

async function runImport(ctx: Ctx, def: ImportDefinition<unknown>, file: string): Promise<{ ms: number; rows: number; inserted: number; failed: number }> {
  const job = await createImportJob(ctx, def, { filePath: file, fileName: path.basename(file), batchSize: BATCH, options: { sourceName: '基准测试' } });
  const t0 = performance.now();
  let last = 0;
  const done = await runImportJob(ctx, def, { id: job.id }, {
    onProgress: (j) => {
      if (performance.now() - last > 10_000) {
        last = performance.now();
        process.stderr.write(`  ${def.kind}: ${j.rowsRead} rows, ${rate(j.rowsRead, performance.now() - t0)} rows/s, load ${loadAverage()}\n`);
      }
    },
  });
  return { ms: performance.now() - t0, rows: done.rowsRead, inserted: done.rowsInserted, failed: done.rowsFailed };
}

async function postgres(): Promise<void> {
  const name = `egov_bench_reg_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolSize: 4 });
  try {
    const ctx = await prepare(database);
    const files = await ensureFiles(ctx, DATA, PERSONS, ENTITIES);
    const personsBytes = fs.statSync(files.persons).size;
    console.log(`# PostgreSQL ${name}: ${PERSONS} persons (${(personsBytes / 1e9).toFixed(2)} GB CSV), ${ENTITIES} entities; batch ${BATCH}; nproc ${os.cpus().length}; load ${loadAverage()}`);
    const bareP = await bareCopy(url.toString(), files.persons, PERSON_IMPORT.columns.length);
    console.log(`RESULT registries-import-bare-copy target=postgres table=persons rows=${PERSONS} seconds=${(bareP / 1000).toFixed(1)} rows_per_s=${rate(PERSONS, bareP)} load="${loadAverage()}"`);
    const imp = await runImport(ctx, PERSON_IMPORT as unknown as ImportDefinition<unknown>, files.persons);
    console.log(`RESULT registries-import target=postgres table=persons rows=${imp.rows} inserted=${imp.inserted} failed=${imp.failed} seconds=${(imp.ms / 1000).toFixed(1)} rows_per_s=${rate(imp.rows, imp.ms)} ratio_vs_bare_copy=${(imp.ms / bareP).toFixed(2)} load="${loadAverage()}"`);
    const bareE = await bareCopy(url.toString(), files.entities, ENTITY_IMPORT.columns.length);
    console.log(`RESULT registries-import-bare-copy target=postgres table=entities rows=${ENTITIES} seconds=${(bareE / 1000).toFixed(1)} rows_per_s=${rate(ENTITIES, bareE)}`);
    const impE = await runImport(ctx, ENTITY_IMPORT as unknown as ImportDefinition<unknown>, files.entities);
    console.log(`RESULT registries-import target=postgres table=entities rows=${impE.rows} inserted=${impE.inserted} failed=${impE.failed} seconds=${(impE.ms / 1000).toFixed(1)} rows_per_s=${rate(impE.rows, impE.ms)} ratio_vs_bare_copy=${(impE.ms / bareE).toFixed(2)} load="${loadAverage()}"`);
    // Idempotent re-import of a slice: every row unchanged.
    const slice = path.join(DATA, 'persons-slice.csv');
    await writeHead(files.persons, slice, 200_001);
    const again = await runImport(ctx, PERSON_IMPORT as unknown as ImportDefinition<unknown>, slice);
    console.log(`RESULT registries-reimport target=postgres table=persons rows=${again.rows} inserted=${again.inserted} seconds=${(again.ms / 1000).toFixed(1)} rows_per_s=${rate(again.rows, again.ms)} (all unchanged)`);
    const size = await queryOne<{ persons: string; entities: string }>(database.db, sql`SELECT pg_size_pretty(pg_total_relation_size('registries.persons_p00') * 16) AS persons, pg_size_pretty(pg_total_relation_size('registries.entities')) AS entities`);
    console.log(`# sizes (tables + indexes, persons estimated from one of 16 partitions): persons ${size?.persons}, entities ${size?.entities}`);
  } finally {
    await database.close();
    if (process.env.BENCH_KEEP_DB === '1') console.log(`# kept: BENCH_DB_URL=${url.toString()}`);
    else {
      const a = new pg.Client({ connectionString: SERVER });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    }
  }
}

async function writeHead(src: string, dst: string, n: number): Promise<void> {
  const out = fs.createWriteStream(dst);
  const rl = (await import('node:readline')).createInterface({ input: fs.createReadStream(src) });
  let i = 0;
  for await (const line of rl) {
    out.write(`${line}\n`);
    i += 1;
    if (i >= n) break;
  }
  rl.close();
  await new Promise((r) => out.end(r));
}

async function pglite(): Promise<void> {
  const database = await openDatabase({});
  try {
    const ctx = await prepare(database);
    const dir = path.join(DATA, `pglite-${PGLITE_PERSONS}`);
    const files = await ensureFiles(ctx, dir, PGLITE_PERSONS, Math.round(PGLITE_PERSONS / 10));
    const imp = await runImport(ctx, PERSON_IMPORT as unknown as ImportDefinition<unknown>, files.persons);
    console.log(`RESULT registries-import target=pglite table=persons rows=${imp.rows} inserted=${imp.inserted} seconds=${(imp.ms / 1000).toFixed(1)} rows_per_s=${rate(imp.rows, imp.ms)} load="${loadAverage()}"`);
    const impE = await runImport(ctx, ENTITY_IMPORT as unknown as ImportDefinition<unknown>, files.entities);
    console.log(`RESULT registries-import target=pglite table=entities rows=${impE.rows} seconds=${(impE.ms / 1000).toFixed(1)} rows_per_s=${rate(impE.rows, impE.ms)}`);
    // Staging step on PGlite: COPY FROM '/dev/blob' against multi-row INSERT (1000 rows per statement).
    const n = 50_000;
    const rows = Array.from({ length: n }, (_, i) => [`41010219900101${String(i).padStart(4, '0')}`, `姓名${i}`, '410102', `郑州市中原区测试路${i}号`]);
    await database.db.execute(sql`CREATE TABLE bench_stage (a text, b text, c text, d text)`);
    let t0 = performance.now();
    await inTransaction(ctx, async (tctx) => dbCopyFrom(tctx.db, 'COPY bench_stage (a, b, c, d) FROM STDIN', copyText(rows)));
    const copyMs = performance.now() - t0;
    t0 = performance.now();
    await inTransaction(ctx, async (tctx) => {
      for (let i = 0; i < n; i += 1000) {
        const part = rows.slice(i, i + 1000);
        await tctx.db.execute(sql`INSERT INTO bench_stage (a, b, c, d) VALUES ${sql.join(part.map((r) => sql`(${r[0]}, ${r[1]}, ${r[2]}, ${r[3]})`), sql`, `)}`);
      }
    });
    const insertMs = performance.now() - t0;
    console.log(`RESULT registries-pglite-staging rows=${n} copy_rows_per_s=${rate(n, copyMs)} multirow_insert_rows_per_s=${rate(n, insertMs)} ratio=${(insertMs / copyMs).toFixed(2)}`);
  } finally {
    await database.close();
  }
}

console.log(`# registries import benchmark; nproc ${os.cpus().length}; load ${loadAverage()}`);
if (process.env.BENCH_SKIP_PG !== '1') await postgres();
if (process.env.BENCH_SKIP_PGLITE !== '1') await pglite();
console.log(`# done; load ${loadAverage()}`);
