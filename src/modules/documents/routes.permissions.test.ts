/**
 * Who may and who may not: every route of the documents module, called through the real app by a
 * user holding its scope (real accounts, real logins; the document is put in the right step first)
 * and by one who does not, and anonymously. A spy module collects the routes the module registers,
 * so a new route without a line here fails the test.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestPlatform } from '../../../test/support/platform.ts';
import { anonymousSession, createStaff, loginAs, type Session, type TestUser } from '../../../test/support/identity.ts';
import type { Actor } from '../../platform/context.ts';
import { queryOne, sql } from '../../platform/db/index.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';
import {
  approveReview,
  createSeal,
  distributeDocument,
  exportDocument,
  getDocument,
  listSeals,
  proposeIncoming,
  registerIncoming,
  instructIncoming,
  completeIncoming,
  revokeSeal,
  sealDocument,
  signDocument,
  submitDocument,
} from './index.ts';
import { SCOPES } from './model.ts';
import { documentsModules, draftInput, makeWorld, multipartBody, postsOf, type Unit, type World } from './test-helpers.ts';
import { createDraft } from './services/outgoing.ts';
import { routeSpy, type Body, json, form } from '../../../test/support/routes.ts';

type UserKey = 'reader' | 'drafter' | 'reviewer' | 'signer' | 'sealer' | 'zzSealer' | 'lySealer' | 'zzClerk' | 'zzHandler' | 'zzLeader' | 'other' | 'anonymous';

let tp: TestPlatform;
let w: World;
const { spy, registered } = routeSpy();
const sessions = {} as Record<UserKey, Session>;
const actors = {} as Record<Exclude<UserKey, 'anonymous'>, Actor>;
let hn: ReturnType<typeof postsOf>;
let zz: ReturnType<typeof postsOf>;


interface RouteCase {
  route: string;
  /** Prepares what the allowed call needs (a document in the right step) and returns the address. */
  url: () => Promise<string>;
  allowed: UserKey;
  /** Holds no scope of this route (null for public routes). */
  denied: UserKey | null;
  status: number;
  body?: (s: Session) => Body | Promise<Body>;
}

const ctxOf = (a: Actor) => tp.ctx(a);

function actorOf(user: TestUser, name: string, unit: Unit, scopes: string[]): Actor {
  return { kind: 'staff', userId: user.id, name, grants: [{ roleCode: 't', roleName: 't', unitId: unit.id, unitName: unit.name, regionCode: unit.regionCode, regionPrefix: unit.regionPrefix, scopes: new Set(scopes) }] };
}

// ---- fixtures: a document of the province in a given step ---------------------------------------

async function drafted(): Promise<string> {
  return (await createDraft(ctxOf(actors.drafter), draftInput(w))).id;
}
async function submitted(): Promise<string> {
  const id = await drafted();
  await submitDocument(ctxOf(actors.drafter), { documentId: id });
  return id;
}
async function atSigning(): Promise<string> {
  const id = await submitted();
  await approveReview(ctxOf(hn.reviewer), { documentId: id });
  return id;
}
async function atSealing(): Promise<string> {
  const id = await atSigning();
  await signDocument(ctxOf(hn.signer), { documentId: id });
  return id;
}
async function atDistributing(): Promise<string> {
  const id = await atSealing();
  await sealDocument(ctxOf(hn.sealer), { documentId: id });
  return id;
}
async function distributedDoc(): Promise<string> {
  const id = await atDistributing();
  await distributeDocument(ctxOf(hn.sealer), { documentId: id });
  return id;
}
async function zzIncoming(documentId: string): Promise<string> {
  return (await queryOne<{ id: string }>(tp.database.db, sql`SELECT id FROM documents.incoming WHERE document_id = ${documentId} AND recipient_unit_id = ${w.zhengzhou.id}`))!.id;
}
/** The Zhengzhou incoming record of a fresh distributed document, taken to `step`. */
async function incomingAt(step: 'registering' | 'proposing' | 'instructing' | 'handling' | 'filing'): Promise<string> {
  const id = await zzIncoming(await distributedDoc());
  if (step === 'registering') return id;
  await registerIncoming(ctxOf(zz.clerk), { incomingId: id });
  if (step === 'proposing') return id;
  await proposeIncoming(ctxOf(zz.handler), { incomingId: id, proposal: '拟办' });
  if (step === 'instructing') return id;
  await instructIncoming(ctxOf(zz.leader), { incomingId: id, instruction: '批示' });
  if (step === 'handling') return id;
  await completeIncoming(ctxOf(zz.handler), { incomingId: id, result: '已办' });
  return id;
}
/** The unit has no active seal (revoked by the system if it had one). */
async function noActiveSeal(unit: Unit): Promise<void> {
  const { seals } = await listSeals(ctxOf(unit.id === w.zhengzhou.id ? actors.zzSealer : actors.lySealer));
  for (const s of seals) if (!s.revokedAt && s.unitId === unit.id) await revokeSeal(tp.ctx(), { sealId: s.id, reason: '测试准备' });
}
async function activeSealOf(unit: Unit): Promise<string> {
  const { seals } = await listSeals(ctxOf(unit.id === w.zhengzhou.id ? actors.zzSealer : actors.lySealer));
  const active = seals.find((s) => !s.revokedAt && s.unitId === unit.id);
  return active ? active.id : (await createSeal(tp.ctx(), { unitId: unit.id })).id;
}

let shared: { doc: string; sealed: string } = { doc: '', sealed: '' };
const draftBody = () => {
  const d = draftInput(w);
  return { title: d.title, body: d.body, numberPrefix: d.numberPrefix, urgency: 'normal', classification: 'none', mainRecipientIds: d.mainRecipientIds };
};
const draftForm = (s: Session) => form(s, { title: '表单起草的公文', body: '正文第一段', numberPrefix: '豫政', urgency: 'normal', classification: 'none', mainRecipients: w.zhengzhou.name });

const CASES: RouteCase[] = [
  // API
  { route: 'GET /api/documents/outgoing', url: async () => '/api/documents/outgoing', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /api/documents/incoming', url: async () => '/api/documents/incoming?pending=true', allowed: 'zzClerk', denied: 'other', status: 200 },
  { route: 'POST /api/documents', url: async () => '/api/documents', allowed: 'drafter', denied: 'reader', status: 201, body: () => json(draftBody()) },
  { route: 'GET /api/documents/:id', url: async () => `/api/documents/${shared.doc}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'PATCH /api/documents/:id', url: async () => `/api/documents/${await drafted()}`, allowed: 'drafter', denied: 'reader', status: 200, body: () => json({ ...draftBody(), title: '接口修改的标题' }) },
  { route: 'POST /api/documents/:id/submit', url: async () => `/api/documents/${await drafted()}/submit`, allowed: 'drafter', denied: 'reader', status: 200, body: () => json({}) },
  { route: 'POST /api/documents/:id/review', url: async () => `/api/documents/${await submitted()}/review`, allowed: 'reviewer', denied: 'drafter', status: 200, body: () => json({ decision: 'approve', comment: '同意' }) },
  { route: 'POST /api/documents/:id/sign', url: async () => `/api/documents/${await atSigning()}/sign`, allowed: 'signer', denied: 'reviewer', status: 200, body: () => json({ decision: 'sign' }) },
  { route: 'POST /api/documents/:id/seal', url: async () => `/api/documents/${await atSealing()}/seal`, allowed: 'sealer', denied: 'signer', status: 200, body: () => json({}) },
  { route: 'POST /api/documents/:id/distribute', url: async () => `/api/documents/${await atDistributing()}/distribute`, allowed: 'sealer', denied: 'drafter', status: 200, body: () => json({}) },
  { route: 'GET /api/documents/:id/verify', url: async () => `/api/documents/${shared.sealed}/verify`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /api/documents/:id/export', url: async () => `/api/documents/${shared.sealed}/export`, allowed: 'reader', denied: 'other', status: 200 },
  {
    route: 'POST /api/documents/verify/code',
    url: async () => '/api/documents/verify/code',
    allowed: 'anonymous',
    denied: null,
    status: 200,
    body: async () => {
      const d = await getDocument(tp.ctx(), { id: shared.sealed });
      return json({ number: d.docNumber!, code: d.seal!.verificationCode! });
    },
  },
  { route: 'POST /api/documents/verify/export', url: async () => '/api/documents/verify/export', allowed: 'anonymous', denied: null, status: 200, body: async () => json(await exportDocument(tp.ctx(), { id: shared.sealed })) },
  { route: 'GET /api/documents/incoming/:id', url: async () => `/api/documents/incoming/${await incomingAt('registering')}`, allowed: 'zzClerk', denied: 'other', status: 200 },
  { route: 'POST /api/documents/incoming/:id/register', url: async () => `/api/documents/incoming/${await incomingAt('registering')}/register`, allowed: 'zzClerk', denied: 'reader', status: 200, body: () => json({}) },
  { route: 'POST /api/documents/incoming/:id/propose', url: async () => `/api/documents/incoming/${await incomingAt('proposing')}/propose`, allowed: 'zzHandler', denied: 'zzClerk', status: 200, body: () => json({ proposal: '拟请办公室办理' }) },
  { route: 'POST /api/documents/incoming/:id/instruct', url: async () => `/api/documents/incoming/${await incomingAt('instructing')}/instruct`, allowed: 'zzLeader', denied: 'zzHandler', status: 200, body: () => json({ instruction: '同意', handlingUnitId: w.zzDept.id }) },
  { route: 'POST /api/documents/incoming/:id/complete', url: async () => `/api/documents/incoming/${await incomingAt('handling')}/complete`, allowed: 'zzHandler', denied: 'zzClerk', status: 200, body: () => json({ result: '已办结' }) },
  { route: 'POST /api/documents/incoming/:id/file', url: async () => `/api/documents/incoming/${await incomingAt('filing')}/file`, allowed: 'zzClerk', denied: 'zzLeader', status: 200, body: () => json({}) },
  { route: 'GET /api/documents/seals', url: async () => '/api/documents/seals', allowed: 'sealer', denied: 'reader', status: 200 },
  {
    route: 'POST /api/documents/seals',
    url: async () => {
      await noActiveSeal(w.zhengzhou);
      return '/api/documents/seals';
    },
    allowed: 'zzSealer',
    denied: 'reader',
    status: 201,
    body: () => json({ unitId: w.zhengzhou.id }),
  },
  { route: 'POST /api/documents/seals/:id/revoke', url: async () => `/api/documents/seals/${await activeSealOf(w.zhengzhou)}/revoke`, allowed: 'zzSealer', denied: 'reader', status: 200, body: () => json({ reason: '测试注销' }) },

  // Pages
  { route: 'GET /workbench/documents', url: async () => '/workbench/documents', allowed: 'reader', denied: 'other', status: 303 },
  { route: 'GET /workbench/documents/outgoing', url: async () => '/workbench/documents/outgoing?q=通知', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /workbench/documents/incoming', url: async () => '/workbench/documents/incoming?pending=on', allowed: 'zzClerk', denied: 'other', status: 200 },
  { route: 'GET /workbench/documents/new', url: async () => '/workbench/documents/new', allowed: 'drafter', denied: 'reader', status: 200 },
  { route: 'POST /workbench/documents', url: async () => '/workbench/documents', allowed: 'drafter', denied: 'reader', status: 303, body: draftForm },
  { route: 'GET /workbench/documents/:id/edit', url: async () => `/workbench/documents/${await drafted()}/edit`, allowed: 'drafter', denied: 'reader', status: 200 },
  { route: 'POST /workbench/documents/:id', url: async () => `/workbench/documents/${await drafted()}`, allowed: 'drafter', denied: 'reader', status: 303, body: draftForm },
  { route: 'GET /workbench/documents/:id', url: async () => `/workbench/documents/${shared.sealed}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /workbench/documents/:id/print', url: async () => `/workbench/documents/${shared.sealed}/print`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /documents/assets/:file', url: async () => '/documents/assets/print.css', allowed: 'anonymous', denied: null, status: 200 },
  { route: 'POST /workbench/documents/:id/submit', url: async () => `/workbench/documents/${await drafted()}/submit`, allowed: 'drafter', denied: 'reader', status: 303, body: (s) => form(s, {}) },
  { route: 'POST /workbench/documents/:id/review', url: async () => `/workbench/documents/${await submitted()}/review`, allowed: 'reviewer', denied: 'drafter', status: 303, body: (s) => form(s, { decision: 'return', comment: '请修改' }) },
  { route: 'POST /workbench/documents/:id/sign', url: async () => `/workbench/documents/${await atSigning()}/sign`, allowed: 'signer', denied: 'reviewer', status: 303, body: (s) => form(s, { decision: 'sign' }) },
  { route: 'POST /workbench/documents/:id/seal', url: async () => `/workbench/documents/${await atSealing()}/seal`, allowed: 'sealer', denied: 'signer', status: 303, body: (s) => form(s, {}) },
  { route: 'POST /workbench/documents/:id/distribute', url: async () => `/workbench/documents/${await atDistributing()}/distribute`, allowed: 'sealer', denied: 'drafter', status: 303, body: (s) => form(s, {}) },
  { route: 'POST /workbench/documents/incoming/:id/register', url: async () => `/workbench/documents/incoming/${await incomingAt('registering')}/register`, allowed: 'zzClerk', denied: 'reader', status: 303, body: (s) => form(s, {}) },
  { route: 'POST /workbench/documents/incoming/:id/propose', url: async () => `/workbench/documents/incoming/${await incomingAt('proposing')}/propose`, allowed: 'zzHandler', denied: 'zzClerk', status: 303, body: (s) => form(s, { proposal: '拟办意见' }) },
  { route: 'POST /workbench/documents/incoming/:id/instruct', url: async () => `/workbench/documents/incoming/${await incomingAt('instructing')}/instruct`, allowed: 'zzLeader', denied: 'zzHandler', status: 303, body: (s) => form(s, { instruction: '同意' }) },
  { route: 'POST /workbench/documents/incoming/:id/complete', url: async () => `/workbench/documents/incoming/${await incomingAt('handling')}/complete`, allowed: 'zzHandler', denied: 'zzClerk', status: 303, body: (s) => form(s, { result: '已办' }) },
  { route: 'POST /workbench/documents/incoming/:id/file', url: async () => `/workbench/documents/incoming/${await incomingAt('filing')}/file`, allowed: 'zzClerk', denied: 'zzLeader', status: 303, body: (s) => form(s, {}) },
  { route: 'GET /workbench/documents/seals', url: async () => '/workbench/documents/seals', allowed: 'sealer', denied: 'reader', status: 200 },
  {
    route: 'POST /workbench/documents/seals',
    url: async () => {
      await noActiveSeal(w.luoyang);
      return '/workbench/documents/seals';
    },
    allowed: 'lySealer',
    denied: 'reader',
    status: 303,
    body: (s) => form(s, { unitId: w.luoyang.id }),
  },
  { route: 'POST /workbench/documents/seals/:id/revoke', url: async () => `/workbench/documents/seals/${await activeSealOf(w.luoyang)}/revoke`, allowed: 'lySealer', denied: 'reader', status: 303, body: (s) => form(s, { reason: '测试注销' }) },

  // Public verification
  { route: 'GET /verify/documents', url: async () => '/verify/documents', allowed: 'anonymous', denied: null, status: 200 },
  {
    route: 'POST /verify/documents',
    url: async () => '/verify/documents',
    allowed: 'anonymous',
    denied: null,
    status: 200,
    body: async (s) => {
      const d = await getDocument(tp.ctx(), { id: shared.sealed });
      return form(s, { number: d.docNumber!, code: d.seal!.verificationCode! });
    },
  },
  {
    route: 'POST /verify/documents/file',
    url: async () => '/verify/documents/file',
    allowed: 'anonymous',
    denied: null,
    status: 200,
    body: async (s) => multipartBody([
      { name: '_csrf', value: s.csrf },
      { name: 'file', filename: 'document.json', type: 'application/json', content: JSON.stringify(await exportDocument(tp.ctx(), { id: shared.sealed })) },
    ]),
  },
];

const SCOPES_OF: Record<Exclude<UserKey, 'anonymous'>, { unit: keyof World; scopes: string[] }> = {
  reader: { unit: 'province', scopes: [SCOPES.read] },
  drafter: { unit: 'province', scopes: [SCOPES.read, SCOPES.outgoingDraft] },
  reviewer: { unit: 'province', scopes: [SCOPES.read, SCOPES.outgoingReview] },
  signer: { unit: 'province', scopes: [SCOPES.read, SCOPES.outgoingSign] },
  sealer: { unit: 'province', scopes: [SCOPES.read, SCOPES.sealManage] },
  zzSealer: { unit: 'zhengzhou', scopes: [SCOPES.read, SCOPES.sealManage] },
  lySealer: { unit: 'luoyang', scopes: [SCOPES.read, SCOPES.sealManage] },
  zzClerk: { unit: 'zhengzhou', scopes: [SCOPES.read, SCOPES.incomingRegister] },
  zzHandler: { unit: 'zhengzhou', scopes: [SCOPES.read, SCOPES.incomingHandle] },
  zzLeader: { unit: 'zhengzhou', scopes: [SCOPES.read, SCOPES.incomingInstruct] },
  other: { unit: 'province', scopes: ['directory.unit.read'] },
};

before(async () => {
  tp = await startTestPlatform({ modules: [spy, ...documentsModules()] });
  w = await makeWorld(tp);
  hn = postsOf(w.province, '省政府');
  zz = postsOf(w.zhengzhou, '郑州市');
  for (const key of Object.keys(SCOPES_OF) as (keyof typeof SCOPES_OF)[]) {
    const spec = SCOPES_OF[key];
    const user = await createStaff(tp, { roleScopes: spec.scopes, unitId: w[spec.unit].id });
    sessions[key] = await loginAs(tp, user);
    actors[key] = actorOf(user, key, w[spec.unit], spec.scopes);
  }
  sessions.anonymous = await anonymousSession(tp);
  shared = { doc: await drafted(), sealed: await atDistributing() };
});
after(async () => {
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

test('every documents route has a case here', () => {
  const ours = registered.filter((r) => /^\w+ (\/api\/documents|\/workbench\/documents|\/documents\/|\/verify\/documents)/.test(r));
  assert.deepEqual([...new Set(ours)].sort(), CASES.map((c) => c.route).sort());
});

for (const c of CASES) {
  test(`${c.route}: ${c.allowed} may${c.denied ? `, ${c.denied} may not` : ''}`, async () => {
    const url = await c.url();
    const ok = await call(c, c.allowed, url);
    assert.equal(ok.statusCode, c.status, `${c.allowed}: ${ok.body.slice(0, 400)}`);
    if (c.status === 303 && c.route.startsWith('POST')) {
      // A successful form post says so on the next page, not an error.
      assert.doesNotMatch(String(ok.headers.location), /login/);
    }
    if (c.denied) {
      const no = await call(c, c.denied, url);
      assert.equal(no.statusCode, 403, `${c.denied}: ${no.body.slice(0, 300)}`);
      if (c.route.includes(' /api/')) assert.equal(no.json().code, 'forbidden');
      else assert.ok(no.body.includes('您没有执行此操作的权限'));
      const anon = await call(c, 'anonymous', url);
      const [method] = c.route.split(' ');
      if (method === 'GET' && !c.route.includes(' /api/')) assert.deepEqual([anon.statusCode, String(anon.headers.location).startsWith('/login')], [303, true]);
      else assert.ok([401, 403].includes(anon.statusCode), `anonymous: ${anon.statusCode}`);
    }
  });
}
