/**
 * Database access: the same Drizzle API over PGlite (embedded, in-process PostgreSQL) or a
 * PostgreSQL server (DATABASE_URL). Modules receive `Db` through ctx and never open their own.
 */
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import { from as copyFromStream } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import fs from 'node:fs';
import path from 'node:path';

/** A Drizzle handle: the database itself or an open transaction. */
export type Db = PgDatabase<PgQueryResultHKT>;

export interface Database {
  kind: 'pglite' | 'postgres';
  db: Db;
  /** Runs a multi-statement SQL script in one transaction (migrations). */
  execScript(text: string): Promise<void>;
  /** PGlite only: a dump of the data directory (loadable through OpenOptions.pgliteSnapshot). */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres://… ; when absent the embedded PGlite is used. */
  url?: string;
  /** Directory for PGlite files; absent = in-memory (tests). */
  pgliteDir?: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
  /** In-memory PGlite only: start from this data directory dump (`dumpDataDir`) instead of a fresh cluster (test runs; skips initdb). */
  pgliteSnapshot?: Blob;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.url) {
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10 });
    // Timestamps travel as ISO strings with zone; bigint (int8) counts come back as numbers when safe.
    pool.on('error', () => undefined);
    const db = drizzlePg(pool) as unknown as Db;
    return {
      kind: 'postgres',
      db,
      async execScript(text) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(text);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        } finally {
          client.release();
        }
      },
      close: () => pool.end(),
    };
  }
  if (opts.pgliteDir) fs.mkdirSync(opts.pgliteDir, { recursive: true });
  const client = opts.pgliteDir ? new PGlite(opts.pgliteDir) : new PGlite(opts.pgliteSnapshot ? { loadDataDir: opts.pgliteSnapshot } : {});
  await client.waitReady;
  const db = drizzlePglite(client) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    async execScript(text) {
      await client.transaction(async (tx) => {
        await tx.exec(text);
      });
    },
    dumpDataDir: async () => (await client.dumpDataDir('none')) as Blob,
    close: () => client.close(),
  };
}

/** Runs a query and returns its rows, on either driver. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

export async function queryOne<T>(db: Db, query: SQL): Promise<T | undefined> {
  return (await queryRows<T>(db, query))[0];
}

/**
 * `COPY … FROM STDIN` inside an open transaction `db` (the handle inTransaction gives): text-format
 * rows streamed to the server. PostgreSQL: pg-copy-streams on the transaction's client. PGlite: the
 * same statement with `FROM '/dev/blob'` and the data as a Blob (PGlite has no STDIN). Used by the
 * bulk import service (src/platform/imports); `statement` must name its columns and say FROM STDIN.
 */
export async function copyFrom(db: Db, statement: string, data: Buffer | string): Promise<void> {
  if (!/FROM STDIN/i.test(statement)) throw new Error('copyFrom: the statement must read FROM STDIN');
  const client = (db as unknown as { session?: { client?: unknown } }).session?.client as
    | { query: (...args: unknown[]) => unknown; release?: unknown; connection?: unknown }
    | undefined;
  if (!client) throw new Error('copyFrom: not a database handle of this platform');
  if (client instanceof pg.Pool) throw new Error('copyFrom: call inside inTransaction() (a pool has no single connection)');
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (client instanceof pg.Client || 'connection' in client) {
    const stream = (client as pg.PoolClient).query(copyFromStream(statement));
    await pipeline(Readable.from([buf]), stream);
    return;
  }
  // PGlite (the instance or one of its transactions)
  const pglite = client as { query: (q: string, p: unknown[], o: { blob: Blob }) => Promise<unknown> };
  await pglite.query(statement.replace(/FROM STDIN/i, "FROM '/dev/blob'"), [], { blob: new Blob([new Uint8Array(buf) as Uint8Array<ArrayBuffer>]) });
}

/** Where the SQL migrations live (one folder for the whole platform, numbered). */
export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../migrations');

export { sql };
