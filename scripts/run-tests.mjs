#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (through tsx).
// EGOV_TEST_DATABASE_URL=postgres://… makes each test file use a fresh database on that server.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';

function find(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : find(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const filter = process.argv.slice(2);
let files = [...find('src'), ...find('test')].sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// On PGlite, every test file starts from one migrated cluster prepared here (initdb and the
// migrations once per run instead of once per file); a file run on its own migrates itself.
const env = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' };
let snapshotDir = null;
if (!process.env.EGOV_TEST_DATABASE_URL && !process.env.EGOV_TEST_PGLITE_SNAPSHOT) {
  snapshotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-test-snapshot-'));
  const file = path.join(snapshotDir, 'migrated.tar');
  const prep = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/pglite-snapshot.ts', file], { stdio: 'inherit', env });
  if (prep.status !== 0) {
    console.error('could not prepare the migrated PGlite snapshot');
    process.exit(prep.status ?? 1);
  }
  env.EGOV_TEST_PGLITE_SNAPSHOT = file;
}
const concurrency = process.env.EGOV_TEST_CONCURRENCY ?? String(Math.max(2, os.availableParallelism()));
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env,
});
if (snapshotDir) fs.rmSync(snapshotDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
