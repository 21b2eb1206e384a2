/**
 * The render cache of public pages: per process, keyed by site, address, 长者模式 and the site's
 * content_version (DB). A publish bumps the version in its transaction, so every process stops
 * using its old entries: nothing lives only in one process's memory.
 *
 * Two ways in:
 *  - `fastServe`, the kernel's anonymous fast path (route config `anonymousFastPath`): GETs with
 *    no session cookie are answered from the cache before any session, CSRF or actor work. The
 *    site's version comes from a per-process memo checked against the database at most every
 *    VERSION_CHECK_MS (one indexed single-row read, shared by concurrent requests). A publish in
 *    this process forgets the memo and forces a database check on every request for
 *    LOCAL_RECHECK_MS (longer than any publishing transaction), so it is visible at once here;
 *    another process sees it within VERSION_CHECK_MS (+ one query). A miss falls through.
 *  - `servePage`, the normal path (renders on a miss, serves signed-in visitors).
 *
 * Cached HTML embeds no per-visitor token: the 长者模式 switch is a slot filled when served — a
 * link to /portal/a11y (which carries the form and its token) for anonymous visitors, the form
 * with the visitor's own CSRF token for signed-in ones. ETag (version + mode, + token prefix for
 * signed-in visitors) and Last-Modified (the site's content_changed_at); If-None-Match or
 * If-Modified-Since answer 304.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Ctx } from '../../../platform/context.ts';
import { queryOne, sql } from '../../../platform/db/index.ts';
import { A11Y_SLOT, CSRF_PLACEHOLDER, a11ySwitch } from './shell.ts';
import type { SiteView } from '../services/sites.ts';

interface Entry {
  version: number;
  /** The page with the 长者模式 slot filled for anonymous visitors (no token). */
  anon: string;
  /** The page with the switch form and CSRF_PLACEHOLDER (signed-in visitors). */
  personal: string;
  status: number;
  changedAt: string;
}

export class RenderCache {
  private readonly map = new Map<string, Entry>();
  hits = 0;
  fastHits = 0;
  misses = 0;
  constructor(private readonly max = 5000) {}

  get(key: string, version: number): Entry | null {
    const e = this.map.get(key);
    if (!e || e.version !== version) return null;
    // Keep recently used entries at the end (LRU by insertion order).
    this.map.delete(key);
    this.map.set(key, e);
    return e;
  }

  set(key: string, e: Entry): void {
    this.map.delete(key);
    this.map.set(key, e);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  clear(): void {
    this.map.clear();
    siteVersions.clear();
  }

  get size(): number {
    return this.map.size;
  }
}

export const renderCache = new RenderCache();

// ---- site versions for the fast path ------------------------------------------------------------

/** Another process's publish is visible here within this many ms (plus one query). */
export const VERSION_CHECK_MS = Number(process.env.PORTAL_VERSION_CHECK_MS ?? 500);
/** After a publish in this process, its sites are checked on every request for this long. */
const LOCAL_RECHECK_MS = 5000;

interface SiteVersion {
  code: string;
  version: number;
  changedAt: string;
  checkedAt: number;
}

class SiteVersions {
  /** By `c:{code}` or `h:{host}`; null = no active site (also memoised). */
  private readonly memo = new Map<string, SiteVersion | null>();
  private readonly inflight = new Map<string, Promise<SiteVersion | null>>();
  private readonly recheckUntil = new Map<string, number>();
  /** Bumped by every local change, so a read begun before it is not memoised. */
  private generation = 0;

  clear(): void {
    this.memo.clear();
    this.generation += 1;
  }

  /** A change to the site's content in this process (called in the publishing transaction). */
  changed(code: string): void {
    this.generation += 1;
    this.recheckUntil.set(code, Date.now() + LOCAL_RECHECK_MS);
    for (const [k, v] of this.memo) if (v === null || v.code === code) this.memo.delete(k);
  }

  private forced(code: string, now: number): boolean {
    const until = this.recheckUntil.get(code);
    if (until === undefined) return false;
    if (until > now) return true;
    this.recheckUntil.delete(code);
    return false;
  }

  async get(ctx: Ctx, by: { code: string } | { host: string }): Promise<SiteVersion | null> {
    const key = 'code' in by ? `c:${by.code}` : `h:${by.host}`;
    const now = Date.now();
    const m = this.memo.get(key);
    if (m !== undefined && now - (m?.checkedAt ?? 0) < VERSION_CHECK_MS && !(m && this.forced(m.code, now))) return m;
    let p = this.inflight.get(key);
    if (!p) {
      const gen = this.generation;
      p = this.read(ctx, by)
        .then((v) => {
          if (gen === this.generation && !(v && this.forced(v.code, Date.now()))) this.memo.set(key, v);
          return v;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async read(ctx: Ctx, by: { code: string } | { host: string }): Promise<SiteVersion | null> {
    const where = 'code' in by ? sql`code = ${by.code}` : sql`host = ${by.host}`;
    const r = await queryOne<{ code: string; content_version: string | number; content_changed_at: Date | string }>(ctx.db,
      sql`SELECT code, content_version, content_changed_at FROM portal.sites WHERE ${where} AND status = 'active'`);
    return r ? { code: r.code, version: Number(r.content_version), changedAt: new Date(r.content_changed_at).toISOString(), checkedAt: Date.now() } : null;
  }
}

const siteVersions = new SiteVersions();

/** Called by bumpSite: this process's pages of the site are stale from now on. */
export function siteContentChanged(code: string): void {
  siteVersions.changed(code);
}

// ---- serving ------------------------------------------------------------------------------------

const keyOf = (code: string, req: FastifyRequest) => `${code}|${req.url}|${req.a11y ? 1 : 0}`;
const lastModified = (iso: string) => new Date(iso).toUTCString();

function notModified(req: FastifyRequest, etag: string, changedAt: string): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) return inm.split(',').some((t) => t.trim() === etag || t.trim() === '*');
  const ims = req.headers['if-modified-since'];
  if (!ims) return false;
  const since = Date.parse(ims);
  return Number.isFinite(since) && Math.floor(Date.parse(changedAt) / 1000) * 1000 <= since;
}

function send(req: FastifyRequest, reply: FastifyReply, entry: Entry, token: string | null): FastifyReply {
  const etag = `W/"p${entry.version}-${req.a11y ? 1 : 0}${token ? `-s${token.slice(0, 10)}` : ''}"`;
  reply
    .header('cache-control', token ? 'private, no-cache' : 'no-cache')
    .header('etag', etag)
    .header('last-modified', lastModified(entry.changedAt))
    .header('vary', 'Cookie');
  if (entry.status === 200 && notModified(req, etag, entry.changedAt)) return reply.status(304).send();
  return reply
    .status(entry.status)
    .type('text/html; charset=utf-8')
    .send(token ? entry.personal.replace(CSRF_PLACEHOLDER, token) : entry.anon);
}

/**
 * The anonymous fast path (kernel hook, before session work): serves a cached page when the
 * site's version is known and the entry is current; otherwise false (the normal path renders).
 */
export async function fastServe(req: FastifyRequest, reply: FastifyReply, ctx: Ctx): Promise<boolean> {
  const code = (req.params as { code?: string }).code;
  let by: { code: string } | { host: string };
  if (code !== undefined) {
    if (!/^[0-9a-z]{10}$/.test(code)) return false;
    by = { code };
  } else {
    const host = req.hostname.toLowerCase().replace(/:\d+$/, '');
    if (!/^[a-z0-9.-]{1,253}$/.test(host)) return false;
    by = { host };
  }
  const v = await siteVersions.get(ctx, by);
  if (!v) return false;
  const entry = renderCache.get(keyOf(v.code, req), v.version);
  if (!entry || entry.status !== 200) return false;
  renderCache.hits += 1;
  renderCache.fastHits += 1;
  send(req, reply, entry, null);
  return true;
}

/** Serves a page of a site from the cache, rendering it on a miss (the normal path). */
export async function servePage(
  req: FastifyRequest,
  reply: FastifyReply,
  site: SiteView,
  render: () => Promise<{ html: string; status?: number }>,
): Promise<FastifyReply> {
  const key = keyOf(site.code, req);
  let entry = renderCache.get(key, site.contentVersion);
  if (!entry) {
    renderCache.misses += 1;
    const r = await render();
    const path = req.url.split('?')[0];
    entry = {
      version: site.contentVersion,
      anon: r.html.replace(A11Y_SLOT, a11ySwitch(path, req.a11y, null)),
      personal: r.html.replace(A11Y_SLOT, a11ySwitch(path, req.a11y, CSRF_PLACEHOLDER)),
      status: r.status ?? 200,
      changedAt: site.contentChangedAt,
    };
    renderCache.set(key, entry);
  } else {
    renderCache.hits += 1;
  }
  return send(req, reply, entry, req.sessionId ? req.csrfToken : null);
}
