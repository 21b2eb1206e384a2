/**
 * Start-up time of `npm start` on a fresh data directory (migrations + reference and demo data)
 * and on the same directory again (later starts), until /healthz answers 200 and / returns a page.
 *
 *   node --import tsx bench/startup.ts [--later N]       (default 3 later starts)
 *
 * With DATABASE_URL set, the PostgreSQL database it names is used instead of PGlite; it should be
 * empty for the first-start figure to mean anything.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, fmtMs, median, startPlatform, stopPlatform } from './support.ts';

const FIRST_TARGET_MS = 30_000;
const LATER_TARGET_MS = 5_000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const laterRuns = arg('later', 3);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-bench-start-'));
const env = { DATA_DIR: dataDir, DATABASE_URL: process.env.DATABASE_URL ?? '', EGOV_SEED_DEMO: 'true' };
const where = process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${dataDir}`;

try {
  console.log(`# startup — ${where}`);
  const first = await startPlatform(env);
  if (!/demo data loaded/.test(first.output())) console.log('  (note: the first start did not report loading demo data)');
  await stopPlatform(first);
  console.log(`first start (migrations + reference + demo data): ${fmtMs(first.readyMs)}  target < ${fmtMs(FIRST_TARGET_MS)}  ${first.readyMs < FIRST_TARGET_MS ? 'OK' : 'OVER'}`);
  const later: number[] = [];
  for (let i = 0; i < laterRuns; i += 1) {
    const s = await startPlatform(env);
    await stopPlatform(s);
    later.push(s.readyMs);
    console.log(`later start ${i + 1}: ${fmtMs(s.readyMs)}`);
  }
  const m = median(later);
  console.log(`later start, median of ${laterRuns}: ${fmtMs(m)}  target < ${fmtMs(LATER_TARGET_MS)}  ${m < LATER_TARGET_MS ? 'OK' : 'OVER'}`);
  if (!process.env.DATABASE_URL) {
    const phasesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-bench-phases-'));
    for (const label of ['first start', 'later start']) {
      console.log(`phases, ${label} (in one process, no HTTP listener):`);
      spawnSync(process.execPath, ['--import', 'tsx', 'bench/startup-phases.ts'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env, DATA_DIR: phasesDir } });
    }
    fs.rmSync(phasesDir, { recursive: true, force: true });
  }
  console.log(`RESULT startup first_ms=${Math.round(first.readyMs)} later_median_ms=${Math.round(m)} later_ms=${later.map(Math.round).join(',')}`);
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
