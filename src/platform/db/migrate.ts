/**
 * Applies migrations/NNNN_name.sql in order, each in its own transaction, recorded with its SM3
 * checksum. A landed migration that was edited afterwards stops the start with a clear error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS_DIR, queryRows, sql, type Database } from './index.ts';
import { sm3Hex } from '../crypto/index.ts';

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

const BOOTSTRAP = `
CREATE SCHEMA IF NOT EXISTS platform;
CREATE TABLE IF NOT EXISTS platform.schema_migrations (
  name text PRIMARY KEY,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE platform.schema_migrations IS '已执行的数据库迁移 (applied SQL migrations)';
COMMENT ON COLUMN platform.schema_migrations.name IS '迁移文件名 (migration file name)';
COMMENT ON COLUMN platform.schema_migrations.checksum IS '文件内容的 SM3 摘要, 检测已落地迁移被修改';
COMMENT ON COLUMN platform.schema_migrations.applied_at IS '执行时间';
`;

export function listMigrationFiles(dir = MIGRATIONS_DIR): { name: string; text: string; checksum: string }[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      return { name, text, checksum: sm3Hex(text) };
    });
}

export async function migrate(database: Database, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  // Serialise concurrent starters (several web processes on one server).
  await database.execScript(`SELECT pg_advisory_xact_lock(724200); ${BOOTSTRAP}`);
  const files = listMigrationFiles(dir);
  const applied: string[] = [];
  let alreadyApplied = 0;
  for (const file of files) {
    const done = await queryRows<{ checksum: string }>(
      database.db,
      sql`SELECT checksum FROM platform.schema_migrations WHERE name = ${file.name}`,
    );
    if (done.length > 0) {
      if (done[0].checksum !== file.checksum) {
        throw new Error(`迁移 ${file.name} 已执行但文件内容被修改 (checksum mismatch); 已落地的迁移不可编辑, 请新增迁移文件`);
      }
      alreadyApplied += 1;
      continue;
    }
    const escapedName = file.name.replace(/'/g, "''");
    await database.execScript(
      `SELECT pg_advisory_xact_lock(724200);
       DO $$ BEGIN
         IF EXISTS (SELECT 1 FROM platform.schema_migrations WHERE name = '${escapedName}') THEN
           RAISE EXCEPTION 'migration already applied concurrently';
         END IF;
       END $$;
       ${file.text}
       ;INSERT INTO platform.schema_migrations (name, checksum) VALUES ('${escapedName}', '${file.checksum}');`,
    );
    applied.push(file.name);
  }
  return { applied, alreadyApplied };
}
