/**
 * Data quality (数据质量): checks run over both registries — ID number vs birth date and sex, codes
 * outside their code lists, regions missing from the directory, likely duplicate persons, legacy
 * credit codes failing GB 32100, active entities whose legal representative is deceased. Each finding
 * is an issue assigned to the record's source department (one open issue per record and rule), which
 * lists its issues in the workbench and marks them resolved or confirmed correct.
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope } from '../../../platform/context.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { conflict, forbidden, notFound } from '../../../platform/errors.ts';
import { ENTITY_TYPES, ETHNICITIES, INDUSTRY_DIVISIONS } from '../codes.ts';
import { SCOPES } from '../model.ts';
import { knownRegions } from './validate.ts';
import { regionOk, visiblePrefixes } from './access.ts';

export const QUALITY_RULES: Record<string, string> = {
  person_id_birth: '出生日期与公民身份号码不一致',
  person_id_sex: '性别与公民身份号码不一致',
  person_code: '民族代码不在 GB/T 3304 代码表中',
  person_region: '户籍地区划不在组织目录中',
  person_duplicate: '疑似重复登记 (同姓名、同出生日期、同户籍地, 号码不同)',
  entity_uscc_invalid: '统一社会信用代码未通过 GB 32100 校验 (存量代码)',
  entity_rep_deceased: '存续主体的法定代表人已死亡注销',
  entity_code: '主体类型或行业代码不在代码表中',
  entity_region: '住所所在区划不在组织目录中',
};

const LIMIT_PER_RULE = 10_000;
const QUALITY_LOCK = 724310;

const list = (xs: string[]) => sql.join(xs.map((x) => sql`${x}`), sql`, `);

/** Runs every check; returns the number of new issues per rule. Safe with several workers (advisory lock). */
export async function runQualityChecks(ctx: Ctx): Promise<Record<string, number>> {
  if (ctx.actor.kind !== 'system' && !hasScope(ctx.actor, SCOPES.qualityManage)) throw forbidden();
  const regions = [...(await knownRegions(ctx))];
  const now = ctx.clock.now().toISOString();
  const found: Record<string, number> = {};
  await inTransaction(ctx, async (tctx) => {
    const got = await queryOne<{ ok: boolean }>(tctx.db, sql`SELECT pg_try_advisory_xact_lock(${QUALITY_LOCK}) AS ok`);
    if (!got?.ok) throw conflict('quality_running', '数据质量检查正在进行中, 请稍后再看结果。');
    const insert = async (rule: string, recordType: 'person' | 'entity', select: ReturnType<typeof sql>) => {
      const r = await queryRows<{ n: string | number }>(tctx.db, sql`WITH ins AS (
          INSERT INTO registries.quality_issues (id, record_type, record_key, rule, message, source_unit_id, source_name, region_code, status, detected_at)
          SELECT gen_random_uuid(), ${recordType}, k.key, ${rule}, k.message, k.source_unit_id, k.source_name, k.region_code, 'open', ${now}
          FROM (${select} LIMIT ${LIMIT_PER_RULE}) k
          ON CONFLICT (record_type, record_key, rule) WHERE status = 'open' DO NOTHING RETURNING 1)
        SELECT count(*) AS n FROM ins`);
      found[rule] = Number(r[0]?.n ?? 0);
    };
    await insert('person_id_birth', 'person', sql`SELECT id_number AS key, ${QUALITY_RULES.person_id_birth} || ': 号码中为 ' || substr(id_number, 7, 8) || ', 登记为 ' || to_char(birth_date, 'YYYYMMDD') AS message, source_unit_id, source_name, region_code
      FROM registries.persons WHERE substr(id_number, 7, 8) <> to_char(birth_date, 'YYYYMMDD')`);
    await insert('person_id_sex', 'person', sql`SELECT id_number AS key, ${QUALITY_RULES.person_id_sex} AS message, source_unit_id, source_name, region_code
      FROM registries.persons WHERE (substr(id_number, 17, 1)::int % 2 = 1) <> (sex = 'male')`);
    await insert('person_code', 'person', sql`SELECT id_number AS key, ${QUALITY_RULES.person_code} || ': ' || ethnicity AS message, source_unit_id, source_name, region_code
      FROM registries.persons WHERE ethnicity NOT IN (${list(Object.keys(ETHNICITIES))})`);
    await insert('person_region', 'person', sql`SELECT id_number AS key, ${QUALITY_RULES.person_region} || ': ' || region_code AS message, source_unit_id, source_name, region_code
      FROM registries.persons WHERE region_code NOT IN (${list(regions.length ? regions : ['000000'])})`);
    await insert('person_duplicate', 'person', sql`SELECT p.id_number AS key, ${QUALITY_RULES.person_duplicate} || ': 另见 ' || (SELECT string_agg(left(q.id_number, 4) || '**********' || right(q.id_number, 4), '、')
          FROM registries.persons q WHERE q.name = p.name AND q.region_code = p.region_code AND q.birth_date = p.birth_date AND q.id_number <> p.id_number) AS message,
        p.source_unit_id, p.source_name, p.region_code
      FROM registries.persons p JOIN (SELECT name, region_code, birth_date FROM registries.persons WHERE status = 'normal' GROUP BY 1, 2, 3 HAVING count(*) > 1) d
        ON d.name = p.name AND d.region_code = p.region_code AND d.birth_date = p.birth_date WHERE p.status = 'normal'`);
    await insert('entity_uscc_invalid', 'entity', sql`SELECT uscc AS key, ${QUALITY_RULES.entity_uscc_invalid} || coalesce(': ' || uscc_problem, '') AS message, source_unit_id, source_name, region_code
      FROM registries.entities WHERE NOT uscc_valid`);
    await insert('entity_rep_deceased', 'entity', sql`SELECT e.uscc AS key, ${QUALITY_RULES.entity_rep_deceased} || ': ' || e.legal_rep_name || coalesce(' (' || to_char(p.status_date, 'YYYY-MM-DD') || ')', '') AS message,
        e.source_unit_id, e.source_name, e.region_code
      FROM registries.entities e JOIN registries.persons p ON p.id_number = e.legal_rep_id_number WHERE e.status = 'active' AND p.status = 'deceased'`);
    await insert('entity_code', 'entity', sql`SELECT uscc AS key, ${QUALITY_RULES.entity_code} || ': ' || entity_type || ' / ' || industry_code AS message, source_unit_id, source_name, region_code
      FROM registries.entities WHERE entity_type NOT IN (${list(Object.keys(ENTITY_TYPES))}) OR industry_code NOT IN (${list(Object.keys(INDUSTRY_DIVISIONS))})`);
    await insert('entity_region', 'entity', sql`SELECT uscc AS key, ${QUALITY_RULES.entity_region} || ': ' || region_code AS message, source_unit_id, source_name, region_code
      FROM registries.entities WHERE region_code NOT IN (${list(regions.length ? regions : ['000000'])})`);
    audit(tctx, { action: 'registries.quality.run', targetType: 'registries.quality', targetId: 'all', details: found });
  });
  return found;
}

export interface QualityIssue {
  id: string;
  recordType: 'person' | 'entity';
  recordKey: string;
  rule: string;
  ruleLabel: string;
  message: string;
  sourceName: string;
  regionCode: string;
  status: 'open' | 'resolved' | 'dismissed';
  detectedAt: string;
  resolvedAt: string | null;
  resolvedByName: string | null;
  resolutionNote: string | null;
}

interface IssueRow {
  id: string;
  record_type: 'person' | 'entity';
  record_key: string;
  rule: string;
  message: string;
  source_unit_id: string | null;
  source_name: string;
  region_code: string;
  status: 'open' | 'resolved' | 'dismissed';
  detected_at: Date | string;
  resolved_at: Date | string | null;
  resolved_by_name: string | null;
  resolution_note: string | null;
}

const toIssue = (r: IssueRow): QualityIssue => ({
  id: r.id, recordType: r.record_type, recordKey: r.record_key, rule: r.rule, ruleLabel: QUALITY_RULES[r.rule] ?? r.rule, message: r.message, sourceName: r.source_name, regionCode: r.region_code,
  status: r.status, detectedAt: new Date(r.detected_at).toISOString(), resolvedAt: r.resolved_at ? new Date(r.resolved_at).toISOString() : null, resolvedByName: r.resolved_by_name, resolutionNote: r.resolution_note,
});

/** The issues assigned to the actor's departments (units where they hold quality.manage); `all` adds every issue in their region. */
export async function listQualityIssues(ctx: Ctx, input: { status?: 'open' | 'resolved' | 'dismissed'; all?: boolean; page?: number; pageSize?: number } = {}): Promise<{ items: QualityIssue[]; total: number; page: number; pageSize: number }> {
  if (!hasScope(ctx.actor, SCOPES.qualityManage)) throw forbidden();
  const units = ctx.actor.grants.filter((g) => g.scopes.has(SCOPES.qualityManage) || g.scopes.has('*')).map((g) => g.unitId).filter(Boolean);
  const prefixes = visiblePrefixes(ctx, SCOPES.qualityManage);
  const page = Math.max(1, input.page ?? 1);
  const pageSize = Math.min(200, input.pageSize ?? 50);
  const mine = units.length ? sql`source_unit_id IN (${list(units)})` : sql`false`;
  const regionCond = prefixes.length ? sql`(${sql.join(prefixes.map((p) => sql`region_code LIKE ${`${p}%`}`), sql` OR `)})` : sql`false`;
  const where = sql`status = ${input.status ?? 'open'} AND ${input.all ? regionCond : mine}`;
  const total = await queryOne<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM registries.quality_issues WHERE ${where}`);
  const rows = await queryRows<IssueRow>(ctx.db, sql`SELECT * FROM registries.quality_issues WHERE ${where} ORDER BY detected_at DESC, rule, record_key LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`);
  return { items: rows.map(toIssue), total: Number(total?.n ?? 0), page, pageSize };
}

export async function resolveQualityIssue(ctx: Ctx, input: { id: string; status: 'resolved' | 'dismissed'; note: string }): Promise<QualityIssue> {
  if (!hasScope(ctx.actor, SCOPES.qualityManage)) throw forbidden();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input.id)) throw notFound('issue_not_found', '问题不存在或不属于您的部门。');
  return inTransaction(ctx, async (tctx) => {
    const row = await queryOne<IssueRow>(tctx.db, sql`SELECT * FROM registries.quality_issues WHERE id = ${input.id} FOR UPDATE`);
    const units = ctx.actor.grants.filter((g) => g.scopes.has(SCOPES.qualityManage) || g.scopes.has('*')).map((g) => g.unitId);
    if (!row || !(units.includes(row.source_unit_id ?? '') || regionOk(visiblePrefixes(ctx, SCOPES.qualityManage), row.region_code))) throw notFound('issue_not_found', '问题不存在或不属于您的部门。');
    if (row.status !== 'open') throw conflict('issue_closed', '该问题已处理。');
    const now = tctx.clock.now().toISOString();
    const updated = await queryOne<IssueRow>(tctx.db, sql`UPDATE registries.quality_issues SET status = ${input.status}, resolved_at = ${now}, resolved_by_name = ${ctx.actor.name}, resolution_note = ${input.note.trim()}
      WHERE id = ${row.id} RETURNING *`);
    audit(tctx, { action: `registries.quality.${input.status}`, targetType: 'registries.quality_issue', targetId: row.id, targetLabel: QUALITY_RULES[row.rule] ?? row.rule, details: { record: row.record_type, note: input.note } });
    return toIssue(updated!);
  });
}

/** Open issues of the actor's departments (workbench pending item). */
export async function countOpenIssues(ctx: Ctx): Promise<number> {
  if (!hasScope(ctx.actor, SCOPES.qualityManage)) return 0;
  const units = ctx.actor.grants.filter((g) => g.scopes.has(SCOPES.qualityManage)).map((g) => g.unitId).filter(Boolean);
  if (units.length === 0) return 0;
  const r = await queryOne<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM registries.quality_issues WHERE status = 'open' AND source_unit_id IN (${list(units)})`);
  return Number(r?.n ?? 0);
}
