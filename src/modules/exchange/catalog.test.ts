/**
 * The catalog and administration through the real app: the demo seed (members, the four base
 * registries as API resources pointing at this platform's own APIs with their subject parameters,
 * the enterprise registration topic, department resources, applications in three states); the
 * catalog filters; a resource page with every metadata element of the 2017 guide, the gateway
 * address, the OpenAPI download and (for its provider only) the grants; 不予共享 shown with its
 * basis and refused on apply; publishing through the form (信息项 and 方法 lines); an HMAC secret
 * shown once; the dashboard with its chart and application figures.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestPlatform } from '../../../test/support/platform.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';
import { createStaff, loginAs, type Session } from '../../../test/support/identity.ts';
import { ensureTestUnits } from '../../../test/support/units.ts';
import { newId } from '../../platform/ids.ts';
import { queryOne, sql } from '../../platform/db/index.ts';
import { exchangeModule, getResource, listResources, listApplications, memberForUnit, listSubsystems } from './index.ts';
import { RESOURCE_CODES, SCOPES } from './model.ts';

let tp: TestPlatform;
const unitIds = new Map<string, string>();
const sessions = {} as Record<'reader' | 'gat' | 'rst' | 'admin', Session>;

const DEMO_UNITS: [string, string][] = [
  ['河南省大数据管理局', '410000'], ['河南省市场监督管理局', '410000'], ['河南省公安厅', '410000'], ['河南省人力资源和社会保障厅', '410000'],
  ['河南省自然资源厅', '410000'], ['河南省统计局', '410000'], ['郑州市大数据管理局', '410100'], ['洛阳市大数据管理局', '410300'],
];

before(async () => {
  tp = await startTestPlatform();
  await ensureTestUnits(tp);
  const now = new Date().toISOString();
  for (const [name, region] of DEMO_UNITS) {
    const id = newId();
    unitIds.set(name, id);
    await tp.database.db.execute(sql`INSERT INTO directory.units (id, name, unit_type, region_code, status, is_demo, created_at, updated_at, search_text)
      VALUES (${id}, ${name}, 'department', ${region}, 'active', true, ${now}, ${now}, ${name})`);
  }
  await exchangeModule.seedDemo!(tp.ctx(), tp.platform.services);
  const login = async (scopes: string[], unit: string) => loginAs(tp, await createStaff(tp, { roleScopes: scopes, unitId: unitIds.get(unit)! }));
  sessions.reader = await login([SCOPES.catalogRead], '河南省统计局');
  sessions.gat = await login([SCOPES.catalogRead, SCOPES.resourcePublish, SCOPES.applicationDecide], '河南省公安厅');
  sessions.rst = await login([SCOPES.catalogRead, SCOPES.applicationSubmit], '河南省人力资源和社会保障厅');
  sessions.admin = await login([SCOPES.catalogRead, SCOPES.memberManage, SCOPES.grantManage, SCOPES.monitorRead], '河南省大数据管理局');
});
after(async () => tp?.close());

const get = (s: Session, url: string, accept = 'text/html') => tp.platform.app.inject({ method: 'GET', url, headers: { cookie: s.cookie, accept } });
const post = (s: Session, url: string, fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  body.append('_csrf', s.csrf);
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return tp.platform.app.inject({ method: 'POST', url, headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: body.toString() });
};

test('the demo seed: members, the four base registries on the platform’s own APIs, the topic, department resources, applications', async () => {
  const ctx = tp.ctx();
  const gatMember = await memberForUnit(ctx, { unitId: unitIds.get('河南省公安厅')! });
  assert.deepEqual([gatMember?.memberCode, gatMember?.isDemo], ['HA410000GAT', true]);
  const base = tp.platform.services.config.internalBaseUrl;
  const population = await getResource(ctx, { code: RESOURCE_CODES.population });
  assert.equal(population.baseUrl, `${base}/api/registries`);
  assert.equal(population.shareType, 'conditional');
  assert.equal(population.endpoints.find((e) => e.pathTemplate === '/persons/{idNumber}')?.subjectParam, 'idNumber');
  const entity = await getResource(ctx, { code: RESOURCE_CODES.legalEntity });
  assert.equal(entity.endpoints.find((e) => e.pathTemplate === '/entities/{uscc}')?.subjectParam, 'uscc');
  assert.equal((await getResource(ctx, { code: RESOURCE_CODES.geography })).baseUrl, `${base}/api/geography`);
  assert.equal((await getResource(ctx, { code: RESOURCE_CODES.macroEconomy })).baseUrl, `${base}/api/macro`);
  const topic = await getResource(ctx, { code: RESOURCE_CODES.enterpriseRegistrationTopic });
  assert.deepEqual([topic.kind, topic.shareType, topic.provider.memberName, topic.provider.code], ['topic', 'unconditional', '河南省市场监督管理局', 'registration']);
  const all = await listResources(ctx, {});
  assert.ok(all.every((r) => r.isDemo));
  assert.deepEqual(['conditional', 'none', 'unconditional'].map((t) => all.some((r) => r.catalogType === 'department' && r.shareType === t)), [true, true, true]);
  assert.deepEqual((await listApplications(ctx, { side: 'all' })).map((a) => a.status).sort(), ['approved', 'pending', 'refused']);
  assert.ok((await listSubsystems(ctx, {})).some((s) => s.xroadId === 'CN-HA/GOV/HA410100DSJ/city-platform'));
});

test('catalog: filters, a resource page with the 2017 guide’s metadata, gateway address, OpenAPI download; grants only for the provider', async () => {
  const list = await get(sessions.reader, '/workbench/exchange/catalog?shareType=conditional');
  assert.equal(list.statusCode, 200);
  assert.match(list.body, />人口基础信息<\/a>/);
  assert.doesNotMatch(list.body, />宏观经济指标数据<\/a>/);
  const topics = await get(sessions.reader, '/workbench/exchange/catalog?kind=topic');
  assert.match(topics.body, />企业登记信息 \(设立、变更、注销\)<\/a>/);
  assert.doesNotMatch(topics.body, />人口基础信息<\/a>/);

  const population = await getResource(tp.ctx(), { code: RESOURCE_CODES.population });
  const page = await get(sessions.reader, `/workbench/exchange/resources/${population.id}`);
  assert.equal(page.statusCode, 200);
  for (const label of ['信息资源分类', '信息资源名称', '信息资源代码', '信息资源提供方', '信息资源提供方代码', '信息资源摘要', '信息资源格式', '信息项', '数据类型', '共享类型', '共享条件', '共享方式', '开放属性', '更新周期', '发布日期', '关联资源代码']) {
    assert.ok(page.body.includes(label), label);
  }
  assert.ok(page.body.includes('/exchange/r1/CN-HA/GOV/HA410000GAT/population/population'));
  assert.ok(page.body.includes('HA410000GAT'));
  assert.doesNotMatch(page.body, /授权 \(谁可以使用\)/, 'a reader does not see who holds grants');
  const providerPage = await get(sessions.gat, `/workbench/exchange/resources/${population.id}`);
  assert.match(providerPage.body, /授权 \(谁可以使用\)/);
  const doc = await get(sessions.reader, `/api/exchange/resources/${population.id}/openapi.json`, 'application/json');
  assert.equal(doc.statusCode, 200);
  assert.match(String(doc.headers['content-disposition']), /attachment/);
  const json = doc.json();
  assert.equal(json.servers[0].url, population.gatewayPath);
  assert.equal(json.paths['/persons/{idNumber}'].get.operationId, 'getPerson');
});

test('不予共享: the page shows the legal basis and no form; applying is refused with the basis', async () => {
  const closed = (await listResources(tp.ctx(), { shareType: 'none' }))[0];
  const page = await get(sessions.rst, `/workbench/exchange/resources/${closed.id}`);
  assert.match(page.body, /不予共享<\/strong>, 不能申请使用/);
  assert.ok(page.body.includes(closed.legalBasis));
  assert.doesNotMatch(page.body, /提交申请/);
  const shebao = (await listSubsystems(tp.ctx(), {})).find((s) => s.xroadId.endsWith('/shebao'))!;
  const res = await post(sessions.rst, `/workbench/exchange/resources/${closed.id}/apply`, { clientSubsystemId: shebao.id, purpose: '试图申请不予共享的资源' });
  assert.equal(res.statusCode, 409);
  assert.match(res.body, /不予共享, 不能申请使用。依据/);
  // An unconditional one through the page: granted at once.
  const city = (await listResources(tp.ctx(), { catalogType: 'department', shareType: 'unconditional' }))[0];
  const ok = await post(sessions.rst, `/workbench/exchange/resources/${city.id}/apply`, { clientSubsystemId: shebao.id, purpose: '就业形势分析' });
  assert.equal(ok.statusCode, 303);
  const detail = await get(sessions.rst, String(ok.headers.location));
  assert.match(detail.body, /已同意/);
  assert.match(detail.body, /生成的授权/);
});

test('publishing through the form: 信息项 and 方法 lines, errors shown beside the fields', async () => {
  const population = (await listSubsystems(tp.ctx(), {})).find((s) => s.xroadId === 'CN-HA/GOV/HA410000GAT/population')!;
  const fields = {
    providerSubsystemId: population.id, catalogType: 'department', classification: '部门信息资源/公安/户政', code: '302/002/0001', name: '居民身份证有效性核验',
    abstract: '按号码核验居民身份证是否有效', format: 'JSON 接口', items: '公民身份号码 | 字符型 C | GB 11643\n证件状态 | 字符型 C', kind: 'api', serviceCode: 'id-card-check',
    shareType: 'conditional', shareCondition: '限于身份核验', legalBasis: '', shareMethod: '接口调用', openType: 'closed', updateCycle: '实时',
    baseUrl: 'http://127.0.0.1:9/idcard', endpoints: 'GET | /cards/{idNumber} | checkCard | 核验 | idNumber',
  };
  const bad = await post(sessions.gat, '/workbench/exchange/catalog', fields);
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /error-summary/);
  assert.match(bad.body, /有条件共享须写明/);
  const ok = await post(sessions.gat, '/workbench/exchange/catalog', { ...fields, legalBasis: '《中华人民共和国居民身份证法》' });
  assert.equal(ok.statusCode, 303, ok.body.slice(0, 500));
  const r = await getResource(tp.ctx(), { code: '302/002/0001' });
  assert.deepEqual(r.items.map((i) => [i.name, i.type]), [['公民身份号码', '字符型 C'], ['证件状态', '字符型 C']]);
  assert.deepEqual(r.endpoints.map((e) => [e.method, e.pathTemplate, e.operationId, e.subjectParam]), [['GET', '/cards/{idNumber}', 'checkCard', 'idNumber']]);
  assert.ok(r.openapi && JSON.stringify(r.openapi).includes('checkCard'));
  // Not for another unit's subsystem.
  const other = (await listSubsystems(tp.ctx(), {})).find((s) => s.xroadId.endsWith('/shebao'))!;
  const refused = await post(sessions.gat, '/workbench/exchange/catalog', { ...fields, providerSubsystemId: other.id, code: '302/002/0002', serviceCode: 'x-check', legalBasis: '某依据' });
  assert.equal(refused.statusCode, 403);
});

test('credentials: an HMAC secret is shown once; the sealed value is not the secret', async () => {
  const shebao = (await listSubsystems(tp.ctx(), {})).find((s) => s.xroadId.endsWith('/shebao'))!;
  const issued = await post(sessions.rst, `/workbench/exchange/systems/${shebao.id}/hmac`, {});
  assert.equal(issued.statusCode, 200);
  const m = /密钥编号 <code>([^<]+)<\/code><\/p><p>密钥 <code>([^<]+)<\/code>/.exec(issued.body);
  assert.ok(m, 'the secret is on the answer page');
  const [, keyId, secret] = m;
  const again = await get(sessions.rst, `/workbench/exchange/systems/${shebao.id}`);
  assert.ok(again.body.includes(keyId));
  assert.ok(!again.body.includes(secret), 'never shown again');
  const stored = await queryOne<{ secret_sealed: string }>(tp.database.db, sql`SELECT secret_sealed FROM exchange.credentials WHERE key_id = ${keyId}`);
  assert.ok(stored && !stored.secret_sealed.includes(secret));
  const revoked = await post(sessions.rst, `/workbench/exchange/credentials/${keyId}/revoke`, {});
  assert.equal(revoked.statusCode, 303);
  assert.match((await get(sessions.rst, `/workbench/exchange/systems/${shebao.id}`)).body, /已吊销/);
  // Another unit's staff cannot see this subsystem's credentials.
  assert.equal((await get(sessions.gat, `/workbench/exchange/systems/${shebao.id}`)).statusCode, 403);
});

test('the dashboard: requests per day as a chart with its table, applications open and overdue, resources by provider', async () => {
  const page = await get(sessions.admin, '/workbench/exchange?days=7');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /data-chart="chart-data-requests-per-day"/);
  assert.match(page.body, /<dt>待答复<\/dt><dd>1<\/dd>/);
  assert.match(page.body, /<dt>超期未答复<\/dt><dd>0<\/dd>/);
  assert.match(page.body, /河南省公安厅/);
  assert.match(page.body, /企业登记 → 税务部门确认接收/);
  const home = await get(sessions.gat, '/workbench');
  assert.match(home.body, /待答复的共享申请/);
});
