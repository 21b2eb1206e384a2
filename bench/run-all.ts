/**
 * Runs every benchmark in order, each in its own process, and prints their figures.
 *   npm run bench                                   (full: 10 s per HTTP case, 1M audit records)
 *   BENCH_DURATION=3 AUDIT_RECORDS=100000 npm run bench   (quick)
 *   WORKFLOW_CASES=1000000 npm run bench            (adds bench/workflow.ts as the last step)
 * The workflow benchmark loads a province of cases first (minutes on PostgreSQL, much longer on
 * PGlite), so it runs only when WORKFLOW_CASES is set; DATABASE_URL applies to it as well.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import fs from 'node:fs';
import { ROOT } from './support.ts';

const cpu = /model name\s*:\s*(.+)/.exec(fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '')?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
console.log(`# egov benchmarks — ${new Date().toISOString()}`);
console.log(`machine: ${os.availableParallelism()} CPUs (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

const runs: [string, string[]][] = [
  ['startup', ['bench/startup.ts']],
  ['http-throughput', ['bench/http-throughput.ts']],
  ['audit-verify', ['bench/audit-verify.ts', '--records', process.env.AUDIT_RECORDS ?? '1000000']],
];
if (process.env.WORKFLOW_CASES) runs.push(['workflow', ['bench/workflow.ts', '--cases', process.env.WORKFLOW_CASES]]);
else console.log('(bench/workflow.ts not run: set WORKFLOW_CASES=N to add it as the last step, e.g. WORKFLOW_CASES=1000000 with DATABASE_URL)');
let failed = 0;
for (const [name, args] of runs) {
  console.log(`\n## ${name}`);
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    failed += 1;
    console.log(`${name} FAILED (exit ${r.status ?? r.signal})`);
  }
  console.log(`(${name} took ${Math.round((Date.now() - started) / 1000)} s)`);
}
process.exit(failed ? 1 : 0);
