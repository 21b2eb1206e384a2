import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { staffActor, tokenAuthenticator } from '../../../test/support/actors.ts';
import { csrfFrom } from '../../../test/support/identity.ts';
import { platformModule } from '../platform-module.ts';
import { inTransaction } from '../transaction.ts';
import { audit } from './chain.ts';
import { sql } from '../db/index.ts';
import { searchAudit } from './search.ts';

const actors = {
  province: staffActor('省审计员', '410000', ['platform.audit.read', 'platform.audit.export']),
  city: staffActor('郑州审计员', '410100', ['platform.audit.read']),
  clerk: staffActor('郑州办事员', '410102', ['directory.unit.read']),
};
type Who = keyof typeof actors;
const cookie = (who: Who) => ({ cookie: `egov_session=${who}` });

let tp: TestPlatform;

before(async () => {
  tp = await startTestPlatform({ modules: [platformModule], authenticator: tokenAuthenticator(actors) });
  await inTransaction(tp.ctx(actors.clerk), async (tctx) => {
    audit(tctx, { action: 'directory.unit.update', targetType: 'directory.unit', targetId: 'u1', targetLabel: '郑州市中原区民政局', details: { name: '<b>新名称</b>' } });
  });
  await inTransaction(tp.ctx(staffActor('洛阳办事员', '410302', [])), async (tctx) => {
    audit(tctx, { action: 'directory.unit.update', targetType: 'directory.unit', targetId: 'u2', targetLabel: '洛阳市西工区民政局' });
  });
  await inTransaction(tp.ctx(), async (tctx) => {
    audit(tctx, { action: 'platform.job.run', targetType: 'platform.job', targetId: 'nightly', targetLabel: '夜间任务' });
  });
});

after(() => tp.close());

test('the audit page lists what the auditor may see, escaped, with filters and pagination', async () => {
  const app = tp.platform.app;
  const city = await app.inject({ method: 'GET', url: '/workbench/audit', headers: cookie('city') });
  assert.equal(city.statusCode, 200);
  assert.match(city.body, /郑州市中原区民政局/);
  assert.doesNotMatch(city.body, /洛阳市西工区民政局/);
  assert.doesNotMatch(city.body, /夜间任务/);
  assert.match(city.body, /&lt;b&gt;新名称/, 'details are escaped');
  assert.doesNotMatch(city.body, /export\.csv/, 'no export link without the export scope');
  assert.match(city.body, /action="\/workbench\/audit\/verify"/);
  assert.match(city.body, /href="\/workbench\/audit"[^>]*>审计日志/, 'navigation entry');

  const province = await app.inject({ method: 'GET', url: '/workbench/audit?action=directory.&pageSize=1', headers: cookie('province') });
  assert.equal(province.statusCode, 200);
  assert.match(province.body, /洛阳市西工区民政局/);
  assert.doesNotMatch(province.body, /郑州市中原区民政局/, 'page 1 of 2 holds the newest only');
  assert.match(province.body, /href="\/workbench\/audit\?action=directory\.&amp;pageSize=1&amp;page=2"/);
  assert.match(province.body, /href="\/workbench\/audit\/export\.csv\?action=directory\.&amp;pageSize=1"/);

  const bad = await app.inject({ method: 'GET', url: '/workbench/audit?from=2024-13-01&result=maybe', headers: cookie('city') });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /class="error-summary"/);
  assert.match(bad.body, /「结果」/);
});

test('who may not: anonymous visitors are sent to log in, staff without the scope are refused', async () => {
  const app = tp.platform.app;
  const anon = await app.inject({ method: 'GET', url: '/workbench/audit', headers: { accept: 'text/html' } });
  assert.equal(anon.statusCode, 303);
  assert.match(String(anon.headers.location), /^\/login\?next=/);
  assert.equal((await app.inject({ method: 'GET', url: '/api/platform/audit' })).statusCode, 401);
  assert.equal((await app.inject({ method: 'GET', url: '/workbench/audit', headers: cookie('clerk') })).statusCode, 403);
  assert.equal((await app.inject({ method: 'GET', url: '/api/platform/audit/verify', headers: cookie('clerk') })).statusCode, 403);
  assert.equal((await app.inject({ method: 'GET', url: '/workbench/audit/export.csv', headers: cookie('city') })).statusCode, 403);
  const denied = await searchAudit(tp.ctx(), { action: 'access.denied' });
  assert.ok(denied.total >= 3, 'refusals are audited');
});

test('JSON API: bounded by region, validated with Chinese messages', async () => {
  const app = tp.platform.app;
  const res = await app.inject({ method: 'GET', url: '/api/platform/audit?targetType=directory.unit', headers: cookie('city') });
  assert.equal(res.statusCode, 200);
  const body = res.json() as { items: { targetLabel: string; seq: number; hash: string }[]; total: number; page: number; pageSize: number };
  assert.equal(body.total, 1);
  assert.equal(body.items[0].targetLabel, '郑州市中原区民政局');
  assert.match(body.items[0].hash, /^[0-9a-f]{64}$/);
  const spec = (await app.inject({ method: 'GET', url: '/api/docs/json' })).json() as { paths: Record<string, { get?: { parameters?: { name: string; schema: { title?: string } }[] } }> };
  const params = spec.paths['/api/platform/audit'].get?.parameters ?? [];
  assert.equal(params.find((p) => p.name === 'actor')?.schema.title, '操作者', 'documented with Chinese titles');
  assert.ok(spec.paths['/api/platform/audit/verify']);
  const bad = await app.inject({ method: 'GET', url: '/api/platform/audit?pageSize=1000', headers: cookie('city') });
  assert.equal(bad.statusCode, 400);
  assert.match(String(bad.headers['content-type']), /problem\+json/);
  assert.match((bad.json() as { detail: string }).detail, /每页条数/);
});

test('chain verification through the API and the page button, recorded in the log', async () => {
  const app = tp.platform.app;
  const res = await app.inject({ method: 'GET', url: '/api/platform/audit/verify', headers: cookie('city') });
  assert.equal(res.statusCode, 200);
  const body = res.json() as { ok: boolean; checked: number; brokenAt: unknown };
  assert.equal(body.ok, true);
  assert.ok(body.checked >= 3);
  assert.equal(body.brokenAt, null);

  const page = await app.inject({ method: 'GET', url: '/workbench/audit', headers: cookie('city') });
  const noToken = await app.inject({ method: 'POST', url: '/workbench/audit/verify', headers: { ...cookie('city'), 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
  assert.equal(noToken.statusCode, 403, 'CSRF token required');
  const post = await app.inject({
    method: 'POST',
    url: '/workbench/audit/verify',
    headers: { ...cookie('city'), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: csrfFrom(page.body) }).toString(),
  });
  assert.equal(post.statusCode, 303);
  const flashCookie = [post.headers['set-cookie']].flat().find((c) => c?.startsWith('egov_flash='));
  const after = await app.inject({ method: 'GET', url: '/workbench/audit', headers: { cookie: `egov_session=city; ${flashCookie!.split(';')[0]}` } });
  assert.match(after.body, /审计链完整: 已校验 \d+ 条记录/);
  assert.ok((await searchAudit(tp.ctx(), { action: 'platform.audit.verify' })).total >= 2);

  await tp.database.db.execute(sql`UPDATE platform.audit_log SET target_label = '改过' WHERE seq = 2`);
  const broken = (await app.inject({ method: 'GET', url: '/api/platform/audit/verify', headers: cookie('province') })).json() as { ok: boolean; brokenAt: { seq: number; reason: string } };
  assert.equal(broken.ok, false);
  assert.equal(broken.brokenAt.seq, 2);
  assert.match(broken.brokenAt.reason, /篡改/);
  await tp.database.db.execute(sql`UPDATE platform.audit_log SET target_label = '洛阳市西工区民政局' WHERE seq = 2`);
});

test('CSV export over HTTP: attachment with BOM for the filters on the page', async () => {
  const res = await tp.platform.app.inject({ method: 'GET', url: '/workbench/audit/export.csv?action=directory.', headers: cookie('province') });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/csv; charset=utf-8/);
  assert.match(String(res.headers['content-disposition']), /^attachment; filename="audit-\d{8}-\d{6}\.csv"$/);
  assert.equal(res.headers['x-total-count'], '2');
  assert.ok(res.body.startsWith('\uFEFF序号,发生时间'));
  assert.equal(res.body.split('\r\n').filter(Boolean).length, 3);
});
