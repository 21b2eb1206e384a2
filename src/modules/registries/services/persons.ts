/**
 * The population registry (人口基础信息库): lookup, batch lookup and search (masked unless the
 * caller holds the full-view scope AND states a purpose; every record read goes to the access log),
 * and the registration events — birth, death, move in/out, change of name, household split/merge —
 * plus direct corrections. Each change updates the row, keeps the history (person_events), sets the
 * source and time of the changed fields, writes an audit record and publishes an outbox event.
 */
import type { Ctx } from '../../../platform/context.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { newId } from '../../../platform/ids.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import type { SQL } from 'drizzle-orm';
import { AppError, badRequest, conflict, notFound } from '../../../platform/errors.ts';
import { maskIdNumber, residentIdFacts } from '../../../platform/identifiers/index.ts';
import { EDUCATION, ETHNICITIES, HEAD_RELATION, MARITAL, PERSON_STATUS_LABELS, RELATIONS, SEX_LABELS, label, type PersonStatus, type Sex } from '../codes.ts';
import { PERSON_EVENT_LABELS, PERSON_EVENT_TOPIC, SCOPES, type AccessChannel, type FieldSource, type PersonEventType, type PersonView } from '../model.ts';
import { actorUnit, fullViewAllowed, maskAddress, maskDate, maskName, normalPurpose, regionOk, requireScope, visiblePrefixes } from './access.ts';
import { logAccess } from './access-log.ts';
import { day, fieldSourcesOf, isoT, type StoredFieldSources } from './rows.ts';
import { checkIdNumber, knownRegions, personCodeChecks, requireDates, type Problem } from './validate.ts';

export interface PersonRow {
  id_number: string;
  name: string;
  former_names: string[];
  sex: Sex;
  ethnicity: string;
  birth_date: string | Date;
  region_code: string;
  address: string;
  household_id: string | null;
  relation_to_head: string | null;
  education: string | null;
  marital_status: string | null;
  status: PersonStatus;
  status_date: string | Date | null;
  moved_to: string | null;
  source_unit_id: string | null;
  source_name: string;
  source_at: string | Date;
  field_sources: StoredFieldSources;
  version: number;
  is_demo: boolean;
  updated_at: string | Date;
}


export function personView(r: PersonRow, full: boolean): PersonView {
  const source: FieldSource = { unitId: r.source_unit_id, name: r.source_name, at: isoT(r.source_at) };
  const fieldSources = fieldSourcesOf(r.field_sources);
  const birth = day(r.birth_date)!;
  return {
    idNumber: full ? r.id_number : maskIdNumber(r.id_number),
    masked: !full,
    name: full ? r.name : maskName(r.name),
    formerNames: full ? r.former_names ?? [] : (r.former_names ?? []).map(maskName),
    sex: r.sex,
    sexLabel: SEX_LABELS[r.sex],
    ethnicity: r.ethnicity,
    ethnicityLabel: label(ETHNICITIES, r.ethnicity),
    birthDate: full ? birth : maskDate(birth),
    regionCode: r.region_code,
    address: full ? r.address : maskAddress(r.address),
    householdId: r.household_id ? (full ? r.household_id : maskIdNumber(r.household_id)) : null,
    relationToHead: r.relation_to_head,
    relationLabel: label(RELATIONS, r.relation_to_head),
    education: r.education,
    educationLabel: label(EDUCATION, r.education),
    maritalStatus: r.marital_status,
    maritalLabel: label(MARITAL, r.marital_status),
    status: r.status,
    statusLabel: PERSON_STATUS_LABELS[r.status],
    statusDate: day(r.status_date),
    movedTo: r.moved_to,
    source,
    fieldSources,
    version: r.version,
    isDemo: r.is_demo,
    updatedAt: isoT(r.updated_at),
  };
}

const normalId = (v: string) => v.trim().toUpperCase();

async function loadRows(ctx: Ctx, ids: string[], lock = false): Promise<PersonRow[]> {
  if (ids.length === 0) return [];
  return queryRows<PersonRow>(ctx.db, sql`SELECT * FROM registries.persons WHERE id_number IN (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})${lock ? sql` FOR UPDATE` : sql``}`);
}

export interface ReadInput {
  purpose?: string;
  channel?: AccessChannel;
}

/** One person by ID number, as the caller may see it; the read is logged. */
export async function getPerson(ctx: Ctx, input: { idNumber: string } & ReadInput): Promise<PersonView> {
  requireScope(ctx, SCOPES.personRead);
  const purpose = normalPurpose(input.purpose);
  const id = normalId(input.idNumber);
  const row = /^\d{17}[\dX]$/.test(id) ? await queryOne<PersonRow>(ctx.db, sql`SELECT * FROM registries.persons WHERE id_number = ${id}`) : undefined;
  if (!row || !regionOk(visiblePrefixes(ctx, SCOPES.personRead), row.region_code)) throw notFound('person_not_found', '未找到该公民身份号码的人口信息, 或不在您的辖区内。');
  const full = fullViewAllowed(ctx, SCOPES.personReadFull, row.region_code, purpose);
  await logAccess(ctx, SCOPES.personRead, [{ recordType: 'person', recordKey: row.id_number, channel: input.channel ?? 'api', purpose, fullView: full }]);
  if (full) await auditFullRead(ctx, [row.id_number], purpose!);
  return personView(row, full);
}

/** Full (unmasked) reads also go to the chained audit log, one record per request. */
async function auditFullRead(ctx: Ctx, keys: string[], purpose: string): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    audit(tctx, {
      action: 'registries.person.read_full',
      targetType: 'registries.person',
      targetId: keys.length === 1 ? keys[0] : `batch:${keys.length}`,
      targetLabel: keys.length === 1 ? maskIdNumber(keys[0]) : `${keys.length} 人`,
      purpose,
      details: keys.length > 1 ? { count: keys.length, first: maskIdNumber(keys[0]) } : undefined,
    });
  });
}

export const BATCH_MAX = 1000;

/** Up to 1000 ID numbers at once: found (as the caller may see them) and not found. */
export async function batchPersons(ctx: Ctx, input: { idNumbers: string[] } & ReadInput): Promise<{ found: PersonView[]; notFound: string[] }> {
  requireScope(ctx, SCOPES.personRead);
  const purpose = normalPurpose(input.purpose);
  const ids = [...new Set(input.idNumbers.map(normalId))];
  if (ids.length > BATCH_MAX) throw badRequest('batch_too_large', `一次最多查询 ${BATCH_MAX} 个号码。`);
  const prefixes = visiblePrefixes(ctx, SCOPES.personRead);
  const rows = (await loadRows(ctx, ids.filter((i) => /^\d{17}[\dX]$/.test(i)))).filter((r) => regionOk(prefixes, r.region_code));
  const views = rows.map((r) => ({ r, full: fullViewAllowed(ctx, SCOPES.personReadFull, r.region_code, purpose) }));
  await logAccess(ctx, SCOPES.personRead, views.map(({ r, full }) => ({ recordType: 'person', recordKey: r.id_number, channel: 'batch', purpose, fullView: full })));
  const fullKeys = views.filter((v) => v.full).map((v) => v.r.id_number);
  if (fullKeys.length) await auditFullRead(ctx, fullKeys, purpose!);
  const seen = new Set(rows.map((r) => r.id_number));
  return { found: views.map(({ r, full }) => personView(r, full)), notFound: ids.filter((i) => !seen.has(i)) };
}

/** Upper bound of a prefix range on digit strings ('4101' → '4102'). */
export function prefixRange(column: SQL, prefix: string): SQL {
  if (prefix === '') return sql`true`;
  const last = prefix.charCodeAt(prefix.length - 1);
  const upper = prefix.slice(0, -1) + String.fromCharCode(last + 1);
  return sql`(${column} >= ${prefix} AND ${column} < ${upper})`;
}

export function regionFilter(column: SQL, prefixes: string[], regionCode?: string): SQL {
  const visible = prefixes.length ? sql`(${sql.join(prefixes.map((p) => prefixRange(column, p)), sql` OR `)})` : sql`false`;
  if (!regionCode) return visible;
  const wanted = regionCode.replace(/0+$/, '');
  const prefix = wanted.length <= 2 ? regionCode.slice(0, 2) : wanted.length <= 4 ? regionCode.slice(0, 4) : regionCode;
  return sql`${visible} AND ${prefixRange(column, prefix)}`;
}

export interface SearchInput extends ReadInput {
  name: string;
  regionCode?: string;
  page?: number;
  pageSize?: number;
}

/** By exact name (and region, or its subtree): the (name, region_code) index. Results are logged. */
export async function searchPersons(ctx: Ctx, input: SearchInput): Promise<{ items: PersonView[]; page: number; pageSize: number; more: boolean }> {
  requireScope(ctx, SCOPES.personRead);
  const purpose = normalPurpose(input.purpose);
  const name = input.name.trim();
  if (!name) throw badRequest('name_required', '请输入姓名。', [{ field: 'name', message: '请输入姓名' }]);
  const page = Math.max(1, input.page ?? 1);
  const pageSize = Math.min(100, Math.max(1, input.pageSize ?? 20));
  const rows = await queryRows<PersonRow>(ctx.db, sql`SELECT * FROM registries.persons
    WHERE name = ${name} AND ${regionFilter(sql`region_code`, visiblePrefixes(ctx, SCOPES.personRead), input.regionCode)}
    ORDER BY region_code, id_number LIMIT ${pageSize + 1} OFFSET ${(page - 1) * pageSize}`);
  const more = rows.length > pageSize;
  const items = rows.slice(0, pageSize).map((r) => ({ r, full: fullViewAllowed(ctx, SCOPES.personReadFull, r.region_code, purpose) }));
  await logAccess(ctx, SCOPES.personRead, items.map(({ r, full }) => ({ recordType: 'person', recordKey: r.id_number, channel: 'search', purpose, fullView: full })));
  const fullKeys = items.filter((v) => v.full).map((v) => v.r.id_number);
  if (fullKeys.length) await auditFullRead(ctx, fullKeys, purpose!);
  return { items: items.map(({ r, full }) => personView(r, full)), page, pageSize, more };
}

// --- changes -------------------------------------------------------------------------------------

export type PersonEventInput =
  | { type: 'birth'; idNumber: string; name: string; ethnicity: string; regionCode: string; address: string; householdId?: string; relationToHead?: string; occurredOn?: string }
  | { type: 'death'; idNumber: string; occurredOn: string; note?: string }
  | { type: 'move_in'; idNumber: string; name?: string; ethnicity?: string; regionCode: string; address: string; householdId?: string; relationToHead?: string; occurredOn?: string; note?: string }
  | { type: 'move_out'; idNumber: string; occurredOn: string; movedTo: string; note?: string }
  | { type: 'name_change'; idNumber: string; newName: string; note?: string }
  | { type: 'household_split'; idNumbers: string[]; newHouseholdId: string; headIdNumber: string; note?: string }
  | { type: 'household_merge'; fromHouseholdId: string; intoHouseholdId: string; relationOfFormerHead?: string; note?: string };

type Changes = Record<string, { from: unknown; to: unknown }>;

/** A text[] literal (drizzle would spread a JS array into a parameter list). */
const pgTextArray = (xs: string[]): string => `{${xs.map((x) => `"${x.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;

function refuse(problems: Problem[]): never {
  throw new AppError({ code: 'validation_failed', status: 422, message: problems.map((p) => p.message).join('; '), fields: problems.map((p) => ({ field: p.column, message: p.message })) });
}

interface Source {
  unitId: string | null;
  name: string;
}

function sourceOf(ctx: Ctx): Source {
  const u = actorUnit(ctx, SCOPES.personWrite);
  return { unitId: u.unitId, name: u.unitName || ctx.actor.name };
}

/** Applies `changes` to one locked row and records history; returns the new version. */
async function applyChange(ctx: Ctx, row: PersonRow, type: PersonEventType | 'correction', changes: Changes, src: Source, occurredOn: string | null, note: string | null): Promise<void> {
  const now = ctx.clock.now().toISOString();
  const meta = { ...(row.field_sources ?? {}) };
  const sets: SQL[] = [];
  for (const [field, c] of Object.entries(changes)) {
    meta[field] = { u: src.unitId, n: src.name, t: now };
    const col = sql.raw(field);
    sets.push(field === 'former_names' ? sql`${col} = ${pgTextArray(c.to as string[])}::text[]` : sql`${col} = ${c.to as string | null}`);
  }
  await ctx.db.execute(sql`UPDATE registries.persons SET ${sql.join(sets, sql`, `)}, field_sources = ${JSON.stringify(meta)}::jsonb,
      version = version + 1, updated_at = ${now} WHERE id_number = ${row.id_number}`);
  await ctx.db.execute(sql`INSERT INTO registries.person_events (id, id_number, type, occurred_on, changes, note, source_unit_id, source_name, actor_user_id, actor_name, request_id, recorded_at)
    VALUES (${newId()}, ${row.id_number}, ${type}, ${occurredOn}, ${JSON.stringify(changes)}::jsonb, ${note}, ${src.unitId}, ${src.name}, ${ctx.actor.userId}, ${ctx.actor.name}, ${ctx.requestId}, ${now})`);
}

function eventPayload(row: PersonRow, type: string, changes: Changes, occurredOn: string | null, src: Source): Record<string, unknown> {
  return { idNumber: row.id_number, type, occurredOn, regionCode: (changes.region_code?.to as string) ?? row.region_code, changes, source: src.name, sourceUnitId: src.unitId };
}

async function lockOne(ctx: Ctx, idNumber: string): Promise<PersonRow> {
  const id = normalId(idNumber);
  const [row] = await loadRows(ctx, [id], true);
  if (!row || !regionOk(visiblePrefixes(ctx, SCOPES.personWrite), row.region_code)) throw notFound('person_not_found', `未找到公民身份号码为 ${maskIdNumber(id)} 的人口信息, 或不在您的辖区内。`);
  return row;
}

async function checkRegion(ctx: Ctx, regionCode: string): Promise<void> {
  if (!(await knownRegions(ctx)).has(regionCode)) refuse([{ column: 'regionCode', message: `行政区划代码 ${regionCode} 不在组织目录的区划中` }]);
  if (!regionOk(visiblePrefixes(ctx, SCOPES.personWrite), regionCode)) refuse([{ column: 'regionCode', message: `区划 ${regionCode} 不在您的辖区内` }]);
}

async function insertPerson(ctx: Ctx, p: { idNumber: string; name: string; ethnicity: string; regionCode: string; address: string; householdId: string | null; relationToHead: string | null }, src: Source, type: PersonEventType, occurredOn: string | null): Promise<PersonRow> {
  const facts = residentIdFacts(p.idNumber);
  const now = ctx.clock.now().toISOString();
  await ctx.db.execute(sql`INSERT INTO registries.persons (id_number, name, sex, ethnicity, birth_date, region_code, address, household_id, relation_to_head,
      status, source_unit_id, source_name, source_at, created_at, updated_at)
    VALUES (${p.idNumber}, ${p.name}, ${facts.sex}, ${p.ethnicity}, ${facts.birthDate}, ${p.regionCode}, ${p.address}, ${p.householdId}, ${p.relationToHead},
      'normal', ${src.unitId}, ${src.name}, ${now}, ${now}, ${now})`);
  const created = { name: { from: null, to: p.name }, region_code: { from: null, to: p.regionCode }, household_id: { from: null, to: p.householdId } };
  await ctx.db.execute(sql`INSERT INTO registries.person_events (id, id_number, type, occurred_on, changes, source_unit_id, source_name, actor_user_id, actor_name, request_id, recorded_at)
    VALUES (${newId()}, ${p.idNumber}, ${type}, ${occurredOn}, ${JSON.stringify(created)}::jsonb, ${src.unitId}, ${src.name}, ${ctx.actor.userId}, ${ctx.actor.name}, ${ctx.requestId}, ${now})`);
  return (await loadRows(ctx, [p.idNumber]))[0];
}

/** Records one registration event (户籍登记事项). Returns the ID numbers it changed. */
export async function recordPersonEvent(ctx: Ctx, input: PersonEventInput): Promise<{ idNumbers: string[] }> {
  requireScope(ctx, SCOPES.personWrite);
  requireDates({ occurredOn: 'occurredOn' in input ? input.occurredOn : undefined });
  const today = ctx.clock.now();
  return inTransaction(ctx, async (tctx) => {
    const src = sourceOf(tctx);
    const touched: string[] = [];
    const emit = async (row: PersonRow, type: PersonEventType, changes: Changes, occurredOn: string | null) => {
      touched.push(row.id_number);
      audit(tctx, { action: `registries.person.${type}`, targetType: 'registries.person', targetId: row.id_number, targetLabel: maskIdNumber(row.id_number), details: { changes: Object.keys(changes) } });
      await publish(tctx, { type: PERSON_EVENT_TOPIC[type], orderingKey: row.id_number, payload: eventPayload(row, type, changes, occurredOn, src) });
    };
    switch (input.type) {
      case 'birth':
      case 'move_in': {
        const id = normalId(input.idNumber);
        const bad = checkIdNumber(id, 'idNumber', today);
        if (bad) refuse([bad]);
        await checkRegion(tctx, input.regionCode);
        const existing = (await loadRows(tctx, [id], true))[0];
        if (input.type === 'birth') {
          if (existing) throw conflict('person_exists', `公民身份号码 ${maskIdNumber(id)} 已登记, 不能重复出生登记。`);
          const facts = residentIdFacts(id);
          if (input.occurredOn && input.occurredOn !== facts.birthDate) refuse([{ column: 'occurredOn', message: `出生日期 ${input.occurredOn} 与身份号码中的出生日期 ${facts.birthDate} 不一致` }]);
          const problems = personCodeChecks({ ethnicity: input.ethnicity, relationToHead: input.relationToHead ?? null, education: null, maritalStatus: null });
          if (problems.length) refuse(problems);
          const row = await insertPerson(tctx, { idNumber: id, name: input.name.trim(), ethnicity: input.ethnicity, regionCode: input.regionCode, address: input.address, householdId: input.householdId ?? null, relationToHead: input.relationToHead ?? null }, src, 'birth', facts.birthDate);
          await emit(row, 'birth', { name: { from: null, to: row.name }, region_code: { from: null, to: row.region_code } }, facts.birthDate);
          break;
        }
        if (!existing) {
          if (!input.name || !input.ethnicity) refuse([{ column: 'name', message: '迁入的人员在本库中没有记录, 须填写姓名和民族' }]);
          const problems = personCodeChecks({ ethnicity: input.ethnicity!, relationToHead: input.relationToHead ?? null, education: null, maritalStatus: null });
          if (problems.length) refuse(problems);
          const row = await insertPerson(tctx, { idNumber: id, name: input.name!.trim(), ethnicity: input.ethnicity!, regionCode: input.regionCode, address: input.address, householdId: input.householdId ?? null, relationToHead: input.relationToHead ?? null }, src, 'move_in', input.occurredOn ?? null);
          await emit(row, 'move_in', { region_code: { from: null, to: row.region_code } }, input.occurredOn ?? null);
        } else {
          if (existing.status === 'deceased') throw conflict('person_deceased', '该人员已死亡注销, 不能办理迁入。');
          const changes: Changes = {};
          const set = (f: keyof PersonRow, v: unknown) => {
            if (existing[f] !== v) changes[f] = { from: existing[f] ?? null, to: v };
          };
          set('region_code', input.regionCode);
          set('address', input.address);
          if (input.householdId !== undefined) set('household_id', input.householdId);
          if (input.relationToHead !== undefined) set('relation_to_head', input.relationToHead);
          set('status', 'normal');
          set('status_date', null);
          set('moved_to', null);
          await applyChange(tctx, existing, 'move_in', changes, src, input.occurredOn ?? null, input.note ?? null);
          await emit(existing, 'move_in', changes, input.occurredOn ?? null);
        }
        break;
      }
      case 'death':
      case 'move_out': {
        const row = await lockOne(tctx, input.idNumber);
        if (row.status === 'deceased') throw conflict('person_deceased', '该人员已死亡注销。');
        if (input.type === 'move_out' && row.status === 'moved_out') throw conflict('person_moved_out', '该人员已迁出。');
        const status = input.type === 'death' ? 'deceased' : 'moved_out';
        const changes: Changes = { status: { from: row.status, to: status }, status_date: { from: day(row.status_date), to: input.occurredOn } };
        if (input.type === 'move_out') changes.moved_to = { from: row.moved_to, to: input.movedTo };
        await applyChange(tctx, row, input.type, changes, src, input.occurredOn, input.note ?? null);
        await emit(row, input.type, changes, input.occurredOn);
        break;
      }
      case 'name_change': {
        const row = await lockOne(tctx, input.idNumber);
        const newName = input.newName.trim();
        if (newName === row.name) refuse([{ column: 'newName', message: '新姓名与现用名相同' }]);
        const changes: Changes = { name: { from: row.name, to: newName }, former_names: { from: row.former_names, to: [...(row.former_names ?? []), row.name] } };
        await applyChange(tctx, row, 'name_change', changes, src, null, input.note ?? null);
        await emit(row, 'name_change', changes, null);
        break;
      }
      case 'household_split': {
        const ids = [...new Set(input.idNumbers.map(normalId))];
        if (!ids.includes(normalId(input.headIdNumber))) refuse([{ column: 'headIdNumber', message: '新户户主须是分出的成员之一' }]);
        const exists = await queryOne<{ n: string | number }>(tctx.db, sql`SELECT count(*) AS n FROM registries.persons WHERE household_id = ${input.newHouseholdId}`);
        if (Number(exists?.n ?? 0) > 0) throw conflict('household_exists', `户号 ${input.newHouseholdId} 已被使用。`);
        for (const id of ids) {
          const row = await lockOne(tctx, id);
          const relation = id === normalId(input.headIdNumber) ? HEAD_RELATION : row.relation_to_head === HEAD_RELATION ? '80' : row.relation_to_head;
          const changes: Changes = { household_id: { from: row.household_id, to: input.newHouseholdId } };
          if (relation !== row.relation_to_head) changes.relation_to_head = { from: row.relation_to_head, to: relation };
          await applyChange(tctx, row, 'household_split', changes, src, null, input.note ?? null);
          await emit(row, 'household_split', changes, null);
        }
        break;
      }
      case 'household_merge': {
        if (input.fromHouseholdId === input.intoHouseholdId) refuse([{ column: 'intoHouseholdId', message: '两个户号相同' }]);
        const members = await queryRows<PersonRow>(tctx.db, sql`SELECT * FROM registries.persons WHERE household_id = ${input.fromHouseholdId} AND status = 'normal' FOR UPDATE`);
        const into = await queryOne<{ n: string | number }>(tctx.db, sql`SELECT count(*) AS n FROM registries.persons WHERE household_id = ${input.intoHouseholdId} AND status = 'normal'`);
        if (members.length === 0) throw notFound('household_not_found', `户号 ${input.fromHouseholdId} 没有在册成员。`);
        if (Number(into?.n ?? 0) === 0) throw notFound('household_not_found', `户号 ${input.intoHouseholdId} 没有在册成员。`);
        const prefixes = visiblePrefixes(tctx, SCOPES.personWrite);
        if (members.some((m) => !regionOk(prefixes, m.region_code))) throw notFound('household_not_found', '该户不在您的辖区内。');
        for (const row of members) {
          const changes: Changes = { household_id: { from: row.household_id, to: input.intoHouseholdId } };
          if (row.relation_to_head === HEAD_RELATION) changes.relation_to_head = { from: HEAD_RELATION, to: input.relationOfFormerHead ?? '80' };
          await applyChange(tctx, row, 'household_merge', changes, src, null, input.note ?? null);
          await emit(row, 'household_merge', changes, null);
        }
        break;
      }
    }
    return { idNumbers: touched };
  });
}

/** Fields a correction may change (ID number, birth date and sex follow from the number and are not corrected here). */
export const CORRECTABLE_PERSON_FIELDS = {
  name: '姓名',
  ethnicity: '民族',
  address: '户籍地址',
  regionCode: '户籍地行政区划',
  education: '学历',
  maritalStatus: '婚姻状况',
  relationToHead: '与户主关系',
} as const;
export type CorrectablePersonField = keyof typeof CORRECTABLE_PERSON_FIELDS;
const COLUMN_OF: Record<CorrectablePersonField, string> = {
  name: 'name', ethnicity: 'ethnicity', address: 'address', regionCode: 'region_code', education: 'education', maritalStatus: 'marital_status', relationToHead: 'relation_to_head',
};

/** Direct correction by the source department (audited, history kept, event published). */
export async function correctPerson(ctx: Ctx, input: { idNumber: string; field: CorrectablePersonField; value: string; reason: string }): Promise<PersonView> {
  requireScope(ctx, SCOPES.personWrite);
  const reason = input.reason.trim();
  if (reason.length < 2) refuse([{ column: 'reason', message: '请说明更正依据' }]);
  await inTransaction(ctx, async (tctx) => {
    const row = await lockOne(tctx, input.idNumber);
    const value = input.value.trim();
    const problems: Problem[] = [];
    if (input.field === 'name' && (value.length < 1 || value.length > 60)) problems.push({ column: 'value', message: '姓名应为 1-60 个字' });
    if (input.field === 'ethnicity' || input.field === 'education' || input.field === 'maritalStatus' || input.field === 'relationToHead') {
      const checks = personCodeChecks({ ethnicity: input.field === 'ethnicity' ? value : row.ethnicity, education: input.field === 'education' ? value : null, maritalStatus: input.field === 'maritalStatus' ? value : null, relationToHead: input.field === 'relationToHead' ? value : null });
      problems.push(...checks.map((c) => ({ column: 'value', message: c.message })));
    }
    if (problems.length) refuse(problems);
    if (input.field === 'regionCode') await checkRegion(tctx, value);
    const col = COLUMN_OF[input.field];
    const from = row[col as keyof PersonRow] ?? null;
    if (from === value) refuse([{ column: 'value', message: '更正后的值与现值相同' }]);
    const changes: Changes = { [col]: { from, to: value } };
    const src = sourceOf(tctx);
    await applyChange(tctx, row, 'correction', changes, src, null, reason);
    audit(tctx, { action: 'registries.person.correct', targetType: 'registries.person', targetId: row.id_number, targetLabel: maskIdNumber(row.id_number), details: { field: col, reason } });
    await publish(tctx, { type: 'registries.person.corrected', orderingKey: row.id_number, payload: eventPayload(row, 'correction', changes, null, src) });
  });
  const [row] = await loadRows(ctx, [normalId(input.idNumber)]);
  return personView(row, false);
}

export interface PersonHistoryItem {
  type: string;
  typeLabel: string;
  occurredOn: string | null;
  changes: Changes;
  note: string | null;
  sourceName: string;
  actorName: string;
  recordedAt: string;
}

/** History of one person (newest first). Values of personal fields are masked unless `full`. */
export async function personHistory(ctx: Ctx, input: { idNumber: string; full?: boolean }): Promise<PersonHistoryItem[]> {
  requireScope(ctx, SCOPES.personRead);
  const id = normalId(input.idNumber);
  const row = await queryOne<{ region_code: string }>(ctx.db, sql`SELECT region_code FROM registries.persons WHERE id_number = ${id}`);
  if (!row || !regionOk(visiblePrefixes(ctx, SCOPES.personRead), row.region_code)) throw notFound('person_not_found', '未找到该人员或不在您的辖区内。');
  const full = input.full === true && regionOk(visiblePrefixes(ctx, SCOPES.personReadFull), row.region_code);
  const rows = await queryRows<{ type: string; occurred_on: string | Date | null; changes: Changes; note: string | null; source_name: string; actor_name: string; recorded_at: string | Date }>(
    ctx.db,
    sql`SELECT type, occurred_on, changes, note, source_name, actor_name, recorded_at FROM registries.person_events WHERE id_number = ${id} ORDER BY recorded_at DESC, id DESC LIMIT 200`,
  );
  const maskValue = (field: string, v: unknown): unknown => {
    if (full || v === null) return v;
    if (field === 'name') return maskName(String(v));
    if (field === 'former_names' && Array.isArray(v)) return v.map((x) => maskName(String(x)));
    if (field === 'address') return maskAddress(String(v));
    if (field === 'household_id') return maskIdNumber(String(v));
    return v;
  };
  return rows.map((r) => ({
    type: r.type,
    typeLabel: PERSON_EVENT_LABELS[r.type as PersonEventType] ?? r.type,
    occurredOn: day(r.occurred_on),
    changes: Object.fromEntries(Object.entries(r.changes ?? {}).map(([k, c]) => [k, { from: maskValue(k, c.from), to: maskValue(k, c.to) }])),
    note: r.note,
    sourceName: r.source_name,
    actorName: r.actor_name,
    recordedAt: isoT(r.recorded_at),
  }));
}

/** Members of a household (masked unless full view), for the person page. */
export async function householdMembers(ctx: Ctx, input: { householdId: string; full: boolean }): Promise<PersonView[]> {
  requireScope(ctx, SCOPES.personRead);
  const rows = await queryRows<PersonRow>(ctx.db, sql`SELECT * FROM registries.persons WHERE household_id = ${input.householdId} ORDER BY relation_to_head, birth_date LIMIT 50`);
  const prefixes = visiblePrefixes(ctx, SCOPES.personRead);
  return rows.filter((r) => regionOk(prefixes, r.region_code)).map((r) => personView(r, input.full));
}
