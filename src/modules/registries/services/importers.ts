/**
 * Import definitions of the two registries for the kernel's bulk import service: columns (Chinese
 * headers as in the templates and the synthetic files), row checks (GB 11643 / GB 32100, birth date
 * and sex against the ID number, code lists), region codes against the directory, and the batch
 * write: COPY into staging + INSERT … ON CONFLICT into the registry, the history of rows that change,
 * and one outbox event per batch.
 */
import type { Ctx } from '../../../platform/context.ts';
import { bulkUpsert, type ImportDefinition, type ImportJob, type ParsedRow, type RowProblem } from '../../../platform/imports/index.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { residentIdFacts } from '../../../platform/identifiers/index.ts';
import { ENTITY_STATUS_LABELS, ENTITY_TYPES, type EntityStatus, EDUCATION, ETHNICITIES, MARITAL, PERSON_STATUS_LABELS, RELATIONS, type PersonStatus } from '../codes.ts';
import { EVENTS, SCOPES } from '../model.ts';
import { checkAgreesWithId, checkIdNumber, codeOf, entityCodeChecks, knownRegions, normalDate, normalSex, personCodeChecks, usccFlag } from './validate.ts';

export interface PersonImportRow {
  idNumber: string;
  name: string;
  formerNames: string[];
  sex: 'male' | 'female';
  ethnicity: string;
  birthDate: string;
  regionCode: string;
  address: string;
  householdId: string | null;
  relationToHead: string | null;
  education: string | null;
  maritalStatus: string | null;
  status: PersonStatus;
  isDemo: boolean;
}

const yes = (v: string) => ['是', 'true', '1', 'y', 'yes'].includes(v.trim().toLowerCase());
const statusOf = <T extends string>(labels: Record<T, string>, v: string, aliases: Record<string, T> = {}): T | null => {
  const s = v.trim();
  if (!s) return null;
  if (s in labels) return s as T;
  const hit = (Object.entries(labels) as [T, string][]).find(([, l]) => l === s || l.startsWith(s));
  return hit ? hit[0] : (aliases[s] ?? null);
};

/** Source department of an import: the importing unit (job options). */
function sourceOf(job: ImportJob): { unitId: string | null; name: string } {
  const o = job.options as { sourceUnitId?: string | null; sourceName?: string };
  return { unitId: o.sourceUnitId ?? job.unitId, name: o.sourceName || job.createdByName };
}

const PERSON_DATA_COLUMNS = ['name', 'former_names', 'sex', 'ethnicity', 'birth_date', 'region_code', 'address', 'household_id', 'relation_to_head', 'education', 'marital_status', 'status', 'is_demo'];

/** jsonb of the fields that differ between the stored row t and the staged row s. */
const diffJson = (cols: string[]) =>
  `jsonb_strip_nulls(jsonb_build_object(${cols.map((c) => `'${c}', CASE WHEN t.${c} IS DISTINCT FROM s.${c} THEN jsonb_build_object('from', to_jsonb(t.${c}), 'to', to_jsonb(s.${c})) END`).join(', ')}))`;

export const PERSON_IMPORT: ImportDefinition<PersonImportRow> = {
  kind: 'registries.persons',
  label: '人口基础信息导入',
  scope: SCOPES.personImport,
  batchSize: 20_000,
  columns: [
    { key: 'idNumber', header: '公民身份号码', required: true, aliases: ['身份证号', '身份证号码'] },
    { key: 'name', header: '姓名', required: true },
    { key: 'sex', header: '性别' },
    { key: 'ethnicity', header: '民族', required: true },
    { key: 'birthDate', header: '出生日期' },
    { key: 'regionCode', header: '户籍地区划代码', required: true, aliases: ['行政区划代码', '户籍地行政区划'] },
    { key: 'address', header: '户籍地址', aliases: ['住址'] },
    { key: 'householdId', header: '户号' },
    { key: 'relationToHead', header: '与户主关系' },
    { key: 'education', header: '学历' },
    { key: 'maritalStatus', header: '婚姻状况' },
    { key: 'formerNames', header: '曾用名' },
    { key: 'status', header: '人员状态' },
    { key: 'demo', header: '演示数据' },
  ],
  keyOf: (v) => v.idNumber,
  parseRow(c) {
    const problems: RowProblem[] = [];
    const id = (c.idNumber ?? '').trim().toUpperCase();
    const bad = checkIdNumber(id);
    if (bad) return { problems: [bad] };
    const name = (c.name ?? '').trim();
    if (!name) problems.push({ column: 'name', message: '姓名不能为空' });
    else if ([...name].length > 60) problems.push({ column: 'name', message: '姓名超过 60 个字' });
    const facts = residentIdFacts(id);
    let sex: 'male' | 'female' = facts.sex;
    if (c.sex) {
      const s = normalSex(c.sex);
      if (!s) problems.push({ column: 'sex', message: `性别「${c.sex}」无法识别 (男/女/1/2)` });
      else sex = s;
    }
    let birth = facts.birthDate;
    if (c.birthDate) {
      const d = normalDate(c.birthDate);
      if (!d) problems.push({ column: 'birthDate', message: `出生日期「${c.birthDate}」不是有效日期` });
      else birth = d;
    }
    problems.push(...checkAgreesWithId(id, birth, sex));
    const region = (c.regionCode ?? '').trim();
    if (!/^\d{6}$/.test(region)) problems.push({ column: 'regionCode', message: '户籍地区划代码应为 6 位数字 (GB/T 2260)' });
    const ethnicity = codeOf(ETHNICITIES, c.ethnicity ?? '');
    const relationToHead = c.relationToHead ? codeOf(RELATIONS, c.relationToHead) : null;
    const education = c.education ? codeOf(EDUCATION, c.education) : null;
    const maritalStatus = c.maritalStatus ? codeOf(MARITAL, c.maritalStatus) : null;
    problems.push(...personCodeChecks({ ethnicity, relationToHead, education, maritalStatus }));
    const status = c.status ? statusOf(PERSON_STATUS_LABELS, c.status, { 死亡注销: 'deceased', 已迁出: 'moved_out' }) : 'normal';
    if (!status) problems.push({ column: 'status', message: `人员状态「${c.status}」应为 正常、死亡 或 迁出` });
    if (problems.length) return { problems };
    return {
      value: {
        idNumber: id, name, formerNames: (c.formerNames ?? '').split(/[;；,，、]/).map((s) => s.trim()).filter(Boolean), sex, ethnicity, birthDate: birth,
        regionCode: region, address: (c.address ?? '').trim(), householdId: (c.householdId ?? '').trim() || null, relationToHead, education, maritalStatus,
        status: status!, isDemo: yes(c.demo ?? ''),
      },
    };
  },
  async validateBatch(ctx, rows) {
    const regions = await knownRegions(ctx);
    return rows.filter((r) => !regions.has(r.value.regionCode)).map((r) => ({ row: r.row, column: 'regionCode', message: `户籍地区划代码 ${r.value.regionCode} 不在组织目录的行政区划中` }));
  },
  async writeBatch(ctx: Ctx, rows: ParsedRow<PersonImportRow>[], job: ImportJob) {
    const src = sourceOf(job);
    const now = ctx.clock.now().toISOString();
    const res = await bulkUpsert(ctx, {
      table: 'registries.persons',
      columns: ['id_number', ...PERSON_DATA_COLUMNS, 'source_unit_id', 'source_name', 'source_at', 'field_sources', 'created_at', 'updated_at'],
      key: ['id_number'],
      rows: rows.map(({ value: v }) => [v.idNumber, v.name, v.formerNames, v.sex, v.ethnicity, v.birthDate, v.regionCode, v.address, v.householdId, v.relationToHead, v.education, v.maritalStatus, v.status, v.isDemo, src.unitId, src.name, now, {}, now, now]),
      update: [...PERSON_DATA_COLUMNS, 'source_unit_id', 'source_name', 'source_at', 'field_sources', 'updated_at'],
      compare: PERSON_DATA_COLUMNS,
      extraSet: 'version = t.version + 1',
      // History of the rows this batch changes (inserted rows have none: the import job is their origin).
      beforeUpsert: `INSERT INTO registries.person_events (id, id_number, type, changes, note, source_unit_id, source_name, actor_user_id, actor_name, request_id, recorded_at)
        SELECT gen_random_uuid(), s.id_number, 'import', ${diffJson(PERSON_DATA_COLUMNS)}, 'import:${job.id}',
          ${src.unitId ? `'${src.unitId}'::uuid` : 'NULL'}, '${src.name.replace(/'/g, "''")}', NULL, '${job.createdByName.replace(/'/g, "''")}', 'import:${job.id}', '${now}'
        FROM {stage} s JOIN registries.persons t ON t.id_number = s.id_number
        WHERE (${PERSON_DATA_COLUMNS.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${PERSON_DATA_COLUMNS.map((c) => `s.${c}`).join(', ')})`,
    });
    if (res.inserted + res.updated > 0) {
      await publish(ctx, { type: EVENTS.personsImported, orderingKey: `import:${job.id}`, payload: { jobId: job.id, firstRow: rows[0].row, lastRow: rows[rows.length - 1].row, inserted: res.inserted, updated: res.updated, source: src.name } });
      audit(ctx, { action: 'registries.person.import_batch', targetType: 'imports.job', targetId: job.id, targetLabel: job.fileName, details: { firstRow: rows[0].row, inserted: res.inserted, updated: res.updated } });
    }
    return res;
  },
};

export interface EntityImportRow {
  uscc: string;
  usccValid: boolean;
  usccProblem: string | null;
  name: string;
  entityType: string;
  legalRepName: string;
  legalRepIdNumber: string | null;
  registeredCapital: number | null;
  currency: string;
  establishedOn: string;
  businessScope: string;
  industryCode: string;
  regionCode: string;
  address: string;
  authorityName: string;
  status: EntityStatus;
  isDemo: boolean;
}

const ENTITY_DATA_COLUMNS = ['uscc_valid', 'uscc_problem', 'name', 'entity_type', 'legal_rep_name', 'legal_rep_id_number', 'registered_capital', 'currency', 'established_on', 'business_scope', 'industry_code', 'region_code', 'address', 'authority_name', 'status', 'is_demo'];

export const ENTITY_IMPORT: ImportDefinition<EntityImportRow> = {
  kind: 'registries.entities',
  label: '法人单位基础信息导入',
  scope: SCOPES.entityImport,
  batchSize: 20_000,
  columns: [
    { key: 'uscc', header: '统一社会信用代码', required: true },
    { key: 'name', header: '名称', required: true, aliases: ['单位名称', '企业名称'] },
    { key: 'entityType', header: '主体类型', required: true },
    { key: 'legalRepName', header: '法定代表人', required: true, aliases: ['负责人', '经营者'] },
    { key: 'legalRepIdNumber', header: '法定代表人身份号码' },
    { key: 'registeredCapital', header: '注册资本(万元)', aliases: ['注册资本'] },
    { key: 'currency', header: '币种' },
    { key: 'establishedOn', header: '成立日期', required: true },
    { key: 'businessScope', header: '经营范围' },
    { key: 'industryCode', header: '行业代码', required: true },
    { key: 'regionCode', header: '住所所在区划代码', required: true, aliases: ['行政区划代码'] },
    { key: 'address', header: '住所' },
    { key: 'authorityName', header: '登记机关' },
    { key: 'status', header: '登记状态' },
    { key: 'demo', header: '演示数据' },
  ],
  keyOf: (v) => v.uscc,
  parseRow(c, _row, job) {
    const problems: RowProblem[] = [];
    const uscc = (c.uscc ?? '').trim().toUpperCase();
    const flag = usccFlag(uscc);
    if (flag.refuse) return { problems: [{ column: 'uscc', message: flag.refuse }] };
    const name = (c.name ?? '').trim();
    if (!name) problems.push({ column: 'name', message: '名称不能为空' });
    const entityType = codeOf(ENTITY_TYPES, c.entityType ?? '');
    const industryCode = (c.industryCode ?? '').trim().replace(/^[A-T]/, '');
    const currency = (c.currency ?? '').trim().toUpperCase() || 'CNY';
    problems.push(...entityCodeChecks({ entityType, industryCode, currency }));
    const rep = (c.legalRepIdNumber ?? '').trim().toUpperCase();
    if (rep) {
      const bad = checkIdNumber(rep, 'legalRepIdNumber');
      if (bad) problems.push({ column: 'legalRepIdNumber', message: bad.message });
    }
    if (!(c.legalRepName ?? '').trim()) problems.push({ column: 'legalRepName', message: '法定代表人不能为空' });
    const est = normalDate(c.establishedOn ?? '');
    if (!est) problems.push({ column: 'establishedOn', message: `成立日期「${c.establishedOn ?? ''}」不是有效日期` });
    let capital: number | null = null;
    if ((c.registeredCapital ?? '').trim()) {
      capital = Number((c.registeredCapital ?? '').replace(/,/g, ''));
      if (!Number.isFinite(capital) || capital < 0) problems.push({ column: 'registeredCapital', message: '注册资本应为非负数 (万元)' });
    }
    const region = (c.regionCode ?? '').trim();
    if (!/^\d{6}$/.test(region)) problems.push({ column: 'regionCode', message: '区划代码应为 6 位数字 (GB/T 2260)' });
    const status = c.status ? statusOf(ENTITY_STATUS_LABELS, c.status, { 存续: 'active', 在业: 'active', 开业: 'active' }) : 'active';
    if (!status) problems.push({ column: 'status', message: `登记状态「${c.status}」应为 存续(在业)、吊销、注销 或 迁出` });
    if (problems.length) return { problems };
    return {
      value: {
        uscc, usccValid: flag.valid, usccProblem: flag.problem, name, entityType, legalRepName: c.legalRepName.trim(), legalRepIdNumber: rep || null, registeredCapital: capital,
        currency, establishedOn: est!, businessScope: (c.businessScope ?? '').trim(), industryCode, regionCode: region, address: (c.address ?? '').trim(),
        authorityName: (c.authorityName ?? '').trim() || sourceOf(job).name, status: status!, isDemo: yes(c.demo ?? ''),
      },
    };
  },
  async validateBatch(ctx, rows) {
    const regions = await knownRegions(ctx);
    return rows.filter((r) => !regions.has(r.value.regionCode)).map((r) => ({ row: r.row, column: 'regionCode', message: `区划代码 ${r.value.regionCode} 不在组织目录的行政区划中` }));
  },
  async writeBatch(ctx, rows, job) {
    const src = sourceOf(job);
    const now = ctx.clock.now().toISOString();
    const res = await bulkUpsert(ctx, {
      table: 'registries.entities',
      columns: ['uscc', ...ENTITY_DATA_COLUMNS, 'source_unit_id', 'source_name', 'source_at', 'field_sources', 'created_at', 'updated_at'],
      key: ['uscc'],
      rows: rows.map(({ value: v }) => [v.uscc, v.usccValid, v.usccProblem, v.name, v.entityType, v.legalRepName, v.legalRepIdNumber, v.registeredCapital, v.currency, v.establishedOn, v.businessScope, v.industryCode, v.regionCode, v.address, v.authorityName, v.status, v.isDemo, src.unitId, src.name, now, {}, now, now]),
      update: [...ENTITY_DATA_COLUMNS, 'source_unit_id', 'source_name', 'source_at', 'field_sources', 'updated_at'],
      compare: ENTITY_DATA_COLUMNS,
      extraSet: 'version = t.version + 1',
      beforeUpsert: `INSERT INTO registries.entity_changes (id, uscc, type, changes, note, source_unit_id, source_name, actor_user_id, actor_name, request_id, recorded_at)
        SELECT gen_random_uuid(), s.uscc, 'import', ${diffJson(ENTITY_DATA_COLUMNS)}, 'import:${job.id}',
          ${src.unitId ? `'${src.unitId}'::uuid` : 'NULL'}, '${src.name.replace(/'/g, "''")}', NULL, '${job.createdByName.replace(/'/g, "''")}', 'import:${job.id}', '${now}'
        FROM {stage} s JOIN registries.entities t ON t.uscc = s.uscc
        WHERE (${ENTITY_DATA_COLUMNS.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${ENTITY_DATA_COLUMNS.map((c) => `s.${c}`).join(', ')})`,
    });
    if (res.inserted + res.updated > 0) {
      await publish(ctx, { type: EVENTS.entitiesImported, orderingKey: `import:${job.id}`, payload: { jobId: job.id, firstRow: rows[0].row, lastRow: rows[rows.length - 1].row, inserted: res.inserted, updated: res.updated, source: src.name } });
      audit(ctx, { action: 'registries.entity.import_batch', targetType: 'imports.job', targetId: job.id, targetLabel: job.fileName, details: { firstRow: rows[0].row, inserted: res.inserted, updated: res.updated } });
    }
    return res;
  },
};

export const REGISTRY_IMPORTERS = [PERSON_IMPORT, ENTITY_IMPORT] as unknown as ImportDefinition<unknown>[];
