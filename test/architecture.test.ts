/**
 * Rules of the house that code review alone would miss:
 * - a module imports only platform/ and other modules' index.ts (DESIGN rule 1);
 * - platform/ knows no module;
 * - every column of every table has a comment (migrations are documentation);
 * - a route without a declared permission scope stops the start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTestPlatform } from './support/platform.ts';
import { queryRows, sql } from '../src/platform/db/index.ts';
import { modules } from '../src/modules/index.ts';
import type { ModuleDefinition } from '../src/platform/module.ts';

const SRC = path.resolve(import.meta.dirname, '../src');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1] ?? m[2]);
  return out.filter((s) => s.startsWith('.'));
}

export function boundaryViolations(srcDir: string): string[] {
  const violations: string[] = [];
  for (const file of tsFiles(srcDir)) {
    const rel = path.relative(srcDir, file);
    const [top, owner] = rel.split(path.sep);
    // Tests may boot the whole platform (the module list) and log in, so platform tests may use modules.
    const isTest = file.endsWith('.test.ts');
    for (const spec of importsOf(file)) {
      const target = path.relative(srcDir, path.resolve(path.dirname(file), spec));
      const [tTop, tModule, ...rest] = target.split(path.sep);
      if (isTest && tTop === 'modules' && (tModule === 'index.ts' || (top === 'platform' && rest.length === 1 && rest[0] === 'index.ts'))) continue;
      if (top === 'platform' && tTop === 'modules') violations.push(`${rel}: platform imports a module (${spec})`);
      if (top === 'modules' && tTop === 'modules' && tModule !== owner && owner !== 'index.ts' && !(rest.length === 1 && rest[0] === 'index.ts')) {
        violations.push(`${rel}: imports ${target}, an internal file of module ${tModule}; import its index.ts instead`);
      }
    }
  }
  return violations;
}

test('modules import only platform/ and other modules\' index.ts; platform imports no module', () => {
  assert.deepEqual(boundaryViolations(SRC), []);
});

test('the boundary check catches a violation', () => {
  const tmp = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'egov-arch-'));
  fs.mkdirSync(path.join(tmp, 'modules/a'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'modules/b'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'platform'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'modules/a/service.ts'), "import { x } from '../b/tables.ts';\nimport { y } from '../b/index.ts';\n");
  fs.writeFileSync(path.join(tmp, 'modules/b/index.ts'), 'export const y = 1;\n');
  fs.writeFileSync(path.join(tmp, 'modules/b/tables.ts'), 'export const x = 1;\n');
  fs.writeFileSync(path.join(tmp, 'platform/http.ts'), "import { y } from '../modules/b/index.ts';\n");
  const v = boundaryViolations(tmp);
  assert.equal(v.length, 2, v.join('\n'));
  assert.ok(v.some((s) => s.includes('modules/b/tables.ts')));
  assert.ok(v.some((s) => s.includes('platform imports a module')));
  fs.rmSync(tmp, { recursive: true });
});

// A partitioned table is documented once, on its parent; its partitions (made by jobs, month by month) carry no comments.
test('every table and column created by the migrations has a comment', async () => {
  const tp = await startTestPlatform();
  try {
    const missing = await queryRows<{ table_schema: string; table_name: string; column_name: string }>(
      tp.database.db,
      sql`SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c
          JOIN pg_class t ON t.relname = c.table_name JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = c.table_schema
          WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema', 'public') AND t.relkind IN ('r', 'p') AND NOT t.relispartition
            AND col_description(t.oid, c.ordinal_position) IS NULL`,
    );
    assert.deepEqual(missing.map((m) => `${m.table_schema}.${m.table_name}.${m.column_name}`), []);
    const tables = await queryRows<{ name: string }>(
      tp.database.db,
      sql`SELECT n.nspname || '.' || t.relname AS name FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace
          WHERE t.relkind IN ('r', 'p') AND NOT t.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND obj_description(t.oid, 'pg_class') IS NULL`,
    );
    assert.deepEqual(tables.map((t) => t.name), []);
  } finally {
    await tp.close();
  }
});

test('a route that declares no permission scope stops the platform from starting', async () => {
  const rogue: ModuleDefinition = {
    name: 'rogue',
    scopes: [],
    registerRoutes(app) {
      app.get('/rogue', async () => 'no scope');
    },
  };
  await assert.rejects(() => startTestPlatform({ modules: [...modules, rogue] }), /declares no permission scope/);
});
