/**
 * Login, the TOTP second factor, sessions and API keys; and the Authenticator the HTTP layer uses.
 * Failed logins count per account (lockout after 5) and per address (rate limit), both in the
 * database so every process shares them.
 */
import { newId } from '../../platform/ids.ts';
import { queryOne, queryRows, sql, type Db } from '../../platform/db/index.ts';
import { audit } from '../../platform/audit/chain.ts';
import { inTransaction } from '../../platform/transaction.ts';
import { AppError, badRequest, forbidden, notFound } from '../../platform/errors.ts';
import { hasScope, type Actor, type Ctx } from '../../platform/context.ts';
import { maskIdNumber } from '../../platform/identifiers/index.ts';
import { randomToken, sm3Hex, sm4Decrypt, sm4Encrypt } from '../../platform/crypto/index.ts';
import { ensureSecret } from '../../platform/secrets.ts';
import { enforceRateLimit } from '../../platform/http/rate-limit.ts';
import type { Authenticator } from '../../platform/auth/index.ts';
import type { PlatformServices } from '../../platform/module.ts';
import { dummyPasswordHash, verifyPassword, assertPasswordAcceptable, hashPassword } from './passwords.ts';
import { newTotpSecret, otpauthUri, verifyTotp } from './totp.ts';
import { grantsOf } from './assignments.ts';
import { getUser, loadForChange } from './users.ts';

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MINUTES = 15;
export const SESSION_ABSOLUTE_HOURS = 12;

interface LoginUserRow {
  id: string;
  kind: 'staff' | 'citizen' | 'enterprise' | 'service';
  login_name: string;
  display_name: string;
  password_hash: string | null;
  status: string;
  failed_logins: number;
  locked_until: Date | string | null;
  totp_enabled: boolean;
  totp_secret_sealed: string | null;
  totp_last_step: string | number | null;
}

export type LoginOutcome = { token: string; next: 'done' | 'totp' | 'totp_enroll'; kind: LoginUserRow['kind'] };

const invalidCredentials = () => new AppError({ code: 'invalid_credentials', status: 401, message: '登录名或口令错误。' });

async function totpKey(db: Db): Promise<Buffer> {
  return ensureSecret(db, 'identity_totp_sm4', 16);
}

async function openSession(ctx: Ctx, userId: string, secondFactorDone: boolean, meta: { userAgent?: string }): Promise<string> {
  const token = randomToken(32);
  const now = ctx.clock.now();
  await ctx.db.execute(sql`INSERT INTO identity.sessions (id, token_hash, user_id, second_factor_done, created_at, last_seen_at, expires_at, ip, user_agent)
    VALUES (${newId()}, ${sm3Hex(token)}, ${userId}, ${secondFactorDone}, ${now.toISOString()}, ${now.toISOString()},
      ${new Date(now.getTime() + SESSION_ABSOLUTE_HOURS * 3600_000).toISOString()}, ${ctx.ip ?? null}, ${meta.userAgent?.slice(0, 300) ?? null})`);
  return token;
}

/** Checks login name and password; opens a session (complete, or awaiting the second factor). */
export async function login(ctx: Ctx, input: { loginName: string; password: string; userAgent?: string }): Promise<LoginOutcome> {
  const loginName = input.loginName.trim();
  if (!loginName || !input.password) throw badRequest('validation_failed', '请输入登录名和口令', [{ field: 'loginName', message: '请输入登录名和口令' }]);
  await inTransaction(ctx, async (tctx) => enforceRateLimit(tctx, { key: `login:ip:${ctx.ip ?? 'unknown'}`, limit: 30, windowSeconds: 600 }, '登录尝试过于频繁, 请 10 分钟后再试。'));
  // Staff log in with a lowercase user name, citizens and enterprises with an uppercase identifier.
  const candidates = [...new Set([loginName.toLowerCase(), loginName.toUpperCase()])];
  const user = await queryOne<LoginUserRow>(ctx.db, sql`SELECT * FROM identity.users WHERE login_name IN (${candidates[0]}, ${candidates[candidates.length - 1]}) LIMIT 1`);
  const now = ctx.clock.now();
  if (!user || !user.password_hash) {
    await verifyPassword(await dummyPasswordHash(), input.password);
    // A mistyped resident ID number is still personal data: it is masked in the log.
    const shown = /^\d{17}[\dXx]$/.test(loginName) ? maskIdNumber(loginName.toUpperCase()) : loginName.slice(0, 64);
    await inTransaction(ctx, async (tctx) => audit(tctx, { action: 'identity.login', targetType: 'identity.login_name', targetId: shown, result: 'failure', details: { reason: 'unknown_account' } }));
    throw invalidCredentials();
  }
  const asUser = { ...ctx, actor: { kind: user.kind, userId: user.id, name: user.display_name, grants: [] } as Actor };
  // A locked account is refused before the password is checked, so the lock cannot be used to test passwords.
  if (user.locked_until && new Date(user.locked_until).getTime() > now.getTime()) {
    await inTransaction(asUser, async (tctx) => audit(tctx, { action: 'identity.login', targetType: 'identity.user', targetId: user.id, result: 'denied', details: { reason: 'locked' } }));
    const until = new Date(user.locked_until);
    throw new AppError({ code: 'account_locked', status: 423, message: `连续登录失败次数过多, 账号已锁定, 请于 ${until.toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Shanghai' })} 后再试或联系安全管理员解锁。` });
  }
  const ok = await verifyPassword(user.password_hash, input.password);
  if (!ok) {
    await inTransaction(asUser, async (tctx) => {
      // Counted in the database, atomically, so parallel attempts cannot slip past the limit.
      const counted = await queryOne<{ failed_logins: number }>(tctx.db, sql`UPDATE identity.users SET failed_logins = failed_logins + 1 WHERE id = ${user.id} RETURNING failed_logins`);
      const failed = Number(counted?.failed_logins ?? 1);
      const lockedUntil = failed >= MAX_FAILED_LOGINS ? new Date(now.getTime() + LOCKOUT_MINUTES * 60_000).toISOString() : null;
      if (lockedUntil) await tctx.db.execute(sql`UPDATE identity.users SET failed_logins = 0, locked_until = ${lockedUntil} WHERE id = ${user.id}`);
      audit(tctx, { action: 'identity.login', targetType: 'identity.user', targetId: user.id, result: 'failure', details: { reason: 'bad_password', failed, locked: Boolean(lockedUntil) } });
    });
    throw invalidCredentials();
  }
  // Only someone who knows the password learns that the account is disabled.
  if (user.status !== 'active') {
    await inTransaction(asUser, async (tctx) => audit(tctx, { action: 'identity.login', targetType: 'identity.user', targetId: user.id, result: 'denied', details: { reason: 'disabled' } }));
    throw new AppError({ code: 'account_disabled', status: 403, message: '账号已停用, 请联系管理员。' });
  }
  return inTransaction(asUser, async (tctx) => {
    await tctx.db.execute(sql`UPDATE identity.users SET failed_logins = 0, locked_until = NULL WHERE id = ${user.id}`);
    const { requiresMfa } = user.kind === 'staff' ? await grantsOf(tctx, user.id) : { requiresMfa: false };
    const next: LoginOutcome['next'] = user.totp_enabled ? 'totp' : requiresMfa ? 'totp_enroll' : 'done';
    const token = await openSession(tctx, user.id, false, input);
    audit(tctx, { action: 'identity.login', targetType: 'identity.user', targetId: user.id, targetLabel: user.display_name, details: { next } });
    return { token, next, kind: user.kind };
  });
}

interface SessionRow {
  session_id: string;
  user_id: string;
  second_factor_done: boolean;
  last_seen_at: Date | string;
  expires_at: Date | string;
  kind: LoginUserRow['kind'];
  display_name: string;
  status: string;
  totp_enabled: boolean;
}

async function findSession(db: Db, token: string): Promise<SessionRow | undefined> {
  return queryOne<SessionRow>(db, sql`SELECT s.id AS session_id, s.user_id, s.second_factor_done, s.last_seen_at, s.expires_at, u.kind, u.display_name, u.status, u.totp_enabled
    FROM identity.sessions s JOIN identity.users u ON u.id = s.user_id WHERE s.token_hash = ${sm3Hex(token)} AND s.revoked_at IS NULL`);
}

/** For the second-factor page: start enrolment (administrators without TOTP yet). */
export async function beginTotpEnrollment(ctx: Ctx, input: { sessionToken: string }): Promise<{ secret: string; uri: string }> {
  const s = await findSession(ctx.db, input.sessionToken);
  if (!s) throw new AppError({ code: 'unauthenticated', status: 401, message: '会话已失效, 请重新登录。' });
  const user = await queryOne<LoginUserRow>(ctx.db, sql`SELECT * FROM identity.users WHERE id = ${s.user_id}`);
  if (!user) throw notFound('user_not_found', '账号不存在');
  if (user.totp_enabled) throw badRequest('totp_already_enabled', '已绑定动态口令');
  const key = await totpKey(ctx.db);
  let secret = user.totp_secret_sealed ? sm4Decrypt(key, user.totp_secret_sealed) : null;
  if (!secret) {
    secret = newTotpSecret();
    await ctx.db.execute(sql`UPDATE identity.users SET totp_secret_sealed = ${sm4Encrypt(key, secret)} WHERE id = ${user.id}`);
  }
  return { secret, uri: otpauthUri(secret, user.login_name) };
}

/** Checks the TOTP code for a session awaiting it; enables TOTP on first success (enrolment). */
export async function completeSecondFactor(ctx: Ctx, input: { sessionToken: string; code: string }): Promise<{ kind: LoginUserRow['kind'] }> {
  const s = await findSession(ctx.db, input.sessionToken);
  if (!s) throw new AppError({ code: 'unauthenticated', status: 401, message: '会话已失效, 请重新登录。' });
  const user = await queryOne<LoginUserRow>(ctx.db, sql`SELECT * FROM identity.users WHERE id = ${s.user_id}`);
  if (!user || !user.totp_secret_sealed) throw badRequest('totp_not_set', '尚未生成动态口令密钥, 请重新登录');
  const asUser = { ...ctx, actor: { kind: user.kind, userId: user.id, name: user.display_name, grants: [] } as Actor };
  await inTransaction(asUser, async (tctx) => enforceRateLimit(tctx, { key: `totp:${user.id}`, limit: 10, windowSeconds: 600 }, '动态口令尝试过于频繁, 请稍后再试。'));
  const secret = sm4Decrypt(await totpKey(ctx.db), user.totp_secret_sealed);
  const step = verifyTotp(secret, input.code.trim(), ctx.clock.now(), user.totp_last_step === null ? null : Number(user.totp_last_step));
  if (step === null) {
    await inTransaction(asUser, async (tctx) => audit(tctx, { action: 'identity.login.second_factor', targetType: 'identity.user', targetId: user.id, result: 'failure' }));
    throw new AppError({ code: 'invalid_totp', status: 401, message: '动态口令不正确或已使用过, 请输入验证器中当前显示的 6 位数字。', fields: [{ field: 'code', message: '动态口令不正确' }] });
  }
  return inTransaction(asUser, async (tctx) => {
    await tctx.db.execute(sql`UPDATE identity.users SET totp_enabled = true, totp_last_step = ${step} WHERE id = ${user.id}`);
    await tctx.db.execute(sql`UPDATE identity.sessions SET second_factor_done = true, last_seen_at = ${tctx.clock.now().toISOString()} WHERE id = ${s.session_id}`);
    audit(tctx, { action: user.totp_enabled ? 'identity.login.second_factor' : 'identity.totp.enroll', targetType: 'identity.user', targetId: user.id, targetLabel: user.display_name });
    return { kind: user.kind };
  });
}

export async function logout(ctx: Ctx, input: { sessionToken: string }): Promise<void> {
  const s = await findSession(ctx.db, input.sessionToken);
  if (!s) return;
  await inTransaction(ctx, async (tctx) => {
    await tctx.db.execute(sql`UPDATE identity.sessions SET revoked_at = ${tctx.clock.now().toISOString()} WHERE id = ${s.session_id}`);
    audit(tctx, { action: 'identity.logout', targetType: 'identity.user', targetId: s.user_id });
  });
}

/**
 * Changes the caller's own password after checking the current one; the caller's other sessions
 * end (the current one, if given, stays). Wrong current passwords count toward the lockout.
 */
export async function changeOwnPassword(ctx: Ctx, input: { currentPassword: string; newPassword: string; keepSessionId?: string | null }): Promise<void> {
  if (!ctx.actor.userId) throw forbidden();
  await inTransaction(ctx, async (tctx) => enforceRateLimit(tctx, { key: `password:${ctx.actor.userId}`, limit: 10, windowSeconds: 600 }, '尝试过于频繁, 请稍后再试。'));
  const user = await queryOne<LoginUserRow>(ctx.db, sql`SELECT * FROM identity.users WHERE id = ${ctx.actor.userId}`);
  if (!user?.password_hash || !(await verifyPassword(user.password_hash, input.currentPassword))) {
    await inTransaction(ctx, async (tctx) => audit(tctx, { action: 'identity.password.change', targetType: 'identity.user', targetId: ctx.actor.userId!, result: 'failure', details: { reason: 'bad_current_password' } }));
    throw badRequest('invalid_credentials', '当前口令不正确', [{ field: 'currentPassword', message: '当前口令不正确' }]);
  }
  assertPasswordAcceptable(input.newPassword, user.login_name, 'newPassword');
  if (input.newPassword === input.currentPassword) throw badRequest('same_password', '新口令不能与当前口令相同', [{ field: 'newPassword', message: '新口令不能与当前口令相同' }]);
  const hash = await hashPassword(input.newPassword);
  await inTransaction(ctx, async (tctx) => {
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`UPDATE identity.users SET password_hash = ${hash}, password_changed_at = ${now}, updated_at = ${now} WHERE id = ${user.id}`);
    await tctx.db.execute(sql`UPDATE identity.sessions SET revoked_at = ${now} WHERE user_id = ${user.id} AND revoked_at IS NULL
      AND (${input.keepSessionId ?? null}::uuid IS NULL OR id <> ${input.keepSessionId ?? null}::uuid)`);
    audit(tctx, { action: 'identity.password.change', targetType: 'identity.user', targetId: user.id, targetLabel: user.display_name });
  });
}

export interface SessionView {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  secondFactorDone: boolean;
}

/**
 * The live sessions of an account (not revoked, not past the absolute or the idle limit): one's
 * own, or any visible account's with identity.user.read.
 */
export async function listSessions(ctx: Ctx, input: { userId: string; idleMinutes: number }): Promise<SessionView[]> {
  await getUser(ctx, { id: input.userId }); // visibility: self, or identity.user.read within the region
  const now = ctx.clock.now();
  const rows = await queryRows<{ id: string; created_at: Date | string; last_seen_at: Date | string; expires_at: Date | string; ip: string | null; user_agent: string | null; second_factor_done: boolean }>(
    ctx.db,
    sql`SELECT id, created_at, last_seen_at, expires_at, ip, user_agent, second_factor_done FROM identity.sessions
        WHERE user_id = ${input.userId} AND revoked_at IS NULL AND expires_at > ${now.toISOString()}
          AND last_seen_at > ${new Date(now.getTime() - input.idleMinutes * 60_000).toISOString()}
        ORDER BY last_seen_at DESC LIMIT 100`,
  );
  const iso = (v: Date | string) => new Date(v).toISOString();
  return rows.map((r) => ({ id: r.id, createdAt: iso(r.created_at), lastSeenAt: iso(r.last_seen_at), expiresAt: iso(r.expires_at), ip: r.ip, userAgent: r.user_agent, secondFactorDone: r.second_factor_done }));
}

/** Ends every session of an account (force logout); returns how many were live. */
export async function forceLogout(ctx: Ctx, input: { userId: string }): Promise<number> {
  return inTransaction(ctx, async (tctx) => {
    const row = await loadForChange(tctx, input.userId, 'identity.user.write');
    const ended = await queryRows<{ id: string }>(tctx.db, sql`UPDATE identity.sessions SET revoked_at = ${tctx.clock.now().toISOString()}
      WHERE user_id = ${input.userId} AND revoked_at IS NULL RETURNING id`);
    audit(tctx, { action: 'identity.session.revoke_all', targetType: 'identity.user', targetId: input.userId, targetLabel: row.display_name, details: { sessions: ended.length } });
    return ended.length;
  });
}

/** Ends the caller's other sessions (e.g. a browser left logged in elsewhere). */
export async function logoutOtherSessions(ctx: Ctx, input: { keepSessionId: string }): Promise<number> {
  if (!ctx.actor.userId) throw forbidden();
  return inTransaction(ctx, async (tctx) => {
    const ended = await queryRows<{ id: string }>(tctx.db, sql`UPDATE identity.sessions SET revoked_at = ${tctx.clock.now().toISOString()}
      WHERE user_id = ${ctx.actor.userId} AND revoked_at IS NULL AND id <> ${input.keepSessionId} RETURNING id`);
    audit(tctx, { action: 'identity.session.revoke_others', targetType: 'identity.user', targetId: ctx.actor.userId!, details: { sessions: ended.length } });
    return ended.length;
  });
}

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}

const SERVICE_SCOPE = 'identity.service_account.manage';

async function serviceAccountForChange(ctx: Ctx, serviceUserId: string): Promise<{ display_name: string }> {
  const user = await loadForChange(ctx, serviceUserId, SERVICE_SCOPE);
  if (user.kind !== 'service') throw badRequest('not_service_account', '只能为服务账号签发 API 密钥');
  return user;
}

/** The keys of a service account, newest first (never the secret: only its prefix). */
export async function listApiKeys(ctx: Ctx, input: { serviceUserId: string }): Promise<ApiKeyView[]> {
  if (!hasScope(ctx.actor, SERVICE_SCOPE)) throw forbidden();
  await serviceAccountForChange(ctx, input.serviceUserId);
  const now = ctx.clock.now().getTime();
  const rows = await queryRows<{ id: string; name: string; key_prefix: string; created_at: Date | string; expires_at: Date | string | null; revoked_at: Date | string | null; last_used_at: Date | string | null }>(
    ctx.db,
    sql`SELECT id, name, key_prefix, created_at, expires_at, revoked_at, last_used_at FROM identity.api_keys WHERE user_id = ${input.serviceUserId} ORDER BY created_at DESC, id DESC`,
  );
  const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.key_prefix,
    createdAt: iso(r.created_at)!,
    expiresAt: iso(r.expires_at),
    revokedAt: iso(r.revoked_at),
    lastUsedAt: iso(r.last_used_at),
    status: r.revoked_at ? 'revoked' : r.expires_at && new Date(r.expires_at).getTime() <= now ? 'expired' : 'active',
  }));
}

/** API keys: `egov_<prefix>_<secret>`; only the SM3 hash is stored, the key is returned once. */
export async function issueApiKey(ctx: Ctx, input: { serviceUserId: string; name: string; expiresAt?: string }): Promise<{ id: string; key: string; prefix: string; expiresAt: string | null }> {
  if (!hasScope(ctx.actor, SERVICE_SCOPE)) throw forbidden();
  const name = input.name.trim();
  const problems = [];
  if (name.length < 2 || name.length > 100) problems.push({ field: 'name', message: '请填写密钥用途 (2-100 个字)' });
  let expiresAt: string | null = null;
  if (input.expiresAt) {
    const t = new Date(/^\d{4}-\d{2}-\d{2}$/.test(input.expiresAt) ? `${input.expiresAt}T23:59:59+08:00` : input.expiresAt);
    if (Number.isNaN(t.getTime())) problems.push({ field: 'expiresAt', message: '过期时间格式不正确' });
    else if (t.getTime() <= ctx.clock.now().getTime()) problems.push({ field: 'expiresAt', message: '过期时间应晚于现在' });
    else expiresAt = t.toISOString();
  }
  if (problems.length) throw badRequest('validation_failed', problems.map((p) => p.message).join('; '), problems);
  return inTransaction(ctx, async (tctx) => {
    const user = await serviceAccountForChange(tctx, input.serviceUserId);
    const prefix = randomToken(6).replace(/[-_]/g, 'x').slice(0, 8);
    const key = `egov_${prefix}_${randomToken(32)}`;
    const id = newId();
    await tctx.db.execute(sql`INSERT INTO identity.api_keys (id, user_id, name, key_prefix, key_hash, created_at, expires_at)
      VALUES (${id}, ${input.serviceUserId}, ${name}, ${prefix}, ${sm3Hex(key)}, ${tctx.clock.now().toISOString()}, ${expiresAt})`);
    audit(tctx, { action: 'identity.api_key.issue', targetType: 'identity.user', targetId: input.serviceUserId, targetLabel: user.display_name, details: { keyId: id, prefix, name, expiresAt } });
    return { id, key, prefix, expiresAt };
  });
}

export async function revokeApiKey(ctx: Ctx, input: { keyId: string; serviceUserId?: string }): Promise<void> {
  if (!hasScope(ctx.actor, SERVICE_SCOPE)) throw forbidden();
  await inTransaction(ctx, async (tctx) => {
    const key = await queryOne<{ user_id: string; key_prefix: string; revoked_at: Date | string | null }>(tctx.db, sql`SELECT user_id, key_prefix, revoked_at FROM identity.api_keys WHERE id = ${input.keyId} FOR UPDATE`);
    if (!key || (input.serviceUserId && key.user_id !== input.serviceUserId)) throw notFound('api_key_not_found', '密钥不存在');
    const user = await serviceAccountForChange(tctx, key.user_id);
    if (key.revoked_at) throw new AppError({ code: 'api_key_revoked', status: 409, message: '该密钥已吊销' });
    await tctx.db.execute(sql`UPDATE identity.api_keys SET revoked_at = ${tctx.clock.now().toISOString()} WHERE id = ${input.keyId}`);
    audit(tctx, { action: 'identity.api_key.revoke', targetType: 'identity.user', targetId: key.user_id, targetLabel: user.display_name, details: { keyId: input.keyId, prefix: key.key_prefix } });
  });
}

export function createAuthenticator(services: PlatformServices): Authenticator {
  const idleMs = services.config.sessionIdleMinutes * 60_000;
  return {
    async authenticate(input, ctx) {
      const now = ctx.clock.now();
      if (input.bearerToken) {
        const key = await queryOne<{ id: string; user_id: string; display_name: string; status: string; kind: string; expires_at: Date | string | null; last_used_at: Date | string | null }>(
          ctx.db,
          sql`SELECT k.id, k.user_id, u.display_name, u.status, u.kind, k.expires_at, k.last_used_at FROM identity.api_keys k JOIN identity.users u ON u.id = k.user_id
              WHERE k.key_hash = ${sm3Hex(input.bearerToken)} AND k.revoked_at IS NULL`,
        );
        if (!key || key.status !== 'active' || key.kind !== 'service') return null;
        if (key.expires_at && new Date(key.expires_at).getTime() <= now.getTime()) return null;
        if (!key.last_used_at || now.getTime() - new Date(key.last_used_at).getTime() > 60_000) {
          await ctx.db.execute(sql`UPDATE identity.api_keys SET last_used_at = ${now.toISOString()} WHERE id = ${key.id}`);
        }
        const { grants } = await grantsOf(ctx, key.user_id);
        return { actor: { kind: 'service', userId: key.user_id, name: key.display_name, grants }, via: 'api_key' };
      }
      if (!input.sessionToken) return null;
      const s = await findSession(ctx.db, input.sessionToken);
      if (!s || s.status !== 'active') return null;
      const lastSeen = new Date(s.last_seen_at).getTime();
      if (new Date(s.expires_at).getTime() <= now.getTime() || now.getTime() - lastSeen > idleMs) {
        await ctx.db.execute(sql`UPDATE identity.sessions SET revoked_at = ${now.toISOString()} WHERE id = ${s.session_id}`);
        return null;
      }
      if (now.getTime() - lastSeen > 30_000) {
        await ctx.db.execute(sql`UPDATE identity.sessions SET last_seen_at = ${now.toISOString()} WHERE id = ${s.session_id}`);
      }
      const { grants, requiresMfa } = s.kind === 'staff' ? await grantsOf(ctx, s.user_id) : { grants: [], requiresMfa: false };
      // Decided on every request, so a role that needs MFA granted mid-session takes effect at once.
      if ((requiresMfa || s.totp_enabled) && !s.second_factor_done) {
        return { actor: { kind: s.kind, userId: s.user_id, name: s.display_name, grants: [], pendingSecondFactor: true }, sessionId: s.session_id, via: 'session' };
      }
      return { actor: { kind: s.kind, userId: s.user_id, name: s.display_name, grants }, sessionId: s.session_id, via: 'session' };
    },
  };
}
