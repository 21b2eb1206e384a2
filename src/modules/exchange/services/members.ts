/**
 * Members (交换成员), their systems (子系统) and credentials. A subsystem is named in the X-Road form
 * INSTANCE/CLASS/MEMBER/SUBSYSTEM; the gateway verifies request signatures with its credentials
 * (HMAC-SM3 shared secret, sealed with the platform SM4 key, or an SM2 public key).
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope, regionVisible } from '../../../platform/context.ts';
import { badRequest, conflict, forbidden, notFound } from '../../../platform/errors.ts';
import { queryOne, queryRows, sql, type Db } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { newId } from '../../../platform/ids.ts';
import { randomToken, sm4Decrypt, sm4Encrypt } from '../../../platform/crypto/index.ts';
import { ensureSecret } from '../../../platform/secrets.ts';
import { getUnitSummary } from '../../directory/index.ts';
import { EVENTS, INSTANCE, MEMBER_CLASSES, MEMBER_CLASS_LABELS, SCOPES, iso, type MemberClass } from '../model.ts';

export interface MemberView {
  id: string;
  memberClass: MemberClass;
  memberClassLabel: string;
  memberCode: string;
  name: string;
  unitId: string | null;
  regionCode: string;
  isDemo: boolean;
  createdAt: string;
}

export interface SubsystemView {
  id: string;
  memberId: string;
  memberName: string;
  memberClass: MemberClass;
  memberCode: string;
  unitId: string | null;
  regionCode: string;
  code: string;
  name: string;
  description: string;
  status: 'active' | 'disabled';
  /** INSTANCE/CLASS/MEMBER/SUBSYSTEM */
  xroadId: string;
  createdAt: string;
}

interface MemberRow {
  id: string;
  member_class: MemberClass;
  member_code: string;
  name: string;
  unit_id: string | null;
  region_code: string;
  is_demo: boolean;
  created_at: Date | string;
}

interface SubsystemRow {
  id: string;
  member_id: string;
  member_name: string;
  member_class: MemberClass;
  member_code: string;
  unit_id: string | null;
  region_code: string;
  code: string;
  name: string;
  description: string;
  status: 'active' | 'disabled';
  created_at: Date | string;
}

export const xroadIdOf = (s: { memberClass: string; memberCode: string; code: string }): string => `${INSTANCE}/${s.memberClass}/${s.memberCode}/${s.code}`;

/** Splits `CN-HA/GOV/CODE/SUBSYSTEM`; null when it is not a client identifier of this instance. */
export function parseXroadId(text: string): { memberClass: MemberClass; memberCode: string; code: string } | null {
  const parts = text.split('/');
  if (parts.length !== 4 || parts[0] !== INSTANCE) return null;
  const [, memberClass, memberCode, code] = parts;
  if (!(MEMBER_CLASSES as readonly string[]).includes(memberClass) || !/^[0-9A-Z]{4,32}$/.test(memberCode) || !/^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$/.test(code)) return null;
  return { memberClass: memberClass as MemberClass, memberCode, code };
}

const memberView = (r: MemberRow): MemberView => ({
  id: r.id,
  memberClass: r.member_class,
  memberClassLabel: MEMBER_CLASS_LABELS[r.member_class],
  memberCode: r.member_code,
  name: r.name,
  unitId: r.unit_id,
  regionCode: r.region_code,
  isDemo: r.is_demo,
  createdAt: iso(r.created_at),
});

const subsystemView = (r: SubsystemRow): SubsystemView => ({
  id: r.id,
  memberId: r.member_id,
  memberName: r.member_name,
  memberClass: r.member_class,
  memberCode: r.member_code,
  unitId: r.unit_id,
  regionCode: r.region_code,
  code: r.code,
  name: r.name,
  description: r.description,
  status: r.status,
  xroadId: xroadIdOf({ memberClass: r.member_class, memberCode: r.member_code, code: r.code }),
  createdAt: iso(r.created_at),
});

const SUBSYSTEM_SELECT = sql`SELECT s.id, s.member_id, m.name AS member_name, m.member_class, m.member_code, m.unit_id, m.region_code,
  s.code, s.name, s.description, s.status, s.created_at FROM exchange.subsystems s JOIN exchange.members m ON m.id = s.member_id`;

function requireMemberManage(ctx: Ctx, regionCode: string): void {
  if (!regionVisible(ctx.actor, SCOPES.memberManage, regionCode)) throw forbidden('您没有管理该地区交换成员的权限。');
}

/** Does the actor hold `scope` at the member's unit (provider and consumer staff act for their own unit)? */
export function actsForMember(ctx: Ctx, member: { unitId: string | null }, scope: string): boolean {
  if (hasScope(ctx.actor, '*')) return true;
  return member.unitId !== null && ctx.actor.grants.some((g) => g.unitId === member.unitId && g.scopes.has(scope));
}

export interface MemberInput {
  memberClass: MemberClass;
  memberCode: string;
  name: string;
  /** Required for GOV members: the directory unit; its region becomes the member's. */
  unitId?: string | null;
  regionCode?: string;
  isDemo?: boolean;
}

export async function createMember(ctx: Ctx, input: MemberInput): Promise<MemberView> {
  if (!(MEMBER_CLASSES as readonly string[]).includes(input.memberClass)) throw badRequest('member_class_invalid', '成员类别应为 GOV、COM 或 NGO');
  if (!/^[0-9A-Z]{4,32}$/.test(input.memberCode)) throw badRequest('member_code_invalid', '成员代码应为 4 至 32 位大写字母或数字 (统一社会信用代码或单位代码)');
  let regionCode = input.regionCode ?? null;
  if (input.unitId) {
    const unit = await getUnitSummary(ctx, input.unitId);
    if (!unit) throw badRequest('unit_not_found', '组织目录中没有这个单位');
    regionCode = unit.regionCode;
  } else if (input.memberClass === 'GOV') throw badRequest('unit_required', '政务部门成员须对应组织目录中的单位');
  if (!regionCode || !/^[0-9]{6}$/.test(regionCode)) throw badRequest('region_required', '请填写成员所在的行政区划代码 (6 位)');
  requireMemberManage(ctx, regionCode);
  const now = ctx.clock.now();
  return inTransaction(ctx, async (tx) => {
    const exists = await queryOne(tx.db, sql`SELECT 1 FROM exchange.members WHERE member_class = ${input.memberClass} AND member_code = ${input.memberCode}`);
    if (exists) throw conflict('member_exists', `成员 ${input.memberClass}/${input.memberCode} 已经存在`);
    const id = newId();
    const row = await queryOne<MemberRow>(tx.db, sql`INSERT INTO exchange.members (id, member_class, member_code, name, unit_id, region_code, is_demo, created_at)
      VALUES (${id}, ${input.memberClass}, ${input.memberCode}, ${input.name.trim()}, ${input.unitId ?? null}, ${regionCode}, ${input.isDemo ?? false}, ${now}) RETURNING *`);
    audit(tx, { action: 'exchange.member.create', targetType: 'exchange.member', targetId: id, targetLabel: input.name, details: { memberClass: input.memberClass, memberCode: input.memberCode } });
    await publish(tx, { type: EVENTS.memberCreated, orderingKey: id, payload: { memberId: id, memberClass: input.memberClass, memberCode: input.memberCode } });
    return memberView(row!);
  });
}

export async function getMember(ctx: Ctx, input: { id: string }): Promise<MemberView> {
  const row = await queryOne<MemberRow>(ctx.db, sql`SELECT * FROM exchange.members WHERE id = ${input.id}`);
  if (!row) throw notFound('member_not_found', '交换成员不存在');
  return memberView(row);
}

export async function memberForUnit(ctx: Ctx, input: { unitId: string }): Promise<MemberView | null> {
  const row = await queryOne<MemberRow>(ctx.db, sql`SELECT * FROM exchange.members WHERE unit_id = ${input.unitId} ORDER BY created_at LIMIT 1`);
  return row ? memberView(row) : null;
}

export async function listMembers(ctx: Ctx, input: { q?: string } = {}): Promise<MemberView[]> {
  const q = input.q?.trim() ? `%${input.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const rows = await queryRows<MemberRow>(ctx.db, sql`SELECT * FROM exchange.members WHERE (${q}::text IS NULL OR name LIKE ${q} OR member_code LIKE ${q}) ORDER BY region_code, name`);
  return rows.map(memberView);
}

export interface SubsystemInput {
  memberId: string;
  code: string;
  name: string;
  description?: string;
}

export async function createSubsystem(ctx: Ctx, input: SubsystemInput): Promise<SubsystemView> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$/.test(input.code)) throw badRequest('subsystem_code_invalid', '子系统代码应为 2 至 64 位字母、数字、下划线或连字符, 以字母或数字开头');
  const member = await getMember(ctx, { id: input.memberId });
  if (!actsForMember(ctx, member, SCOPES.resourcePublish)) requireMemberManage(ctx, member.regionCode);
  return inTransaction(ctx, async (tx) => {
    const exists = await queryOne(tx.db, sql`SELECT 1 FROM exchange.subsystems WHERE member_id = ${member.id} AND code = ${input.code}`);
    if (exists) throw conflict('subsystem_exists', `子系统 ${input.code} 已经存在`);
    const id = newId();
    await tx.db.execute(sql`INSERT INTO exchange.subsystems (id, member_id, code, name, description, status, created_at)
      VALUES (${id}, ${member.id}, ${input.code}, ${input.name.trim()}, ${input.description ?? ''}, 'active', ${ctx.clock.now()})`);
    const view = await getSubsystem(tx, { id });
    audit(tx, { action: 'exchange.subsystem.create', targetType: 'exchange.subsystem', targetId: id, targetLabel: view.xroadId });
    await publish(tx, { type: EVENTS.subsystemCreated, orderingKey: member.id, payload: { subsystemId: id, xroadId: view.xroadId } });
    return view;
  });
}

export async function getSubsystem(ctx: Ctx, input: { id: string }): Promise<SubsystemView> {
  const row = await queryOne<SubsystemRow>(ctx.db, sql`${SUBSYSTEM_SELECT} WHERE s.id = ${input.id}`);
  if (!row) throw notFound('subsystem_not_found', '子系统不存在');
  return subsystemView(row);
}

/** The subsystem named by an X-Road identifier, or null. */
export async function findSubsystem(ctx: Ctx, input: { xroadId: string }): Promise<SubsystemView | null> {
  const id = parseXroadId(input.xroadId);
  if (!id) return null;
  const row = await queryOne<SubsystemRow>(ctx.db, sql`${SUBSYSTEM_SELECT} WHERE m.member_class = ${id.memberClass} AND m.member_code = ${id.memberCode} AND s.code = ${id.code}`);
  return row ? subsystemView(row) : null;
}

export async function listSubsystems(ctx: Ctx, input: { memberId?: string; unitId?: string } = {}): Promise<SubsystemView[]> {
  const rows = await queryRows<SubsystemRow>(ctx.db, sql`${SUBSYSTEM_SELECT}
    WHERE (${input.memberId ?? null}::uuid IS NULL OR s.member_id = ${input.memberId ?? null})
      AND (${input.unitId ?? null}::uuid IS NULL OR m.unit_id = ${input.unitId ?? null})
    ORDER BY m.region_code, m.name, s.code`);
  return rows.map(subsystemView);
}

export async function setSubsystemStatus(ctx: Ctx, input: { id: string; status: 'active' | 'disabled' }): Promise<SubsystemView> {
  const s = await getSubsystem(ctx, input);
  requireMemberManage(ctx, s.regionCode);
  return inTransaction(ctx, async (tx) => {
    await tx.db.execute(sql`UPDATE exchange.subsystems SET status = ${input.status} WHERE id = ${s.id}`);
    audit(tx, { action: 'exchange.subsystem.status', targetType: 'exchange.subsystem', targetId: s.id, targetLabel: s.xroadId, details: { status: input.status } });
    return getSubsystem(tx, input);
  });
}

// --- credentials ---------------------------------------------------------------------------------

const sealKey = (db: Db): Promise<Buffer> => ensureSecret(db, 'exchange_credential_sm4', 16);

export interface CredentialView {
  id: string;
  subsystemId: string;
  kind: 'hmac_sm3' | 'sm2';
  keyId: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

interface CredentialRow {
  id: string;
  subsystem_id: string;
  kind: 'hmac_sm3' | 'sm2';
  key_id: string;
  secret_sealed: string | null;
  public_key_pem: string | null;
  created_at: Date | string;
  revoked_at: Date | string | null;
  last_used_at: Date | string | null;
}

const credentialView = (r: CredentialRow): CredentialView => ({
  id: r.id,
  subsystemId: r.subsystem_id,
  kind: r.kind,
  keyId: r.key_id,
  createdAt: iso(r.created_at),
  revokedAt: r.revoked_at ? iso(r.revoked_at) : null,
  lastUsedAt: r.last_used_at ? iso(r.last_used_at) : null,
});

async function requireCredentialManage(ctx: Ctx, subsystemId: string): Promise<SubsystemView> {
  const s = await getSubsystem(ctx, { id: subsystemId });
  if (!actsForMember(ctx, s, SCOPES.resourcePublish) && !actsForMember(ctx, s, SCOPES.applicationSubmit)) requireMemberManage(ctx, s.regionCode);
  return s;
}

/** Issues an HMAC-SM3 key; the secret is returned once and stored sealed. */
export async function issueHmacCredential(ctx: Ctx, input: { subsystemId: string }): Promise<CredentialView & { secret: string }> {
  const s = await requireCredentialManage(ctx, input.subsystemId);
  const secret = randomToken(32);
  const key = await sealKey(ctx.db);
  return inTransaction(ctx, async (tx) => {
    const id = newId();
    const keyId = `k${randomToken(9)}`.replace(/[^A-Za-z0-9_-]/g, '_');
    const row = await queryOne<CredentialRow>(tx.db, sql`INSERT INTO exchange.credentials (id, subsystem_id, kind, key_id, secret_sealed, created_at)
      VALUES (${id}, ${s.id}, 'hmac_sm3', ${keyId}, ${sm4Encrypt(key, secret)}, ${ctx.clock.now()}) RETURNING *`);
    audit(tx, { action: 'exchange.credential.issue', targetType: 'exchange.subsystem', targetId: s.id, targetLabel: s.xroadId, details: { keyId, kind: 'hmac_sm3' } });
    await publish(tx, { type: EVENTS.credentialIssued, orderingKey: s.id, payload: { subsystemId: s.id, keyId } });
    return { ...credentialView(row!), secret };
  });
}

/** Registers an SM2 public key (PEM) the subsystem signs its requests with. */
export async function registerSm2Credential(ctx: Ctx, input: { subsystemId: string; publicKeyPem: string }): Promise<CredentialView> {
  const s = await requireCredentialManage(ctx, input.subsystemId);
  if (!/^-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----\s*$/.test(input.publicKeyPem.trim())) throw badRequest('public_key_invalid', 'SM2 公钥应为 PEM 格式 (BEGIN PUBLIC KEY)');
  return inTransaction(ctx, async (tx) => {
    const id = newId();
    const keyId = `k${randomToken(9)}`.replace(/[^A-Za-z0-9_-]/g, '_');
    const row = await queryOne<CredentialRow>(tx.db, sql`INSERT INTO exchange.credentials (id, subsystem_id, kind, key_id, public_key_pem, created_at)
      VALUES (${id}, ${s.id}, 'sm2', ${keyId}, ${input.publicKeyPem.trim()}, ${ctx.clock.now()}) RETURNING *`);
    audit(tx, { action: 'exchange.credential.issue', targetType: 'exchange.subsystem', targetId: s.id, targetLabel: s.xroadId, details: { keyId, kind: 'sm2' } });
    await publish(tx, { type: EVENTS.credentialIssued, orderingKey: s.id, payload: { subsystemId: s.id, keyId } });
    return credentialView(row!);
  });
}

export async function revokeCredential(ctx: Ctx, input: { keyId: string }): Promise<void> {
  const row = await queryOne<CredentialRow>(ctx.db, sql`SELECT * FROM exchange.credentials WHERE key_id = ${input.keyId}`);
  if (!row) throw notFound('credential_not_found', '凭证不存在');
  const s = await requireCredentialManage(ctx, row.subsystem_id);
  await inTransaction(ctx, async (tx) => {
    await tx.db.execute(sql`UPDATE exchange.credentials SET revoked_at = ${ctx.clock.now()} WHERE id = ${row.id} AND revoked_at IS NULL`);
    audit(tx, { action: 'exchange.credential.revoke', targetType: 'exchange.subsystem', targetId: s.id, targetLabel: s.xroadId, details: { keyId: row.key_id } });
    await publish(tx, { type: EVENTS.credentialRevoked, orderingKey: s.id, payload: { subsystemId: s.id, keyId: row.key_id } });
  });
}

export async function listCredentials(ctx: Ctx, input: { subsystemId: string }): Promise<CredentialView[]> {
  const rows = await queryRows<CredentialRow>(ctx.db, sql`SELECT * FROM exchange.credentials WHERE subsystem_id = ${input.subsystemId} ORDER BY created_at`);
  return rows.map(credentialView);
}

/** For the gateway: the verification material of an unrevoked key with its subsystem, or null. */
export async function verificationKey(ctx: Ctx, input: { keyId: string }): Promise<{ subsystem: SubsystemView; kind: 'hmac_sm3' | 'sm2'; secret: string | null; publicKeyPem: string | null } | null> {
  const row = await queryOne<CredentialRow>(ctx.db, sql`SELECT * FROM exchange.credentials WHERE key_id = ${input.keyId} AND revoked_at IS NULL`);
  if (!row) return null;
  const subsystem = await getSubsystem(ctx, { id: row.subsystem_id });
  const secret = row.secret_sealed ? sm4Decrypt(await sealKey(ctx.db), row.secret_sealed) : null;
  return { subsystem, kind: row.kind, secret, publicKeyPem: row.public_key_pem };
}

// --- groups ---------------------------------------------------------------------------------------

export interface GroupView {
  id: string;
  code: string;
  name: string;
  description: string;
  subsystemIds: string[];
}

export async function createGroup(ctx: Ctx, input: { code: string; name: string; description?: string }): Promise<GroupView> {
  if (!hasScope(ctx.actor, SCOPES.memberManage)) throw forbidden('您没有管理子系统分组的权限。');
  if (!/^[a-z0-9][a-z0-9_-]{1,63}$/.test(input.code)) throw badRequest('group_code_invalid', '分组代码应为 2 至 64 位小写字母、数字、下划线或连字符');
  return inTransaction(ctx, async (tx) => {
    const exists = await queryOne(tx.db, sql`SELECT 1 FROM exchange.groups WHERE code = ${input.code}`);
    if (exists) throw conflict('group_exists', `分组 ${input.code} 已经存在`);
    const id = newId();
    await tx.db.execute(sql`INSERT INTO exchange.groups (id, code, name, description, created_at) VALUES (${id}, ${input.code}, ${input.name.trim()}, ${input.description ?? ''}, ${ctx.clock.now()})`);
    audit(tx, { action: 'exchange.group.create', targetType: 'exchange.group', targetId: id, targetLabel: input.name });
    return { id, code: input.code, name: input.name.trim(), description: input.description ?? '', subsystemIds: [] };
  });
}

export async function addToGroup(ctx: Ctx, input: { groupId: string; subsystemId: string }): Promise<void> {
  if (!hasScope(ctx.actor, SCOPES.memberManage)) throw forbidden('您没有管理子系统分组的权限。');
  const s = await getSubsystem(ctx, { id: input.subsystemId });
  if (!/^[0-9a-f-]{36}$/i.test(input.groupId) || !(await queryOne(ctx.db, sql`SELECT 1 FROM exchange.groups WHERE id = ${input.groupId}`))) throw notFound('group_not_found', '子系统分组不存在');
  await inTransaction(ctx, async (tx) => {
    await tx.db.execute(sql`INSERT INTO exchange.group_members (group_id, subsystem_id, added_at) VALUES (${input.groupId}, ${s.id}, ${ctx.clock.now()}) ON CONFLICT DO NOTHING`);
    audit(tx, { action: 'exchange.group.add', targetType: 'exchange.group', targetId: input.groupId, details: { subsystem: s.xroadId } });
  });
}

export async function listGroups(ctx: Ctx): Promise<GroupView[]> {
  const rows = await queryRows<{ id: string; code: string; name: string; description: string; subsystem_ids: string[] | null }>(ctx.db, sql`
    SELECT g.id, g.code, g.name, g.description, array_remove(array_agg(gm.subsystem_id), NULL) AS subsystem_ids
    FROM exchange.groups g LEFT JOIN exchange.group_members gm ON gm.group_id = g.id GROUP BY g.id ORDER BY g.code`);
  return rows.map((r) => ({ id: r.id, code: r.code, name: r.name, description: r.description, subsystemIds: r.subsystem_ids ?? [] }));
}
