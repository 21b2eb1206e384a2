/**
 * Helpers shared by the benchmarks: free ports, starting and stopping the platform as a child
 * process exactly as `npm start` does, and waiting until it serves; percentiles, numeric
 * command-line flags and the load average printed with each figure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface Server {
  child: ChildProcess;
  url: string;
  /** Milliseconds from spawn until /healthz answered 200 and / returned a page. */
  readyMs: number;
  output(): string;
}

async function answers(url: string, wantHtml: boolean): Promise<boolean> {
  try {
    const res = await fetch(url, { headers: { accept: wantHtml ? 'text/html' : 'application/json' } });
    const body = await res.text();
    return res.status === 200 && (!wantHtml || body.includes('</html>'));
  } catch {
    return false;
  }
}

/** Starts `node --import tsx src/main.ts` with `env` and waits until it serves (timeout in ms). */
export async function startPlatform(env: Record<string, string>, timeoutMs = 180_000): Promise<Server> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  while (!exited) {
    if ((await answers(`${url}/healthz`, false)) && (await answers(`${url}/`, true))) {
      return { child, url, readyMs: performance.now() - started, output: () => out };
    }
    if (performance.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`platform not ready after ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`platform exited during start:\n${out}`);
}

/** SIGTERM and wait for the process to end (the platform closes its database on SIGTERM). */
export function stopPlatform(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return resolve();
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const fmtMs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** Nearest-rank percentile (p in 0..100) of a list of numbers; NaN for an empty list. */
export const percentile = (xs: number[], p: number): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

/** `--name N` from the command line (a positive integer), or the fallback. */
export function intArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

/** `--name 1,8` from the command line (positive integers), or the fallback. */
export function intListArg(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const vs = (process.argv[i + 1] ?? '').split(',').map(Number);
  if (vs.length === 0 || vs.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`--${name} must be a comma-separated list of positive integers`);
  return vs;
}

/** The 1-, 5- and 15-minute load averages, for the record printed with each figure. */
export const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

export interface LoadRun {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Closed loop: `connections` workers each calling `once(i)` until the time is up; latencies in ms. */
export async function closedLoop(connections: number, durationMs: number, once: (n: number) => Promise<boolean>): Promise<LoadRun> {
  const lat: number[] = [];
  let errors = 0;
  let n = 0;
  const end = performance.now() + durationMs;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        const ok = await once(n++).catch(() => false);
        lat.push(performance.now() - s);
        if (!ok) errors += 1;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  return { requests: lat.length, errors, rps: Math.round(lat.length / secs), p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99) };
}
