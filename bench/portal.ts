/**
 * Portal figures:
 *  1. A cached article page under concurrent load (autocannon), beside nginx (Debian nginx-light)
 *     serving the same HTML bytes from disk on the same machine: requests/s, p99, ratio. The
 *     platform runs as its own process (`npm start` with demo data on a fresh PGlite directory,
 *     or DATABASE_URL); a returning visitor (fixed cookie), so every answer is a cache hit.
 *  2. Search p95 over N generated articles (default 100 000; in-process platform on PostgreSQL
 *     when EGOV_TEST_DATABASE_URL is set, else PGlite).
 *  3. Time from "publish" (the reviewer's approval) to the page and the search showing it
 *     (same in-process platform, through app.inject).
 *
 *   node --import tsx bench/portal.ts
 *   BENCH_DURATION=5 BENCH_CONNECTIONS=50 BENCH_ARTICLES=100000 EGOV_TEST_DATABASE_URL=postgres://… node --import tsx bench/portal.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { fmtMs, freePort, startPlatform, stopPlatform } from './support.ts';
import { startTestPlatform } from '../test/support/platform.ts';
import { ensureTestUnits } from '../test/support/units.ts';
import { sql } from '../src/platform/db/index.ts';
import { newId } from '../src/platform/ids.ts';
import { createStaff } from '../test/support/identity.ts';
import { approveArticle, createArticle, createColumn, createSite, indexTokens, searchArticles, submitArticle } from '../src/modules/portal/index.ts';

const duration = Number(process.env.BENCH_DURATION ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const N = Number(process.env.BENCH_ARTICLES ?? 100_000);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const run = (url: string, headers: Record<string, string> = {}) => autocannon({ url, connections, duration, headers }) as Promise<Result>;

console.log(`# portal — ${os.availableParallelism()} CPUs, load ${load()}, ${duration} s per case, ${connections} connections`);

// ---- 1. cached article page vs nginx ---------------------------------------------------------
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-bench-portal-'));
const egov = await startPlatform({ DATA_DIR: dataDir, DATABASE_URL: process.env.DATABASE_URL ?? '', EGOV_SEED_DEMO: 'true', LOG_LEVEL: 'error' });
let nginx: ChildProcess | null = null;
const ngDir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-bench-nginx-'));
try {
  console.log(`platform ready in ${fmtMs(egov.readyMs)}`);
  const col = await (await fetch(`${egov.url}/sites/4100000001/c/yaowen`)).text();
  const articlePath = /href="(\/sites\/4100000001\/articles\/[0-9a-f-]{36})"/.exec(col)?.[1];
  if (!articlePath) throw new Error('no demo article found');
  const first = await fetch(`${egov.url}${articlePath}`);
  const cookie = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const bytes = Buffer.from(await first.text());
  const r1 = await run(`${egov.url}${articlePath}`, { cookie, accept: 'text/html' });
  console.log(`RESULT portal.article_cached rps=${Math.round(r1.requests.average)} p50_ms=${r1.latency.p50} p99_ms=${r1.latency.p99} non2xx=${r1.non2xx} bytes=${bytes.length} load="${load()}"`);

  // nginx serving the same bytes from disk (Debian nginx-light), one worker per CPU.
  fs.writeFileSync(path.join(ngDir, 'article.html'), bytes);
  const port = await freePort();
  fs.writeFileSync(path.join(ngDir, 'nginx.conf'), `worker_processes auto; daemon off; pid ${ngDir}/nginx.pid; error_log ${ngDir}/error.log;
events { worker_connections 1024; }
http { access_log off; default_type text/html; sendfile on; keepalive_requests 100000;
  client_body_temp_path ${ngDir}; proxy_temp_path ${ngDir}; fastcgi_temp_path ${ngDir}; uwsgi_temp_path ${ngDir}; scgi_temp_path ${ngDir};
  server { listen 127.0.0.1:${port}; root ${ngDir}; location / { } } }`);
  const nginxBin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));
  if (nginxBin) {
    nginx = spawn(nginxBin, ['-c', path.join(ngDir, 'nginx.conf'), '-p', ngDir], { stdio: 'ignore' });
    for (let i = 0; i < 100; i += 1) {
      if ((await fetch(`http://127.0.0.1:${port}/article.html`).then((r) => r.status).catch(() => 0)) === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const r2 = await run(`http://127.0.0.1:${port}/article.html`);
    console.log(`RESULT portal.nginx_same_html rps=${Math.round(r2.requests.average)} p50_ms=${r2.latency.p50} p99_ms=${r2.latency.p99} load="${load()}"`);
    console.log(`RESULT portal.article_vs_nginx ratio=${(r1.requests.average / r2.requests.average).toFixed(3)}`);
  } else {
    console.log('nginx not installed: no reference figure');
  }
} finally {
  nginx?.kill('SIGTERM');
  await stopPlatform(egov);
  fs.rmSync(dataDir, { recursive: true, force: true });
}

// ---- 2. search over N articles, 3. publish → visible -------------------------------------------
const tp = await startTestPlatform({});
try {
  const u = await ensureTestUnits(tp);
  const ctx = tp.ctx();
  await createSite(ctx, { code: '4100000001', name: '检索基准门户', level: 'province', sponsorUnitId: u.province });
  const colId = (await createColumn(ctx, { siteCode: '4100000001', slug: 'yaowen', name: '要闻动态', type: 'news' })).id;
  const words = ['营商环境', '政务服务', '乡村振兴', '生态保护', '黄河流域', '数字政府', '民营经济', '就业创业', '社会保障', '医疗卫生', '教育改革', '交通运输', '城市更新', '粮食安全', '科技创新', '文化旅游', '安全生产', '应急管理', '市场监管', '招商引资'];
  const places = ['郑州', '开封', '洛阳', '平顶山', '安阳', '鹤壁', '新乡', '焦作', '濮阳', '许昌', '漯河', '三门峡', '南阳', '商丘', '信阳', '周口', '驻马店', '济源'];
  const t0 = performance.now();
  const now = Date.now();
  for (let i = 0; i < N; i += 1000) {
    const rows = [];
    for (let j = i; j < Math.min(N, i + 1000); j += 1) {
      const w1 = words[j % words.length];
      const w2 = words[(j * 7 + 3) % words.length];
      const p = places[j % places.length];
      const title = `${p}市推进${w1}工作第${j}次会议召开`;
      const body = `会议指出, 要坚持以人民为中心, 统筹推进${w1}和${w2}, 持续优化${p}发展环境。会议要求各部门压实责任, 确保各项任务落地见效。本条为基准测试生成的内容。`;
      const head = indexTokens(title);
      const rest = indexTokens(body);
      const at = new Date(now - (j % 1000) * 86_400_000).toISOString();
      rows.push(sql`(${newId()}, '4100000001', ${colId}, '410000', 'published', ${title}, 1, 1, ${title}, '', ${body}, '', '', ${at}, ${at}, 'article', ${`${head} ${rest}`},
        setweight(to_tsvector('simple', ${head}), 'A') || setweight(to_tsvector('simple', ${rest}), 'B'), true, '基准', ${at}, ${at})`);
    }
    await tp.database.db.execute(sql`INSERT INTO portal.articles (id, site_code, column_id, region_code, status, title, current_version, live_version, live_title, live_summary, live_body,
      live_author, live_source, published_at, first_published_at, kind, search_text, search_vector, is_demo, created_by_name, created_at, updated_at) VALUES ${sql.join(rows, sql`, `)}`);
  }
  await tp.database.db.execute(sql`ANALYZE portal.articles`);
  console.log(`generated ${N} articles in ${fmtMs(performance.now() - t0)} (${tp.database.kind})`);
  const queries = ['营商环境', '政务服务 郑州', '黄河流域生态保护', '数字政府', '乡村振兴 洛阳', '科技创新', '应急管理', '招商引资 南阳', '就业创业', '市场监管'];
  const times: number[] = [];
  for (let round = 0; round < 5; round += 1) {
    for (const q of queries) {
      const s = performance.now();
      await searchArticles(ctx, { q });
      times.push(performance.now() - s);
    }
  }
  console.log(`RESULT portal.search articles=${N} db=${tp.database.kind} p50_ms=${pct(times, 50).toFixed(1)} p95_ms=${pct(times, 95).toFixed(1)} queries=${times.length} load="${load()}"`);

  // 3. publish → page and search.
  const reviewer = await createStaff(tp, { roleScopes: ['portal.article.edit', 'portal.article.review'], unitId: u.province });
  const actor = { kind: 'staff' as const, userId: reviewer.id, name: '审核员', grants: [{ roleCode: 't', roleName: 't', unitId: u.province, unitName: '省政府', regionCode: '410000', regionPrefix: '41', scopes: new Set(['portal.article.edit', 'portal.article.review']) }] };
  const lat: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const marker = `基准发布可见性测试第${i}号${Math.random().toString(36).slice(2, 8)}`;
    const a = await createArticle(tp.ctx(actor), { siteCode: '4100000001', columnId: colId, title: marker, body: '正文。' });
    await submitArticle(tp.ctx(actor), { id: a.id });
    const s = performance.now();
    await approveArticle(tp.ctx(actor), { id: a.id });
    for (;;) {
      const page = await tp.platform.app.inject({ method: 'GET', url: `/sites/4100000001/articles/${a.id}`, headers: { accept: 'text/html' } });
      const found = (await searchArticles(ctx, { q: marker.slice(0, 12) })).hits.some((h) => h.id === a.id);
      if (page.statusCode === 200 && found) break;
    }
    lat.push(performance.now() - s);
  }
  console.log(`RESULT portal.publish_to_visible median_ms=${pct(lat, 50).toFixed(1)} max_ms=${Math.max(...lat).toFixed(1)} (approve + page 200 + search hit, in-process) load="${load()}"`);
} finally {
  await tp.close();
  fs.rmSync(ngDir, { recursive: true, force: true });
}
