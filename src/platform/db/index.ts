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
import fs from 'node:fs';
import path from 'node:path';

/** A Drizzle handle: the database itself or an open transaction. */
export type Db = PgDatabase<PgQueryResultHKT>;

export interface Database {
  kind: 'pglite' | 'postgres';
  db: Db;
  /** Runs a multi-statement SQL script in one transaction (migrations). */
  execScript(text: string): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres://… ; when absent the embedded PGlite is used. */
  url?: string;
  /** Directory for PGlite files; absent = in-memory (tests). */
  pgliteDir?: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
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
  const client = opts.pgliteDir ? new PGlite(opts.pgliteDir) : new PGlite();
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

/** Where the SQL migrations live (one folder for the whole platform, numbered). */
export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../migrations');

export { sql };
