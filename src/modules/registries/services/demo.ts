/**
 * Demo data (演示数据): a few hundred synthetic persons in households and a hundred entities from the
 * generator (never real people), written through the import definitions, plus a few events so the
 * history, the access log and the quality report have something to show: a legal representative who
 * died, a legacy credit code, an abnormal-list entry, annual reports.
 */
import type { Ctx } from '../../../platform/context.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { queryOne, sql } from '../../../platform/db/index.ts';
import type { ImportJob, ParsedRow } from '../../../platform/imports/index.ts';
import { listUnitsForPicker } from '../../directory/index.ts';
import { entityGenerator, personGenerator, rng } from '../synthetic/generator.ts';
import { generatorRegions } from '../synthetic/regions.ts';
import { ENTITY_IMPORT, PERSON_IMPORT, type EntityImportRow, type PersonImportRow } from './importers.ts';
import { recordPersonEvent } from './persons.ts';
import { fileAnnualReport, listAbnormal } from './entities.ts';
import { runQualityChecks } from './quality.ts';
import { SCOPES } from '../model.ts';

export const DEMO_PERSONS = 300;
export const DEMO_ENTITIES = 100;

async function unitNamed(ctx: Ctx, name: string): Promise<{ id: string; name: string; regionCode: string } | null> {
  return (await listUnitsForPicker(ctx, { regionPrefixes: [''], search: name, limit: 5 })).find((u) => u.name === name) ?? null;
}

const pseudoJob = (id: string, source: { id: string; name: string } | null): ImportJob =>
  ({ id, fileName: '演示数据', createdByName: '演示数据生成器', unitId: source?.id ?? null, options: { sourceUnitId: source?.id ?? null, sourceName: source?.name ?? '演示数据生成器' } }) as unknown as ImportJob;

export async function seedRegistriesDemo(ctx: Ctx): Promise<void> {
  const exists = await queryOne<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM registries.persons WHERE is_demo`);
  if (Number(exists?.n ?? 0) > 0) return;
  const regions = await generatorRegions(ctx);
  if (regions.length === 0) return;
  const police = await unitNamed(ctx, '河南省公安厅');
  const market = await unitNamed(ctx, '河南省市场监督管理局');
  const gen = personGenerator(regions, 20261128);
  const personRows: ParsedRow<PersonImportRow>[] = [];
  let row = 1;
  while (personRows.length < DEMO_PERSONS) {
    for (const cells of gen.next()) {
      row += 1;
      const parsed = PERSON_IMPORT.parseRow(cells, row, pseudoJob('demo', police));
      if ('value' in parsed) personRows.push({ row, value: parsed.value });
    }
  }
  const pick = rng(7);
  const nextEntity = entityGenerator(regions, () => gen.adults[Math.floor(pick() * gen.adults.length)] ?? null, 20261129, { legacyShare: 0.03 });
  const entityRows: ParsedRow<EntityImportRow>[] = [];
  for (let i = 0; entityRows.length < DEMO_ENTITIES && i < DEMO_ENTITIES * 3; i += 1) {
    const parsed = ENTITY_IMPORT.parseRow(nextEntity(), i + 2, pseudoJob('demo', market));
    if ('value' in parsed) entityRows.push({ row: i + 2, value: parsed.value });
  }
  await inTransaction(ctx, async (tctx) => {
    await PERSON_IMPORT.writeBatch(tctx, personRows, pseudoJob('00000000-0000-7000-8000-000000000001', police));
    await ENTITY_IMPORT.writeBatch(tctx, entityRows, pseudoJob('00000000-0000-7000-8000-000000000002', market));
  });
  // A few events, as the police and the market regulator (system actor named after them).
  const asUnit = (u: { id: string; name: string; regionCode: string } | null, scopes: string[]): Ctx => ({
    ...ctx,
    actor: { kind: 'system', userId: null, name: u?.name ?? '系统', grants: [{ roleCode: 'system', roleName: '系统', unitId: u?.id ?? '', unitName: u?.name ?? '系统', regionCode: '410000', regionPrefix: '41', scopes: new Set(scopes) }] },
  });
  const policeCtx = asUnit(police, [SCOPES.personWrite, SCOPES.personRead]);
  const marketCtx = asUnit(market, [SCOPES.entityWrite, SCOPES.entityRead]);
  const active = entityRows.filter((e) => e.value.status === 'active' && e.value.legalRepIdNumber);
  const rep = active[0]?.value.legalRepIdNumber;
  if (rep) await recordPersonEvent(policeCtx, { type: 'death', idNumber: rep, occurredOn: '2026-03-15', note: '演示: 法定代表人死亡注销' });
  const renamed = personRows.find((p) => p.value.relationToHead === '20');
  if (renamed) await recordPersonEvent(policeCtx, { type: 'name_change', idNumber: renamed.value.idNumber, newName: `${[...renamed.value.name][0]}新名`, note: '演示: 变更姓名' });
  for (const e of active.slice(1, 6)) await fileAnnualReport(marketCtx, { uscc: e.value.uscc, year: 2025, submittedOn: '2026-05-20', employees: 12, revenue: 356.5, totalAssets: 820 });
  if (active[6]) await listAbnormal(marketCtx, { uscc: active[6].value.uscc, reason: '未按规定期限公示年度报告', listedOn: '2026-07-01' });
  await runQualityChecks(ctx);
}
