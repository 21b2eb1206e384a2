/**
 * Accounts and logins for tests, through the real services and the real login form.
 */
import { randomBytes } from 'node:crypto';
import { newId } from '../../src/platform/ids.ts';
import { sql } from '../../src/platform/db/index.ts';
import { createStaffUser, assignRole, getRole, totpCode, DEMO_TOTP_SECRET } from '../../src/modules/identity/index.ts';
import type { TestPlatform } from './platform.ts';

export const TEST_PASSWORD = 'Test@2026pass';

export interface TestUser {
  id: string;
  loginName: string;
  password: string;
}

/** A staff account holding exactly these scopes at the unit (a test role is created for it). */
export async function createStaff(tp: TestPlatform, input: { roleScopes?: string[]; roleCode?: string; unitId: string; loginName?: string }): Promise<TestUser> {
  const ctx = tp.ctx();
  let roleId: string;
  if (input.roleCode) {
    const role = await getRole(ctx, { code: input.roleCode });
    if (!role) throw new Error(`no role ${input.roleCode}`);
    roleId = role.id;
  } else {
    roleId = newId();
    const now = new Date().toISOString();
    // Directly, since test roles may hold any scope (the service refuses reserved ones in custom roles).
    await tp.database.db.execute(sql`INSERT INTO identity.roles (id, code, name, description, requires_mfa, builtin, created_at, updated_at)
      VALUES (${roleId}, ${`t_${randomBytes(5).toString('hex')}`}, '测试角色', '', false, false, ${now}, ${now})`);
    for (const s of input.roleScopes ?? []) await tp.database.db.execute(sql`INSERT INTO identity.role_scopes (role_id, scope) VALUES (${roleId}, ${s})`);
  }
  const loginName = input.loginName ?? `t${randomBytes(5).toString('hex')}`;
  const user = await createStaffUser(ctx, { loginName, displayName: `测试用户${loginName.slice(-4)}`, password: TEST_PASSWORD, homeUnitId: input.unitId });
  await assignRole(ctx, { userId: user.id, roleId, unitId: input.unitId });
  return { id: user.id, loginName, password: TEST_PASSWORD };
}

export interface Session {
  cookie: string;
  csrf: string;
  /** Headers for app.inject: cookie and CSRF token. */
  headers: Record<string, string>;
  /** The TOTP secret used at login (demo secret, or the one shown at enrolment). */
  totpSecret?: string;
}

function cookiesFrom(setCookie: string | string[] | undefined, jar: Map<string, string>): void {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  for (const c of list) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    const name = pair.slice(0, i);
    const value = pair.slice(i + 1);
    if (value === '' || /Expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(name);
    else jar.set(name, value);
  }
}

const jarHeader = (jar: Map<string, string>) => [...jar.entries()].map(([k, v]) => `${k}=${v}`).join('; ');

export function csrfFrom(body: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(body);
  if (!m) throw new Error('no CSRF token on page');
  return m[1];
}

/** Anonymous visitor: cookie jar and CSRF token for public forms. */
export async function anonymousSession(tp: TestPlatform): Promise<Session> {
  const jar = new Map<string, string>();
  const page = await tp.platform.app.inject({ method: 'GET', url: '/login' });
  cookiesFrom(page.headers['set-cookie'], jar);
  const csrf = csrfFrom(page.body);
  return { cookie: jarHeader(jar), csrf, headers: { cookie: jarHeader(jar), 'x-csrf-token': csrf } };
}

/** Logs in through the real form (and TOTP step when the account has it, using the demo secret for demo accounts). */
export async function loginAs(tp: TestPlatform, user: { loginName: string; password: string; totpSecret?: string; ip?: string }): Promise<Session> {
  const app = tp.platform.app;
  const jar = new Map<string, string>();
  const first = await app.inject({ method: 'GET', url: '/login' });
  cookiesFrom(first.headers['set-cookie'], jar);
  let usedSecret: string | undefined;
  const res = await app.inject({
    method: 'POST',
    url: '/login',
    ...(user.ip ? { remoteAddress: user.ip } : {}),
    headers: { cookie: jarHeader(jar), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ loginName: user.loginName, password: user.password, _csrf: csrfFrom(first.body) }).toString(),
  });
  if (res.statusCode !== 303) throw new Error(`login failed (${res.statusCode}): ${res.body.slice(0, 300)}`);
  cookiesFrom(res.headers['set-cookie'], jar);
  if (res.headers.location === '/login/totp') {
    const totpPage = await app.inject({ method: 'GET', url: '/login/totp', headers: { cookie: jarHeader(jar) } });
    const secret = user.totpSecret ?? (/id="totp-secret">([A-Z2-7]+)</.exec(totpPage.body)?.[1] ?? DEMO_TOTP_SECRET);
    usedSecret = secret;
    const done = await app.inject({
      method: 'POST',
      url: '/login/totp',
      headers: { cookie: jarHeader(jar), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ code: totpCode(secret, tp.clock.now()), _csrf: csrfFrom(totpPage.body) }).toString(),
    });
    if (done.statusCode !== 303) throw new Error(`TOTP failed (${done.statusCode}): ${done.body.slice(0, 300)}`);
  }
  const home = await app.inject({ method: 'GET', url: '/my', headers: { cookie: jarHeader(jar) } });
  const page = home.statusCode === 303 ? await app.inject({ method: 'GET', url: String(home.headers.location), headers: { cookie: jarHeader(jar) } }) : home;
  const csrf = csrfFrom(page.body);
  return { cookie: jarHeader(jar), csrf, headers: { cookie: jarHeader(jar), 'x-csrf-token': csrf }, totpSecret: usedSecret };
}

/** Posts a form as a browser would (url-encoded, with the session's CSRF token unless given). */
export async function postForm(tp: TestPlatform, session: Pick<Session, 'cookie' | 'csrf'> | null, url: string, fields: Record<string, string | string[]> = {}) {
  const body = new URLSearchParams();
  if (session && !('_csrf' in fields)) body.append('_csrf', session.csrf);
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return tp.platform.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...(session ? { cookie: session.cookie } : {}) },
    payload: body.toString(),
  });
}

/** Calls the JSON API with the session's cookie and CSRF header (or anonymously). */
export async function callApi(tp: TestPlatform, session: Pick<Session, 'headers'> | null, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown) {
  return tp.platform.app.inject({
    method,
    url,
    headers: { accept: 'application/json', ...(session?.headers ?? {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
}

/** GET a page as a browser would. */
export async function getPage(tp: TestPlatform, session: Pick<Session, 'cookie'> | null, url: string) {
  return tp.platform.app.inject({ method: 'GET', url, headers: { accept: 'text/html', ...(session ? { cookie: session.cookie } : {}) } });
}
