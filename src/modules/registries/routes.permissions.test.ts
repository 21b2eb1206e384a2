/**
 * Who may and who may not: every route of the registries module and of the imports kernel service,
 * called through the real app by a user holding its scope and by one who does not, and anonymously.
 * A spy module collects the registered routes, so a new route without a line here fails the test.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { anonymousSession, createStaff, loginAs, type Session, type TestUser } from '../../../test/support/identity.ts';
import type { Actor } from '../../platform/context.ts';
import { newId } from '../../platform/ids.ts';
import { queryOne, sql } from '../../platform/db/index.ts';
import { residentIdCheckChar, usccCheckChar } from '../../platform/identifiers/index.ts';
import { cancelImportJob, createImportJob, getImportJob, type ImportDefinition } from '../../platform/imports/index.ts';
import { deploymentModules } from '../../../test/support/platform.ts';
import { PERSON_IMPORT, REGISTRY_SCOPES as S, recordPersonEvent, registerEntity } from './index.ts';
import { routeSpy, type Body, json, form } from '../../../test/support/routes.ts';

type UserKey = 'reader' | 'clerk' | 'registrar' | 'other' | 'anonymous';

let tp: TestPlatform;
let units: TestUnits;
const { spy, registered } = routeSpy();
const sessions = {} as Record<UserKey, Session>;
const users = {} as Record<Exclude<UserKey, 'anonymous'>, TestUser>;

interface RouteCase {
  route: string;
  url: () => Promise<string>;
  allowed: UserKey;
  /** Holds no scope of this route; null when every signed-in user may call it. */
  denied: UserKey | null;
  status: number;
  /** What the denied user gets (403; 404 for jobs the user may not see). */
  deniedStatus?: number;
  body?: (s: Session) => Body | Promise<Body>;
}

const SCOPES_OF: Record<Exclude<UserKey, 'anonymous'>, string[]> = {
  reader: [S.personRead, S.entityRead],
  clerk: [S.personRead, S.personReadFull, S.personWrite, S.personImport, S.qualityManage, S.accessLogRead],
  registrar: [S.entityRead, S.entityReadFull, S.entityWrite, S.entityImport, S.personRead, S.qualityManage, S.accessLogRead],
  other: ['directory.unit.read'],
};

function multipart(parts: ({ name: string; value: string } | { name: string; filename: string; content: string })[]): Body {
  const boundary = `----egovreg${randomBytes(8).toString('hex')}`;
  const chunks: string[] = [];
  for (const p of parts) {
    if ('filename' in p) chunks.push(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: text/csv\r\n\r\n${p.content}\r\n`);
    else chunks.push(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`);
  }
  chunks.push(`--${boundary}--\r\n`);
  return { payload: Buffer.from(chunks.join('')), contentType: `multipart/form-data; boundary=${boundary}` };
}

let seq = 0;
const freshId = () => {
  seq += 1;
  const first17 = `410102199${String(seq % 10)}0101${String(100 + seq).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
};
let useq = 0;
const freshUscc = () => {
  useq += 1;
  const first17 = `91410102MA9PERM${String(useq).padStart(2, '0')}`;
  return first17 + usccCheckChar(first17);
};
const provinceActor = (scopes: string[], userId: string | null = null): Actor => ({
  kind: 'staff', userId, name: '准备数据', grants: [{ roleCode: 't', roleName: 't', unitId: units.province, unitName: '河南省人民政府 (测试)', regionCode: '410000', regionPrefix: '41', scopes: new Set(scopes) }],
});
async function person(): Promise<string> {
  const id = freshId();
  await recordPersonEvent(tp.ctx(provinceActor(SCOPES_OF.clerk)), { type: 'birth', idNumber: id, name: '权限测试', ethnicity: '01', regionCode: '410102', address: '郑州市中原区' });
  return id;
}
async function entity(): Promise<string> {
  const uscc = freshUscc();
  await registerEntity(tp.ctx(provinceActor(SCOPES_OF.registrar)), { uscc, name: `权限测试公司${uscc.slice(-4)}`, entityType: '1100', legalRepName: '王一', establishedOn: '2025-01-01', industryCode: '65', regionCode: '410102', address: '郑州' });
  return uscc;
}
async function openIssue(): Promise<string> {
  const id = newId();
  await tp.database.db.execute(sql`INSERT INTO registries.quality_issues (id, record_type, record_key, rule, message, source_unit_id, source_name, region_code, status, detected_at)
    VALUES (${id}, 'person', ${freshId()}, 'person_code', '测试问题', ${units.province}, '测试', '410102', 'open', now())`);
  return id;
}
const csvFile = () => `\ufeff公民身份号码,姓名,民族,户籍地区划代码\n${freshId()},上传测试,01,410102\n`;
async function clerkJob(): Promise<string> {
  const file = path.join(tp.dataDir, `job-${randomBytes(4).toString('hex')}.csv`);
  fs.writeFileSync(file, csvFile());
  const job = await createImportJob(tp.ctx(provinceActor(SCOPES_OF.clerk, users.clerk.id)), PERSON_IMPORT as unknown as ImportDefinition<unknown>, { filePath: file, fileName: 'job.csv' });
  return job.id;
}
async function cancelledJob(): Promise<string> {
  const id = await clerkJob();
  await cancelImportJob(tp.ctx(), { id });
  return id;
}

let shared = { person: '', entity: '' };
const R = '/api/registries';
const W = '/workbench/registries';

const CASES: RouteCase[] = [
  { route: `GET ${R}/codes`, url: async () => `${R}/codes`, allowed: 'other', denied: null, status: 200 },
  { route: `GET ${R}/persons/:idNumber`, url: async () => `${R}/persons/${shared.person}?purpose=${encodeURIComponent('权限测试用途')}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: `POST ${R}/persons/batch`, url: async () => `${R}/persons/batch`, allowed: 'reader', denied: 'other', status: 200, body: () => json({ idNumbers: [shared.person] }) },
  { route: `GET ${R}/persons`, url: async () => `${R}/persons?name=${encodeURIComponent('权限测试')}&regionCode=410100`, allowed: 'reader', denied: 'other', status: 200 },
  { route: `POST ${R}/persons/events`, url: async () => `${R}/persons/events`, allowed: 'clerk', denied: 'reader', status: 201, body: () => json({ type: 'birth', idNumber: freshId(), name: '接口出生', ethnicity: '01', regionCode: '410102', address: '郑州' }) },
  { route: `POST ${R}/persons/:idNumber/corrections`, url: async () => `${R}/persons/${await person()}/corrections`, allowed: 'clerk', denied: 'reader', status: 200, body: () => json({ field: 'address', value: '郑州市中原区更正地址', reason: '登记错误' }) },
  { route: `GET ${R}/persons/:idNumber/history`, url: async () => `${R}/persons/${shared.person}/history`, allowed: 'reader', denied: 'other', status: 200 },
  { route: `GET ${R}/persons/:idNumber/access-log`, url: async () => `${R}/persons/${shared.person}/access-log`, allowed: 'clerk', denied: 'reader', status: 200 },
  { route: `GET ${R}/entities/:uscc`, url: async () => `${R}/entities/${shared.entity}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: `POST ${R}/entities/batch`, url: async () => `${R}/entities/batch`, allowed: 'reader', denied: 'other', status: 200, body: () => json({ usccs: [shared.entity] }) },
  { route: `GET ${R}/entities`, url: async () => `${R}/entities?name=${encodeURIComponent('权限测试公司')}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: `POST ${R}/entities`, url: async () => `${R}/entities`, allowed: 'registrar', denied: 'reader', status: 201, body: () => json({ uscc: freshUscc(), name: '接口登记公司', entityType: '1100', legalRepName: '王二', establishedOn: '2026-01-01', industryCode: '52', regionCode: '410102', address: '郑州' }) },
  { route: `PATCH ${R}/entities/:uscc`, url: async () => `${R}/entities/${await entity()}`, allowed: 'registrar', denied: 'reader', status: 200, body: () => json({ address: '郑州新址' }) },
  { route: `POST ${R}/entities/:uscc/deregister`, url: async () => `${R}/entities/${await entity()}/deregister`, allowed: 'registrar', denied: 'reader', status: 200, body: () => json({ status: 'cancelled', occurredOn: '2026-05-01', reason: '决议解散' }) },
  { route: `POST ${R}/entities/:uscc/annual-reports`, url: async () => `${R}/entities/${shared.entity}/annual-reports`, allowed: 'registrar', denied: 'reader', status: 204, body: () => json({ year: 2025, submittedOn: '2026-04-01', employees: 3 }) },
  { route: `POST ${R}/entities/:uscc/abnormal`, url: async () => `${R}/entities/${await entity()}/abnormal`, allowed: 'registrar', denied: 'reader', status: 204, body: () => json({ action: 'list', reason: '通过登记的住所无法联系', listedOn: '2026-05-01' }) },
  { route: `GET ${R}/entities/:uscc/details`, url: async () => `${R}/entities/${shared.entity}/details`, allowed: 'reader', denied: 'other', status: 200 },
  { route: `GET ${R}/entities/:uscc/access-log`, url: async () => `${R}/entities/${shared.entity}/access-log`, allowed: 'registrar', denied: 'reader', status: 200 },
  { route: `GET ${R}/quality`, url: async () => `${R}/quality?status=open`, allowed: 'clerk', denied: 'reader', status: 200 },
  { route: `POST ${R}/quality/run`, url: async () => `${R}/quality/run`, allowed: 'clerk', denied: 'reader', status: 200, body: () => json({}) },
  { route: `POST ${R}/quality/:id/resolve`, url: async () => `${R}/quality/${await openIssue()}/resolve`, allowed: 'clerk', denied: 'reader', status: 200, body: () => json({ status: 'resolved', note: '已更正' }) },
  { route: 'GET /api/imports/:id', url: async () => `/api/imports/${await clerkJob()}`, allowed: 'clerk', denied: 'reader', deniedStatus: 404, status: 200 },
  // Pages
  { route: `GET ${W}`, url: async () => W, allowed: 'reader', denied: 'other', status: 303 },
  { route: `GET ${W}/persons`, url: async () => `${W}/persons?name=${encodeURIComponent('权限测试')}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: `GET ${W}/persons/new`, url: async () => `${W}/persons/new`, allowed: 'clerk', denied: 'reader', status: 200 },
  { route: `GET ${W}/persons/:idNumber`, url: async () => `${W}/persons/${shared.person}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: `POST ${W}/persons/events`, url: async () => `${W}/persons/events`, allowed: 'clerk', denied: 'reader', status: 303, body: async (s) => form(s, { type: 'name_change', idNumber: await person(), newName: '改名测试' }) },
  { route: `POST ${W}/persons/:idNumber/correct`, url: async () => `${W}/persons/${await person()}/correct`, allowed: 'clerk', denied: 'reader', status: 303, body: (s) => form(s, { field: 'address', value: '新地址', reason: '登记错误' }) },
  { route: `GET ${W}/entities`, url: async () => `${W}/entities?name=${encodeURIComponent('权限测试公司')}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: `GET ${W}/entities/new`, url: async () => `${W}/entities/new`, allowed: 'registrar', denied: 'reader', status: 200 },
  { route: `POST ${W}/entities`, url: async () => `${W}/entities`, allowed: 'registrar', denied: 'reader', status: 303, body: (s) => form(s, { uscc: freshUscc(), name: '表单登记公司', entityType: '1100', legalRepName: '王三', establishedOn: '2026-02-01', industryCode: '52', regionCode: '410102', address: '郑州' }) },
  { route: `GET ${W}/entities/:uscc`, url: async () => `${W}/entities/${shared.entity}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: `POST ${W}/entities/:uscc/change`, url: async () => `${W}/entities/${await entity()}/change`, allowed: 'registrar', denied: 'reader', status: 303, body: (s) => form(s, { field: 'address', value: '郑州表单新址', kind: 'change' }) },
  { route: `POST ${W}/entities/:uscc/deregister`, url: async () => `${W}/entities/${await entity()}/deregister`, allowed: 'registrar', denied: 'reader', status: 303, body: (s) => form(s, { status: 'revoked', occurredOn: '2026-06-01', reason: '依法吊销' }) },
  { route: `GET ${W}/quality`, url: async () => `${W}/quality`, allowed: 'clerk', denied: 'reader', status: 200 },
  { route: `POST ${W}/quality/run`, url: async () => `${W}/quality/run`, allowed: 'clerk', denied: 'reader', status: 303, body: (s) => form(s, {}) },
  { route: `POST ${W}/quality/:id/resolve`, url: async () => `${W}/quality/${await openIssue()}/resolve`, allowed: 'clerk', denied: 'reader', status: 303, body: (s) => form(s, { status: 'dismissed', note: '经核实无误' }) },
  { route: `GET ${W}/imports/persons`, url: async () => `${W}/imports/persons`, allowed: 'clerk', denied: 'registrar', status: 200 },
  { route: `GET ${W}/imports/entities`, url: async () => `${W}/imports/entities`, allowed: 'registrar', denied: 'clerk', status: 200 },
  { route: `POST ${W}/imports/persons`, url: async () => `${W}/imports/persons`, allowed: 'clerk', denied: 'registrar', status: 303, body: (s) => multipart([{ name: '_csrf', value: s.csrf }, { name: 'file', filename: 'p.csv', content: csvFile() }]) },
  {
    route: `POST ${W}/imports/entities`,
    url: async () => `${W}/imports/entities`,
    allowed: 'registrar',
    denied: 'clerk',
    status: 303,
    body: (s) => multipart([{ name: '_csrf', value: s.csrf }, { name: 'file', filename: 'e.csv', content: `统一社会信用代码,名称,主体类型,法定代表人,成立日期,行业代码,住所所在区划代码\n${freshUscc()},上传公司,1100,王四,2020-01-01,52,410102\n` }]),
  },
  { route: 'GET /workbench/imports/:id', url: async () => `/workbench/imports/${await clerkJob()}`, allowed: 'clerk', denied: 'reader', deniedStatus: 404, status: 200 },
  { route: 'GET /workbench/imports/:id/errors.csv', url: async () => `/workbench/imports/${await clerkJob()}/errors.csv`, allowed: 'clerk', denied: 'reader', deniedStatus: 404, status: 200 },
  { route: 'POST /workbench/imports/:id/cancel', url: async () => `/workbench/imports/${await clerkJob()}/cancel`, allowed: 'clerk', denied: 'reader', deniedStatus: 404, status: 303, body: (s) => form(s, {}) },
  { route: 'POST /workbench/imports/:id/resume', url: async () => `/workbench/imports/${await cancelledJob()}/resume`, allowed: 'clerk', denied: 'reader', deniedStatus: 404, status: 303, body: (s) => form(s, {}) },
];

before(async () => {
  tp = await startTestPlatform({ modules: [spy, ...deploymentModules] });
  units = await ensureTestUnits(tp);
  for (const key of Object.keys(SCOPES_OF) as (keyof typeof SCOPES_OF)[]) {
    users[key] = await createStaff(tp, { roleScopes: SCOPES_OF[key], unitId: units.province });
    sessions[key] = await loginAs(tp, users[key]);
  }
  sessions.anonymous = await anonymousSession(tp);
  shared = { person: await person(), entity: await entity() };
});
after(async () => {
  // Let background imports started by the upload cases finish before the database goes away.
  for (let i = 0; i < 100; i += 1) {
    const running = await queryOne<{ n: string | number }>(tp.database.db, sql`SELECT count(*) AS n FROM imports.jobs WHERE status = 'running'`);
    if (Number(running?.n ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await tp?.close();
});

async function call(c: RouteCase, who: UserKey, url: string) {
  const s = sessions[who];
  const [method] = c.route.split(' ');
  const body = c.body ? await c.body(s) : undefined;
  const headers: Record<string, string> = { accept: c.route.includes(' /api/') ? 'application/json' : 'text/html', ...(s.cookie ? { cookie: s.cookie } : {}), ...(s.csrf ? { 'x-csrf-token': s.csrf } : {}) };
  if (body) headers['content-type'] = body.contentType;
  return tp.platform.app.inject({ method: method as 'GET' | 'POST' | 'PATCH', url, headers, payload: body?.payload });
}

test('every registries and imports route has a case here', () => {
  const ours = registered.filter((r) => /^\w+ (\/api\/registries|\/workbench\/registries|\/api\/imports|\/workbench\/imports)/.test(r));
  assert.deepEqual([...new Set(ours)].sort(), CASES.map((c) => c.route).sort());
});

for (const c of CASES) {
  test(`${c.route}: ${c.allowed} may${c.denied ? `, ${c.denied} may not` : ''}`, async () => {
    const url = await c.url();
    const ok = await call(c, c.allowed, url);
    assert.equal(ok.statusCode, c.status, `${c.allowed}: ${ok.body.slice(0, 400)}`);
    if (c.status === 303 && c.route.startsWith('POST')) {
      assert.doesNotMatch(String(ok.headers.location), /login/);
      const next = await tp.platform.app.inject({ method: 'GET', url: String(ok.headers.location), headers: { cookie: [sessions[c.allowed].cookie, ...[ok.headers['set-cookie']].flat().filter(Boolean).map((x) => String(x).split(';')[0])].join('; '), accept: 'text/html' } });
      assert.doesNotMatch(next.body, /flash-error/, `the form post succeeded: ${next.body.match(/flash-error[^<]*<?[^<]*/)?.[0] ?? ''}`);
    }
    if (c.denied) {
      const no = await call(c, c.denied, url);
      assert.equal(no.statusCode, c.deniedStatus ?? 403, `${c.denied}: ${no.body.slice(0, 300)}`);
    }
    const anon = await call(c, 'anonymous', url);
    const [method] = c.route.split(' ');
    if (method === 'GET' && !c.route.includes(' /api/')) assert.deepEqual([anon.statusCode, String(anon.headers.location).startsWith('/login')], [303, true]);
    else assert.ok([401, 403].includes(anon.statusCode), `anonymous: ${anon.statusCode}`);
  });
}

test('an upload through the page runs the import in the background and its progress page shows the result', async () => {
  const job = await queryOne<{ id: string }>(tp.database.db, sql`SELECT id FROM imports.jobs WHERE kind = 'registries.persons' AND file_name = 'p.csv' ORDER BY created_at DESC LIMIT 1`);
  assert.ok(job);
  for (let i = 0; i < 100 && (await getImportJob(tp.ctx(), { id: job.id })).status !== 'completed'; i += 1) await new Promise((r) => setTimeout(r, 50));
  const page = await tp.platform.app.inject({ method: 'GET', url: `/workbench/imports/${job.id}`, headers: { cookie: sessions.clerk.cookie, accept: 'text/html' } });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /已完成/);
  assert.equal((await getImportJob(tp.ctx(), { id: job.id })).rowsInserted, 1);
});
