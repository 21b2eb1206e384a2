/**
 * Who may and who may not: every route of the enterprise-sharing module, called through the real
 * app by a user holding its scope at a tax bureau and by one who does not, and anonymously. The
 * webhook receivers are public at the HTTP layer: their check is the exchange's signature. A spy
 * module collects the routes the module registers, so a new route without a line here fails.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestPlatform } from '../../../test/support/platform.ts';
import { deploymentModules, startTestPlatform } from '../../../test/support/platform.ts';
import { anonymousSession, createStaff, loginAs, type Session } from '../../../test/support/identity.ts';
import { ensureTestUnits } from '../../../test/support/units.ts';
import { routeSpy } from '../../../test/support/routes.ts';
import { newId } from '../../platform/ids.ts';
import { SCOPES, TOPIC_CODES, WEBHOOK_PATHS } from './model.ts';
import { listClearances, listIntake, receiveEnterpriseEvent } from './services/intake.ts';
import { getBureau } from './services/bureaus.ts';
import { connectForTest, zhengzhouUscc } from './test-helpers.ts';

type UserKey = 'reader' | 'clerk' | 'other' | 'anonymous';

let tp: TestPlatform;
const { spy, registered } = routeSpy();
const sessions = {} as Record<UserKey, Session>;

interface RouteCase {
  route: string;
  url: () => Promise<string>;
  allowed: UserKey;
  denied: UserKey;
  status: number;
  body?: (s: Session) => { payload: string; contentType: string };
}

const json = (o: object) => ({ payload: JSON.stringify(o), contentType: 'application/json' });
const form = (s: Session, o: Record<string, string>) => ({ payload: new URLSearchParams({ _csrf: s.csrf, ...o }).toString(), contentType: 'application/x-www-form-urlencoded' });

/** A fresh enterprise and deregistration request in ZZTAX's intake (as if delivered by the exchange). */
async function delivered(type: 'registered' | 'deregistration_requested'): Promise<string> {
  const uscc = zhengzhouUscc();
  const payload = { type, uscc, name: '权限测试有限公司', regionCode: '410102', status: 'active', address: '郑州市中原区', recordedAt: new Date().toISOString(), requestId: newId(), reason: '决议解散', requestedOn: '2026-06-01' };
  await receiveEnterpriseEvent(tp.ctx(), { bureauCode: 'ZZTAX', event: { id: newId(), topic: TOPIC_CODES.enterpriseRegistration, type, key: uscc, publishedAt: new Date().toISOString(), payload } });
  return uscc;
}
const enterprise = async () => {
  const uscc = await delivered('registered');
  return (await listIntake(tp.ctx(), { bureauCode: 'ZZTAX', view: 'all' })).find((e) => e.uscc === uscc)!.id;
};
const clearance = async () => {
  const uscc = await delivered('deregistration_requested');
  return (await listClearances(tp.ctx(), { bureauCode: 'ZZTAX', view: 'all' })).find((c) => c.uscc === uscc)!.id;
};

const API = '/api/enterprise-sharing';
const W = '/workbench/tax';
const CASES: RouteCase[] = [
  { route: `GET ${API}/inbox`, url: async () => `${API}/inbox`, allowed: 'reader', denied: 'other', status: 200 },
  { route: `GET ${API}/latency`, url: async () => `${API}/latency`, allowed: 'reader', denied: 'other', status: 200 },
  { route: `POST ${API}/enterprises/:id/accept`, url: async () => `${API}/enterprises/${await enterprise()}/accept`, allowed: 'clerk', denied: 'reader', status: 200, body: () => json({ competentAuthority: '国家税务总局郑州市中原区税务局', accountingMethod: '独立核算' }) },
  { route: `POST ${API}/clearances/:id/answer`, url: async () => `${API}/clearances/${await clearance()}/answer`, allowed: 'clerk', denied: 'reader', status: 200, body: () => json({ cleared: false, outstanding: ['欠缴税款'] }) },
  { route: `GET ${W}`, url: async () => W, allowed: 'reader', denied: 'other', status: 200 },
  { route: `GET ${W}/enterprises/:id`, url: async () => `${W}/enterprises/${await enterprise()}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: `GET ${W}/clearances/:id`, url: async () => `${W}/clearances/${await clearance()}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: `POST ${W}/enterprises/:id/accept`, url: async () => `${W}/enterprises/${await enterprise()}/accept`, allowed: 'clerk', denied: 'reader', status: 303, body: (s) => form(s, { competentAuthority: '国家税务总局郑州市中原区税务局', accountingMethod: '非独立核算' }) },
  { route: `POST ${W}/clearances/:id/answer`, url: async () => `${W}/clearances/${await clearance()}/answer`, allowed: 'clerk', denied: 'reader', status: 303, body: (s) => form(s, { cleared: 'true' }) },
];
/** Public at the HTTP layer; what admits a call is the exchange's SM2 signature (the events test delivers real ones). */
const WEBHOOKS = [`POST ${WEBHOOK_PATHS.taxRegistrations(':bureau')}`, `POST ${WEBHOOK_PATHS.marketClearances}`];

before(async () => {
  tp = await startTestPlatform({ modules: [spy, ...deploymentModules] });
  await ensureTestUnits(tp);
  const { bureaus } = await connectForTest(tp, { baseUrl: 'http://127.0.0.1:9' });
  const zz = bureaus.find((b) => b.code === 'ZZTAX')!;
  sessions.reader = await loginAs(tp, await createStaff(tp, { roleScopes: [SCOPES.intakeRead], unitId: zz.unitId }));
  sessions.clerk = await loginAs(tp, await createStaff(tp, { roleCode: 'tax_registration_clerk', unitId: zz.unitId }));
  sessions.other = await loginAs(tp, await createStaff(tp, { roleScopes: ['directory.unit.read'], unitId: zz.unitId }));
  sessions.anonymous = await anonymousSession(tp);
});
after(async () => {
  await tp?.close();
});

async function call(route: string, who: UserKey, url: string, body?: RouteCase['body']) {
  const s = sessions[who];
  const [method] = route.split(' ');
  const b = body ? body(s) : undefined;
  const headers: Record<string, string> = { accept: route.includes(' /api/') ? 'application/json' : 'text/html', ...(s.cookie ? { cookie: s.cookie } : {}), ...(s.csrf ? { 'x-csrf-token': s.csrf } : {}) };
  if (b) headers['content-type'] = b.contentType;
  return tp.platform.app.inject({ method: method as 'GET', url, headers, payload: b?.payload });
}

test('every enterprise-sharing route has a case here', () => {
  const ours = registered.filter((r) => /^\w+ (\/api\/enterprise-sharing|\/workbench\/tax)/.test(r));
  assert.deepEqual([...new Set(ours)].sort(), [...CASES.map((c) => c.route), ...WEBHOOKS].sort());
});

for (const c of CASES) {
  test(`${c.route}: ${c.allowed} may, ${c.denied} may not`, async () => {
    const ok = await call(c.route, c.allowed, await c.url(), c.body);
    assert.equal(ok.statusCode, c.status, `${c.allowed}: ${ok.body.slice(0, 400)}`);
    if (c.status === 303) assert.doesNotMatch(String(ok.headers.location), /login/);
    const no = await call(c.route, c.denied, await c.url(), c.body);
    assert.equal(no.statusCode, 403, `${c.denied}: ${no.body.slice(0, 300)}`);
    const anon = await call(c.route, 'anonymous', await c.url(), c.body);
    const [method] = c.route.split(' ');
    if (method === 'GET' && !c.route.includes(' /api/')) assert.deepEqual([anon.statusCode, String(anon.headers.location).startsWith('/login')], [303, true]);
    else assert.ok([401, 403].includes(anon.statusCode), `anonymous: ${anon.statusCode}`);
  });
}

for (const route of WEBHOOKS) {
  test(`${route}: anyone may call, only the exchange's signature is accepted`, async () => {
    const url = route.split(' ')[1].replace(':bureau', 'ZZTAX');
    const body = JSON.stringify({ id: newId(), topic: TOPIC_CODES.enterpriseRegistration, type: 'registered', key: 'X', publishedAt: new Date().toISOString(), payload: {} });
    for (const signature of [undefined, 'sm2 bm90IGEgc2lnbmF0dXJl']) {
      const res = await tp.platform.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(signature ? { 'x-egov-signature': signature } : {}) }, payload: body });
      assert.equal(res.statusCode, 401, res.body.slice(0, 300));
    }
  });
}

test('a clerk of another bureau sees nothing of this one', async () => {
  const id = await enterprise();
  const hn = (await getBureau(tp.ctx(), { code: 'HNTAX' }))!;
  const hnClerk = await loginAs(tp, await createStaff(tp, { roleCode: 'tax_registration_clerk', unitId: hn.unitId }));
  const page = await tp.platform.app.inject({ method: 'GET', url: `${W}/enterprises/${id}`, headers: { cookie: hnClerk.cookie, accept: 'text/html' } });
  assert.equal(page.statusCode, 404);
  const inbox = await tp.platform.app.inject({ method: 'GET', url: `${API}/inbox?view=all`, headers: { cookie: hnClerk.cookie, accept: 'application/json' } });
  assert.deepEqual(inbox.json().enterprises, []);
});
