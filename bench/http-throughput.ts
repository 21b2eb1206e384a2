/**
 * HTTP throughput of the platform against a bare node:http server that returns the same bytes.
 * Cases: the public home page, /healthz, and with a session from the real login flow: the
 * workbench home and /api/identity/me as a clerk, the audit page and audit API as the auditor
 * (password + TOTP, demo accounts).
 *
 *   node --import tsx bench/http-throughput.ts
 *   BENCH_DURATION=3 BENCH_CONNECTIONS=50 node --import tsx bench/http-throughput.ts   (quick run)
 *
 * The platform runs as its own process (npm start on a fresh PGlite directory with demo data);
 * the load generator runs in this process. On a machine with few cores they compete for CPU.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import autocannon, { type Result } from 'autocannon';
import { ROOT, fmtMs, startPlatform, stopPlatform } from './support.ts';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, totpCode } from '../src/modules/identity/index.ts';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const warmup = Number(process.env.BENCH_WARMUP ?? 2);

interface Case {
  name: string;
  path: string;
  headers: Record<string, string>;
}

class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const value = pair.slice(i + 1);
      if (value === '') this.cookies.delete(pair.slice(0, i));
      else this.cookies.set(pair.slice(0, i), value);
    }
  }
  header(): string {
    return [...this.cookies.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const csrfOf = (body: string): string => {
  const m = /name="_csrf" value="([^"]+)"/.exec(body);
  if (!m) throw new Error('no CSRF token on page');
  return m[1];
};

/** Logs in through the real forms (password, then TOTP when asked); returns the cookie header. */
async function login(base: string, loginName: string): Promise<string> {
  const jar = new Jar();
  const page = await fetch(`${base}/login`, { headers: { accept: 'text/html' } });
  jar.take(page);
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    redirect: 'manual' as const,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header(), accept: 'text/html' },
    body: new URLSearchParams(fields).toString(),
  });
  const res = await fetch(`${base}/login`, form({ loginName, password: DEMO_PASSWORD, _csrf: csrfOf(await page.text()) }));
  if (res.status !== 303) throw new Error(`login ${loginName}: HTTP ${res.status}`);
  jar.take(res);
  if (res.headers.get('location') === '/login/totp') {
    const totpPage = await fetch(`${base}/login/totp`, { headers: { cookie: jar.header(), accept: 'text/html' } });
    jar.take(totpPage);
    const done = await fetch(`${base}/login/totp`, form({ code: totpCode(DEMO_TOTP_SECRET, new Date()), _csrf: csrfOf(await totpPage.text()) }));
    if (done.status !== 303) throw new Error(`TOTP ${loginName}: HTTP ${done.status}`);
    jar.take(done);
  }
  return jar.header();
}

async function startBare(bodyFile: string, contentType: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/bare-server.ts')], {
    env: { ...process.env, BODY_FILE: bodyFile, CONTENT_TYPE: contentType },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout! }).once('line', resolve));
  return {
    url: `http://127.0.0.1:${line.trim()}`,
    stop: () => new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

async function load(url: string, headers: Record<string, string>, seconds: number): Promise<Result> {
  return autocannon({ url, connections, duration: seconds, headers });
}

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const summary = (r: Result) => `${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-bench-http-'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-bench-bytes-'));
console.log(`# http-throughput — ${duration} s per case (after ${warmup} s warm-up), ${connections} connections, ${os.availableParallelism()} CPUs`);
const egov = await startPlatform({ DATA_DIR: dataDir, DATABASE_URL: process.env.DATABASE_URL ?? '', EGOV_SEED_DEMO: 'true', LOG_LEVEL: 'error' });
console.log(`platform ready in ${fmtMs(egov.readyMs)} at ${egov.url}`);
try {
  const clerk = await login(egov.url, 'zyclerk');
  const auditor = await login(egov.url, 'auditor');
  const cases: Case[] = [
    { name: 'public home `/`', path: '/', headers: { accept: 'text/html' } },
    { name: '`/healthz` (JSON)', path: '/healthz', headers: { accept: 'application/json' } },
    { name: 'workbench home `/workbench` (clerk session)', path: '/workbench', headers: { accept: 'text/html', cookie: clerk } },
    { name: 'API `/api/identity/me` (clerk session)', path: '/api/identity/me', headers: { accept: 'application/json', cookie: clerk } },
    { name: 'audit page `/workbench/audit` (auditor session)', path: '/workbench/audit', headers: { accept: 'text/html', cookie: auditor } },
    { name: 'API `/api/platform/audit?pageSize=20` (auditor session)', path: '/api/platform/audit?pageSize=20', headers: { accept: 'application/json', cookie: auditor } },
  ];
  const lines = [
    row(['case', 'bytes', 'egov req/s', 'egov p50 / p99 ms', 'bare req/s', 'bare p50 / p99 ms', 'egov / bare']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const c of cases) {
    const sample = await fetch(`${egov.url}${c.path}`, { headers: c.headers, redirect: 'manual' });
    const bytes = Buffer.from(await sample.arrayBuffer());
    if (sample.status !== 200) throw new Error(`${c.path}: HTTP ${sample.status} ${bytes.toString().slice(0, 200)}`);
    const file = path.join(tmp, 'body');
    fs.writeFileSync(file, bytes);
    const bare = await startBare(file, sample.headers.get('content-type') ?? 'text/html');
    try {
      await load(`${bare.url}${c.path}`, {}, warmup);
      const b = await load(`${bare.url}${c.path}`, {}, duration);
      await load(`${egov.url}${c.path}`, c.headers, warmup);
      const e = await load(`${egov.url}${c.path}`, c.headers, duration);
      const failures = e.non2xx + e.errors + e.timeouts;
      const failed = failures ? ` (${e.non2xx} non-2xx, ${e.errors} errors, ${e.timeouts} timeouts)` : '';
      console.log(`${c.name}: egov ${summary(e)}${failed}; bare ${summary(b)}`);
      lines.push(row([
        c.name,
        bytes.length,
        Math.round(e.requests.average),
        `${e.latency.p50} / ${e.latency.p99}`,
        Math.round(b.requests.average),
        `${b.latency.p50} / ${b.latency.p99}`,
        `${((e.requests.average / b.requests.average) * 100).toFixed(1)} %${failed}`,
      ]));
    } finally {
      await bare.stop();
    }
  }
  console.log(`\n${lines.join('\n')}`);
} finally {
  await stopPlatform(egov);
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
}
