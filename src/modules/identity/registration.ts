/**
 * Self-registration of citizens (resident ID number, GB 11643) and enterprises (unified social
 * credit code, GB 32100). The identifier's check character is verified before anything is stored.
 */
import { newId } from '../../platform/ids.ts';
import { queryOne, sql } from '../../platform/db/index.ts';
import { audit } from '../../platform/audit/chain.ts';
import { inTransaction } from '../../platform/transaction.ts';
import { AppError, conflict, type FieldProblem } from '../../platform/errors.ts';
import type { Actor, Ctx } from '../../platform/context.ts';
import { checkResidentId, checkUscc, maskIdNumber } from '../../platform/identifiers/index.ts';
import { enforceRateLimit } from '../../platform/http/rate-limit.ts';
import { hashPassword, passwordProblems } from './passwords.ts';

export interface RegisterCitizenInput {
  name: string;
  idNumber: string;
  phone: string;
  password: string;
  isDemo?: boolean;
}

export interface RegisterEnterpriseInput {
  name: string;
  uscc: string;
  phone: string;
  password: string;
  isDemo?: boolean;
}

function fail(fields: FieldProblem[]): never {
  throw new AppError({ code: fields.find((f) => f.field === 'idNumber' || f.field === 'uscc') ? 'invalid_identifier' : 'validation_failed', message: fields.map((f) => f.message).join('; '), fields });
}

/** Personal names: Han characters, letters, the middle dot of minority and foreign names. */
const PERSON_NAME = /^[\p{Script=Han}·A-Za-z][\p{Script=Han}·A-Za-z .]{1,99}$/u;
/** Enterprise names may also hold digits, brackets and a few joining marks (“河南3D打印（郑州）有限公司”). */
const ENTERPRISE_NAME = /^[\p{Script=Han}A-Za-z0-9][\p{Script=Han}·A-Za-z0-9 .()（）&-]{1,99}$/u;

function commonProblems(input: { name: string; phone: string; password: string }, loginName: string, kind: 'citizen' | 'enterprise'): FieldProblem[] {
  const out: FieldProblem[] = [];
  if (kind === 'citizen' && !PERSON_NAME.test(input.name)) out.push({ field: 'name', message: '姓名应为 2-100 个汉字或字母 (可含间隔号 ·)' });
  if (kind === 'enterprise' && !ENTERPRISE_NAME.test(input.name)) out.push({ field: 'name', message: '单位名称应为 2-100 个汉字、字母或数字 (可含括号)' });
  if (!/^1\d{10}$/.test(input.phone)) out.push({ field: 'phone', message: '手机号码应为 11 位数字, 以 1 开头' });
  for (const p of passwordProblems(input.password, loginName)) out.push({ field: 'password', message: p });
  return out;
}

async function insertAccount(ctx: Ctx, row: { kind: 'citizen' | 'enterprise'; loginName: string; name: string; idNumber: string | null; uscc: string | null; phone: string; password: string; isDemo: boolean }): Promise<string> {
  await inTransaction(ctx, async (tctx) => enforceRateLimit(tctx, { key: `register:ip:${ctx.ip ?? 'unknown'}`, limit: 10, windowSeconds: 3600 }, '注册过于频繁, 请稍后再试。'));
  const hash = await hashPassword(row.password);
  const id = newId();
  const actor: Actor = { kind: row.kind, userId: id, name: row.name, grants: [] };
  const duplicate = () => conflict('already_registered', row.kind === 'citizen' ? '该公民身份号码已注册, 请直接登录' : '该统一社会信用代码已注册, 请直接登录');
  return inTransaction({ ...ctx, actor }, async (tctx) => {
    const exists = await queryOne(tctx.db, sql`SELECT 1 FROM identity.users WHERE login_name = ${row.loginName}`);
    if (exists) throw duplicate();
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`INSERT INTO identity.users (id, kind, login_name, display_name, id_number, uscc, phone, password_hash, status, password_changed_at, is_demo, created_at, updated_at)
      VALUES (${id}, ${row.kind}, ${row.loginName}, ${row.name}, ${row.idNumber}, ${row.uscc}, ${row.phone}, ${hash}, 'active', ${now}, ${row.isDemo}, ${now}, ${now})`);
    audit(tctx, { action: `identity.${row.kind}.register`, targetType: 'identity.user', targetId: id, targetLabel: row.kind === 'citizen' ? `${row.name} ${maskIdNumber(row.loginName)}` : `${row.name} ${row.loginName}` });
    return id;
  }).catch((err: unknown) => {
    // Two registrations of the same identifier at once: the unique index decides, the loser gets 409.
    if (isUniqueViolation(err)) throw duplicate();
    throw err;
  });
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth += 1) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

export async function registerCitizen(ctx: Ctx, input: RegisterCitizenInput): Promise<string> {
  const idNumber = input.idNumber.trim().toUpperCase();
  const problems = commonProblems(input, idNumber, 'citizen');
  const check = checkResidentId(idNumber, ctx.clock.now());
  if (!check.valid) problems.unshift({ field: 'idNumber', message: `公民身份号码无效: ${check.reason}` });
  if (problems.length) fail(problems);
  return insertAccount(ctx, { kind: 'citizen', loginName: idNumber, name: input.name, idNumber, uscc: null, phone: input.phone, password: input.password, isDemo: input.isDemo ?? false });
}

export async function registerEnterprise(ctx: Ctx, input: RegisterEnterpriseInput): Promise<string> {
  const uscc = input.uscc.trim().toUpperCase();
  const problems = commonProblems(input, uscc, 'enterprise');
  const check = checkUscc(uscc);
  if (!check.valid) problems.unshift({ field: 'uscc', message: `统一社会信用代码无效: ${check.reason}` });
  if (problems.length) fail(problems);
  return insertAccount(ctx, { kind: 'enterprise', loginName: uscc, name: input.name, idNumber: null, uscc, phone: input.phone, password: input.password, isDemo: input.isDemo ?? false });
}
