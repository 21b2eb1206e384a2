/**
 * Demo data (演示数据) for `npm start` on an empty database: the Henan provincial leadership bodies
 * and departments, the leadership bodies and a few departments of the 18 prefecture-level units,
 * the party committee and government of every county-level unit, and network links chosen by a
 * fixed rule (no randomness, so every installation shows the same figures). Every row is marked
 * is_demo; no credit codes are invented. Idempotent: rows that exist (same name in the same
 * region, same unit and network) are kept as they are.
 *
 * A bulk load, not ~1,000 calls of createUnit/connectUnit (which cost ~7,000 queries and tens of
 * seconds on PGlite): the rows are planned in memory, inserted with multi-row statements (the
 * table constraints still apply), each new unit and link is published as usual, and the load is
 * audited as one record with its counts. demo.test.ts checks the planned rows against the
 * services' validation rules.
 */
import { sql } from 'drizzle-orm';
import type { Ctx } from '../../../platform/context.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { queryRows } from '../../../platform/db/index.ts';
import { newId } from '../../../platform/ids.ts';
import { networkLinks, units } from '../tables.ts';
import { EVENTS, FUNCTIONAL_ZONE_KIND, type Direction, type Network, type UnitType } from '../model.ts';
import { searchTextOf } from './units.ts';
import { listRegions, type Region } from './regions.ts';
import { getEventRegistry } from './registry.ts';

const PROVINCE = '410000';

/** Henan provincial government departments (组成部门, 直属机构, 部门管理机构), names as in use. */
export const PROVINCIAL_DEPARTMENTS = [
  '河南省人民政府办公厅',
  '河南省发展和改革委员会',
  '河南省教育厅',
  '河南省科学技术厅',
  '河南省工业和信息化厅',
  '河南省民族宗教事务委员会',
  '河南省公安厅',
  '河南省民政厅',
  '河南省司法厅',
  '河南省财政厅',
  '河南省人力资源和社会保障厅',
  '河南省自然资源厅',
  '河南省生态环境厅',
  '河南省住房和城乡建设厅',
  '河南省交通运输厅',
  '河南省水利厅',
  '河南省农业农村厅',
  '河南省商务厅',
  '河南省文化和旅游厅',
  '河南省卫生健康委员会',
  '河南省退役军人事务厅',
  '河南省应急管理厅',
  '河南省审计厅',
  '河南省人民政府外事办公室',
  '河南省人民政府国有资产监督管理委员会',
  '河南省市场监督管理局',
  '河南省广播电视局',
  '河南省体育局',
  '河南省统计局',
  '河南省医疗保障局',
  '河南省人民政府研究室',
  '河南省信访局',
  '河南省机关事务管理局',
  '河南省人民防空办公室',
  '河南省大数据管理局',
  '河南省林业局',
  '河南省粮食和物资储备局',
  '河南省监狱管理局',
  '河南省文物局',
  '河南省药品监督管理局',
  '河南省中医管理局',
  '河南省知识产权局',
] as const;

const CITY_DEPARTMENTS = ['发展和改革委员会', '公安局', '市场监督管理局', '生态环境局', '大数据管理局'] as const;

export interface UnitSpec {
  name: string;
  shortName?: string;
  unitType: UnitType;
  regionCode: string;
  /** Key (region + name) of the parent spec or existing unit. */
  parent?: string;
}

export interface LinkSpec {
  /** Key (region + name) of the unit. */
  unit: string;
  network: Network;
  direction: Direction;
  connectedSince: string;
  bandwidthMbps: number;
  status?: 'active' | 'suspended';
}

const keyOf = (regionCode: string, name: string) => `${regionCode}|${name}`;

/** A fixed date per index, between 2008 and 2019. */
const demoDate = (i: number): string => `${2008 + (i % 12)}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + ((i * 7) % 28)).padStart(2, '0')}`;

/** Pure: the demo units (parents before children) and links for the given regions. */
export function planDemo(prefectures: Region[], counties: Region[]): { units: UnitSpec[]; links: LinkSpec[] } {
  const units: UnitSpec[] = [];
  const links: LinkSpec[] = [];
  const unit = (spec: UnitSpec): string => {
    units.push(spec);
    return keyOf(spec.regionCode, spec.name);
  };
  const link = (l: LinkSpec) => links.push(l);

  const provParty = unit({ name: '中共河南省委员会', shortName: '河南省委', unitType: 'party_committee', regionCode: PROVINCE });
  const provGov = unit({ name: '河南省人民政府', shortName: '河南省政府', unitType: 'government', regionCode: PROVINCE });
  const provCongress = unit({ name: '河南省人民代表大会常务委员会', shortName: '河南省人大常委会', unitType: 'congress', regionCode: PROVINCE });
  unit({ name: '中国人民政治协商会议河南省委员会', shortName: '河南省政协', unitType: 'cppcc', regionCode: PROVINCE });
  const provCourt = unit({ name: '河南省高级人民法院', shortName: '河南高院', unitType: 'court', regionCode: PROVINCE });
  const provProc = unit({ name: '河南省人民检察院', shortName: '河南省检察院', unitType: 'procuratorate', regionCode: PROVINCE });
  link({ unit: provParty, network: 'party_intranet', direction: 'vertical', connectedSince: '2006-06-01', bandwidthMbps: 10000 });
  link({ unit: provGov, network: 'gov_extranet', direction: 'vertical', connectedSince: '2006-06-01', bandwidthMbps: 10000 });
  link({ unit: provGov, network: 'gov_intranet', direction: 'vertical', connectedSince: '2007-03-01', bandwidthMbps: 1000 });
  PROVINCIAL_DEPARTMENTS.forEach((name, i) => {
    const dept = unit({ name, unitType: 'department', regionCode: PROVINCE, parent: provGov });
    // Most departments: every eighth one is not (yet) connected.
    if (i % 8 !== 7) link({ unit: dept, network: 'gov_extranet', direction: 'horizontal', connectedSince: demoDate(i), bandwidthMbps: 200 });
  });

  let countyIndex = 0;
  prefectures.forEach((pref, i) => {
    const city = pref.name;
    const party = unit({ name: `中共${city}委员会`, shortName: `${city}委`, unitType: 'party_committee', regionCode: pref.code, parent: provParty });
    const gov = unit({ name: `${city}人民政府`, shortName: `${city}政府`, unitType: 'government', regionCode: pref.code, parent: provGov });
    unit({ name: `${city}人民代表大会常务委员会`, shortName: `${city}人大常委会`, unitType: 'congress', regionCode: pref.code, parent: provCongress });
    unit({ name: city === '济源市' ? '济源中级人民法院' : `${city}中级人民法院`, unitType: 'court', regionCode: pref.code, parent: provCourt });
    unit({ name: `${city}人民检察院`, unitType: 'procuratorate', regionCode: pref.code, parent: provProc });
    CITY_DEPARTMENTS.forEach((dept, j) => {
      const d = unit({ name: `${city}${dept}`, unitType: 'department', regionCode: pref.code, parent: gov });
      if ((i + j) % 3 !== 0) link({ unit: d, network: 'gov_extranet', direction: 'horizontal', connectedSince: demoDate(i + j), bandwidthMbps: 100 });
    });
    link({ unit: gov, network: 'gov_extranet', direction: 'vertical', connectedSince: demoDate(i), bandwidthMbps: 1000 });
    link({ unit: party, network: 'party_intranet', direction: 'vertical', connectedSince: demoDate(i + 3), bandwidthMbps: 1000 });
    if (i % 2 === 0) link({ unit: gov, network: 'gov_intranet', direction: 'vertical', connectedSince: demoDate(i + 5), bandwidthMbps: 1000 });

    for (const county of counties.filter((c) => c.parentCode === pref.code)) {
      countyIndex += 1;
      if (county.kind === FUNCTIONAL_ZONE_KIND) {
        unit({ name: `${county.name}管理委员会`, shortName: `${county.name}管委会`, unitType: 'other', regionCode: county.code, parent: gov });
        continue;
      }
      // District organs carry the city's name (district names repeat across the country); counties and county-level cities do not.
      const full = county.kind === '市辖区' ? `${city}${county.name}` : county.name;
      const cParty = unit({ name: `中共${full}委员会`, shortName: `${county.name}委`, unitType: 'party_committee', regionCode: county.code, parent: party });
      const cGov = unit({ name: `${full}人民政府`, shortName: `${county.name}政府`, unitType: 'government', regionCode: county.code, parent: gov });
      // Most county governments are on the extranet: every eleventh is not, every 29th is suspended.
      if (countyIndex % 11 !== 0) {
        link({ unit: cGov, network: 'gov_extranet', direction: 'vertical', connectedSince: demoDate(countyIndex), bandwidthMbps: 100, status: countyIndex % 29 === 0 ? 'suspended' : 'active' });
      }
      if (countyIndex % 2 === 0) link({ unit: cParty, network: 'party_intranet', direction: 'vertical', connectedSince: demoDate(countyIndex + 1), bandwidthMbps: 100 });
      if (countyIndex % 4 === 0) link({ unit: cGov, network: 'gov_intranet', direction: 'vertical', connectedSince: demoDate(countyIndex + 2), bandwidthMbps: 100 });
    }
  });
  return { units, links };
}

export interface DemoSummary {
  units: number;
  links: number;
  createdUnits: number;
  createdLinks: number;
}

const CHUNK = 200;

export async function seedDirectoryDemo(ctx: Ctx): Promise<DemoSummary> {
  return inTransaction(ctx, async (tctx) => {
    const prefectures = await listRegions(tctx, { level: 'prefecture' });
    const counties = await listRegions(tctx, { level: 'county' });
    const plan = planDemo(prefectures, counties);

    const existing = await queryRows<{ id: string; region_code: string; name: string }>(tctx.db, sql`SELECT id, region_code, name FROM directory.units`);
    const idOf = new Map(existing.map((u) => [keyOf(u.region_code, u.name), u.id]));
    const now = tctx.clock.now();
    const newUnits: (typeof units.$inferInsert)[] = [];
    for (const spec of plan.units) {
      const key = keyOf(spec.regionCode, spec.name);
      if (idOf.has(key)) continue;
      const id = newId();
      idOf.set(key, id);
      const shortName = spec.shortName ?? null;
      newUnits.push({
        id,
        name: spec.name,
        shortName,
        unitType: spec.unitType,
        parentId: spec.parent ? (idOf.get(spec.parent) ?? null) : null,
        regionCode: spec.regionCode,
        uscc: null,
        status: 'active',
        isDemo: true,
        createdAt: now,
        updatedAt: now,
        searchText: searchTextOf({ name: spec.name, shortName, uscc: null }),
      });
    }
    for (let i = 0; i < newUnits.length; i += CHUNK) await tctx.db.insert(units).values(newUnits.slice(i, i + CHUNK));

    const linked = await queryRows<{ unit_id: string; network: string }>(tctx.db, sql`SELECT unit_id, network FROM directory.network_links`);
    const has = new Set(linked.map((l) => `${l.unit_id}|${l.network}`));
    const newLinks: (typeof networkLinks.$inferInsert)[] = [];
    for (const spec of plan.links) {
      const unitId = idOf.get(spec.unit)!;
      if (has.has(`${unitId}|${spec.network}`)) continue;
      has.add(`${unitId}|${spec.network}`);
      newLinks.push({
        id: newId(),
        unitId,
        network: spec.network,
        direction: spec.direction,
        connectedSince: spec.connectedSince,
        bandwidthMbps: spec.bandwidthMbps,
        status: spec.status ?? 'active',
        note: '演示数据, 不代表真实接入情况',
        isDemo: true,
        createdAt: now,
        updatedAt: now,
      });
    }
    for (let i = 0; i < newLinks.length; i += CHUNK) await tctx.db.insert(networkLinks).values(newLinks.slice(i, i + CHUNK));

    const events = getEventRegistry();
    for (const u of newUnits) {
      await publish(tctx, events, {
        type: EVENTS.unitCreated,
        orderingKey: u.id,
        payload: { unitId: u.id, name: u.name, unitType: u.unitType, regionCode: u.regionCode, parentId: u.parentId ?? null, status: 'active', isDemo: true },
      });
    }
    for (const l of newLinks) {
      await publish(tctx, events, {
        type: EVENTS.linkCreated,
        orderingKey: l.unitId,
        payload: { linkId: l.id, unitId: l.unitId, network: l.network, direction: l.direction, status: l.status, connectedSince: l.connectedSince, isDemo: true },
      });
    }
    if (newUnits.length > 0 || newLinks.length > 0) {
      audit(tctx, {
        action: 'directory.demo.seed',
        targetType: 'directory.unit_set',
        targetId: 'demo',
        targetLabel: '演示数据',
        details: { createdUnits: newUnits.length, createdLinks: newLinks.length },
      });
    }
    return { units: plan.units.length, links: plan.links.length, createdUnits: newUnits.length, createdLinks: newLinks.length };
  });
}
