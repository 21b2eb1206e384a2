/**
 * Route coverage for permission tests: a module that, placed first in the module list, records every
 * route registered after it, so a test can fail when a module gains a route nobody checked.
 */
import type { ModuleDefinition } from '../../src/platform/module.ts';

export function routeSpy(): { spy: ModuleDefinition; registered: string[] } {
  const registered: string[] = [];
  const spy: ModuleDefinition = {
    name: 'route-spy',
    scopes: [],
    registerRoutes(app) {
      app.addHook('onRoute', (r) => {
        const methods = Array.isArray(r.method) ? r.method : [r.method];
        for (const m of methods) if (m !== 'HEAD') registered.push(`${m} ${r.url}`);
      });
    },
  };
  return { spy, registered };
}

/** A request body for a permission case: JSON, a form with the session's CSRF token, or multipart. */
export interface Body {
  payload: string | Buffer;
  contentType: string;
}

export const json = (o: unknown): Body => ({ payload: JSON.stringify(o), contentType: 'application/json' });

export const form = (s: { csrf: string }, o: Record<string, string>): Body => ({ payload: new URLSearchParams({ _csrf: s.csrf, ...o }).toString(), contentType: 'application/x-www-form-urlencoded' });

/** multipart/form-data with plain fields and files (sent as application/octet-stream). */
export function multipart(parts: { name: string; value?: string; filename?: string; content?: string }[]): Body {
  const boundary = '----egovperm7d2f';
  const chunks = parts.map((p) =>
    p.filename
      ? `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n${p.content}\r\n`
      : `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`,
  );
  return { payload: Buffer.from(`${chunks.join('')}--${boundary}--\r\n`), contentType: `multipart/form-data; boundary=${boundary}` };
}
