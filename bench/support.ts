/**
 * Helpers shared by the benchmarks: free ports, starting and stopping the platform as a child
 * process exactly as `npm start` does, and waiting until it serves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
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
