/**
 * Self-registration of citizens and enterprises: identifiers checked before anything is stored,
 * duplicates and weak passwords refused, hostile input refused or kept literal and escaped, and
 * the body limits of the HTTP layer.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { anonymousSession, callApi, createStaff, getPage, loginAs } from '../../../test/support/identity.ts';
import { ensureTestUnits } from '../../../test/support/units.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import { residentIdCheckChar, usccCheckChar } from '../../platform/identifiers/index.ts';
import { isAppError } from '../../platform/errors.ts';
import { registerCitizen, registerEnterprise } from './registration.ts';

const clock = manualClock(new Date('2026-03-02T01:00:00Z'));
let tp: TestPlatform;
let staffUser: { loginName: string; password: string };

const withCheck = (first17: string) => `${first17}${residentIdCheckChar(first17)}`;
const VALID_ID = withCheck('41010219851122301');
const PASSWORD = 'Reg@2026pass';

before(async () => {
  tp = await startTestPlatform({ clock });
  const units = await ensureTestUnits(tp);
  staffUser = await createStaff(tp, { roleScopes: ['identity.user.read', 'identity.user.write'], unitId: units.province });
});
after(async () => tp?.close());
// A fresh registration rate-limit window per test.
beforeEach(() => clock.advance(61 * 60_000));

async function register(kind: 'citizen' | 'enterprise', fields: Record<string, string>, accept = 'text/html') {
  const anon = await anonymousSession(tp);
  return tp.platform.app.inject({
    method: 'POST',
    url: `/register/${kind}`,
    headers: { cookie: anon.cookie, 'content-type': 'application/x-www-form-urlencoded', accept },
    payload: new URLSearchParams({ ...fields, _csrf: anon.csrf }).toString(),
  });
}

const countUsers = async (loginName: string) => (await queryRows(tp.database.db, sql`SELECT 1 FROM identity.users WHERE login_name = ${loginName}`)).length;

test('a citizen with a valid resident ID number registers and can log in', async () => {
  const res = await register('citizen', { name: '李明', idNumber: VALID_ID, phone: '13812345678', password: PASSWORD });
  assert.equal(res.statusCode, 303, res.body);
  assert.equal(res.headers.location, '/login');
  const row = await queryOne<{ kind: string; id_number: string; display_name: string }>(tp.database.db, sql`SELECT kind, id_number, display_name FROM identity.users WHERE login_name = ${VALID_ID}`);
  assert.deepEqual(row, { kind: 'citizen', id_number: VALID_ID, display_name: '李明' });
  const session = await loginAs(tp, { loginName: VALID_ID.toLowerCase(), password: PASSWORD });
  const my = await getPage(tp, session, '/my');
  assert.equal(my.statusCode, 200);
  assert.match(my.body, /4101\*\*\*\*\*\*\*\*\*\*/);
  assert.doesNotMatch(my.body, new RegExp(VALID_ID));
});

test('an invalid resident ID number is refused with the reason, and nothing is stored', async () => {
  const badCheck = `${VALID_ID.slice(0, 17)}${VALID_ID[17] === '0' ? '1' : '0'}`;
  const res = await register('citizen', { name: '王芳', idNumber: badCheck, phone: '13812345679', password: PASSWORD });
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /公民身份号码无效: 校验码错误: 按 GB 11643 计算应为/);
  assert.equal(await countUsers(badCheck), 0);

  const badDate = withCheck('41010219900230123'); // 30 February
  const res2 = await register('citizen', { name: '王芳', idNumber: badDate, phone: '13812345679', password: PASSWORD });
  assert.equal(res2.statusCode, 400);
  assert.match(res2.body, /出生日期码 19900230 不是有效日期/);
  assert.equal(await countUsers(badDate), 0);

  await assert.rejects(registerCitizen(tp.ctx(), { name: '王芳', idNumber: badDate, phone: '13812345679', password: PASSWORD }), (e: unknown) => isAppError(e) && e.code === 'invalid_identifier' && e.status === 400);
});

test('an enterprise with an invalid credit code is refused; a valid one registers', async () => {
  const bad = '91440300MA5DA8QK3X';
  const res = await register('enterprise', { name: '深圳测试科技有限公司', uscc: bad, phone: '13912345678', password: PASSWORD });
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /统一社会信用代码无效: 校验码错误: 按 GB 32100 计算应为 E, 实际为 X/);
  assert.equal(await countUsers(bad), 0);

  const good = `91410100MA9GTE3T0${usccCheckChar('91410100MA9GTE3T0')}`;
  const ok = await register('enterprise', { name: '河南3D打印（郑州）有限公司', uscc: good.toLowerCase(), phone: '13912345678', password: PASSWORD });
  assert.equal(ok.statusCode, 303, ok.body);
  assert.equal(await countUsers(good), 1);
});

test('a second registration of the same identifier is refused', async () => {
  const id = withCheck('41030219700101002');
  assert.equal((await register('citizen', { name: '赵六', idNumber: id, phone: '13700000001', password: PASSWORD })).statusCode, 303);
  const dup = await register('citizen', { name: '赵六', idNumber: id, phone: '13700000001', password: PASSWORD });
  assert.equal(dup.statusCode, 409);
  assert.match(dup.body, /该公民身份号码已注册/);
  assert.equal(await countUsers(id), 1);
});

test('a weak password is refused with the rules it breaks', async () => {
  const id = withCheck('41030219700101003');
  const res = await register('citizen', { name: '钱七', idNumber: id, phone: '13700000002', password: 'password' });
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /口令至少 10 位/);
  assert.match(res.body, /至少三类/);
  const containsLogin = await register('citizen', { name: '钱七', idNumber: id, phone: '13700000002', password: `Aa!${id}` });
  assert.equal(containsLogin.statusCode, 400);
  assert.match(containsLogin.body, /口令不能包含登录名/);
  assert.equal(await countUsers(id), 0);
  await assert.rejects(registerEnterprise(tp.ctx(), { name: '测试公司', uscc: `91410100MA9GTE3T1${usccCheckChar('91410100MA9GTE3T1')}`, phone: '13700000002', password: 'abc' }), (e: unknown) => isAppError(e) && e.status === 400);
});

test('script and SQL in a name are refused, and never reflected raw', async () => {
  const id = withCheck('41030219700101004');
  for (const name of ['<script>alert(1)</script>', "'; DROP TABLE identity.users; --", '张三<img src=x onerror=alert(1)>']) {
    const res = await register('citizen', { name, idNumber: id, phone: '13700000003', password: PASSWORD });
    assert.equal(res.statusCode, 400, name);
    assert.match(res.body, /姓名应为/);
    assert.doesNotMatch(res.body, /<script>alert\(1\)<\/script>/);
    assert.doesNotMatch(res.body, /<img src=x/);
    assert.doesNotMatch(res.body, /'; DROP TABLE/, 'quotes are escaped too');
  }
  assert.match((await register('citizen', { name: '<script>alert(1)</script>', idNumber: id, phone: '13700000003', password: PASSWORD })).body, /value="&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
  assert.equal(await countUsers(id), 0);
  assert.ok(await queryOne(tp.database.db, sql`SELECT count(*) FROM identity.users`), 'the table is still there');
  // Injection text in a search is just text.
  const staff = await loginAs(tp, staffUser);
  const search = await getPage(tp, staff, `/workbench/users?search=${encodeURIComponent("' OR 1=1 --")}`);
  assert.equal(search.statusCode, 200);
  assert.match(search.body, /没有符合条件的账号/);
});

test('a body over 1 MB is refused with 413; malformed JSON with 400 malformed_body', async () => {
  const anon = await anonymousSession(tp);
  const big = await tp.platform.app.inject({
    method: 'POST',
    url: '/register/citizen',
    headers: { cookie: anon.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    payload: `_csrf=${anon.csrf}&name=${'a'.repeat(1024 * 1024 + 10)}`,
  });
  assert.equal(big.statusCode, 413);
  assert.match(big.body, /请求内容过大/);

  const staff = await loginAs(tp, staffUser);
  const bigJson = await callApi(tp, staff, 'POST', '/api/identity/users', { loginName: 'x', displayName: 'y'.repeat(1024 * 1024 + 10) });
  assert.equal(bigJson.statusCode, 413);
  assert.equal(bigJson.json().code, 'payload_too_large');

  const malformed = await tp.platform.app.inject({
    method: 'POST',
    url: '/api/identity/users',
    headers: { ...staff.headers, 'content-type': 'application/json', accept: 'application/json' },
    payload: '{"loginName": "abc", ',
  });
  assert.equal(malformed.statusCode, 400);
  assert.match(String(malformed.headers['content-type']), /application\/problem\+json/);
  assert.equal(malformed.json().code, 'malformed_body');
  assert.match(malformed.json().title, /格式错误/);

  const extra = await callApi(tp, staff, 'POST', '/api/identity/users', { loginName: 'abc', displayName: '张三', password: PASSWORD, homeUnitId: '00000000-0000-7000-8000-000000000000', isDemo: true });
  assert.equal(extra.statusCode, 400, 'unknown properties are refused');
  assert.match(extra.json().title, /不允许的字段「isDemo」/);
});
