/**
 * Password hashing (argon2id) and the password rules of MLPS level 3: length, character classes,
 * not the login name.
 */
import argon2 from 'argon2';
import { AppError } from '../../platform/errors.ts';

export const PASSWORD_MIN_LENGTH = 10;

export function passwordProblems(password: string, loginName: string): string[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN_LENGTH) problems.push(`口令至少 ${PASSWORD_MIN_LENGTH} 位`);
  if (password.length > 128) problems.push('口令不能超过 128 位');
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  if (classes < 3) problems.push('口令须包含大写字母、小写字母、数字、特殊字符中的至少三类');
  if (loginName && password.toLowerCase().includes(loginName.toLowerCase())) problems.push('口令不能包含登录名');
  return problems;
}

export function assertPasswordAcceptable(password: string, loginName: string, field = 'password'): void {
  const problems = passwordProblems(password, loginName);
  if (problems.length > 0) {
    throw new AppError({ code: 'weak_password', status: 400, message: problems.join('; '), fields: problems.map((m) => ({ field, message: m })) });
  }
}

export async function hashPassword(password: string): Promise<string> {
  // OWASP-recommended argon2id parameters (19 MiB, t=2, p=1) keep login under ~50 ms here.
  return argon2.hash(password, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the account does not exist, so timing does not reveal it. */
let dummyHash: Promise<string> | null = null;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('not-a-real-password-Aa1!');
  return dummyHash;
}
