/**
 * A few regions and government units for tests that need units but not the demo data. Regions are
 * inserted only when missing (the directory module may already have loaded them as reference data).
 */
import { newId } from '../../src/platform/ids.ts';
import { sql } from '../../src/platform/db/index.ts';
import type { TestPlatform } from './platform.ts';

const REGIONS: { code: string; name: string; level: 'province' | 'prefecture' | 'county'; parent: string | null; prefix: string; kind: string }[] = [
  { code: '410000', name: '河南省', level: 'province', parent: null, prefix: '41', kind: '省' },
  { code: '410100', name: '郑州市', level: 'prefecture', parent: '410000', prefix: '4101', kind: '地级市' },
  { code: '410102', name: '中原区', level: 'county', parent: '410100', prefix: '410102', kind: '市辖区' },
  { code: '410103', name: '二七区', level: 'county', parent: '410100', prefix: '410103', kind: '市辖区' },
  { code: '410300', name: '洛阳市', level: 'prefecture', parent: '410000', prefix: '4103', kind: '地级市' },
  { code: '410302', name: '老城区', level: 'county', parent: '410300', prefix: '410302', kind: '市辖区' },
];

export interface TestUnits {
  /** 河南省人民政府 (410000) */
  province: string;
  /** 郑州市人民政府 (410100) */
  zhengzhou: string;
  /** 中原区人民政府 (410102) */
  zhongyuan: string;
  /** 二七区人民政府 (410103) */
  erqi: string;
  /** 洛阳市人民政府 (410300) */
  luoyang: string;
  /** 老城区人民政府 (410302) */
  laocheng: string;
  /** 郑州市一个已停用的部门 (410100) */
  inactive: string;
}

export async function ensureTestUnits(tp: TestPlatform): Promise<TestUnits> {
  const db = tp.database.db;
  for (const r of REGIONS) {
    await db.execute(sql`INSERT INTO directory.regions (code, name, level, parent_code, subtree_prefix, kind, source, active)
      VALUES (${r.code}, ${r.name}, ${r.level}, ${r.parent}, ${r.prefix}, ${r.kind}, 'test-fixture', true) ON CONFLICT (code) DO NOTHING`);
  }
  const now = new Date().toISOString();
  const unit = async (regionCode: string, name: string, status: 'active' | 'inactive' = 'active', unitType = 'government'): Promise<string> => {
    const id = newId();
    await db.execute(sql`INSERT INTO directory.units (id, name, unit_type, region_code, status, is_demo, created_at, updated_at, search_text)
      VALUES (${id}, ${name}, ${unitType}, ${regionCode}, ${status}, false, ${now}, ${now}, ${name.toLowerCase()})`);
    return id;
  };
  return {
    province: await unit('410000', '河南省人民政府 (测试)'),
    zhengzhou: await unit('410100', '郑州市人民政府 (测试)'),
    zhongyuan: await unit('410102', '中原区人民政府 (测试)'),
    erqi: await unit('410103', '二七区人民政府 (测试)'),
    luoyang: await unit('410300', '洛阳市人民政府 (测试)'),
    laocheng: await unit('410302', '老城区人民政府 (测试)'),
    inactive: await unit('410100', '郑州市已撤销局 (测试)', 'inactive', 'department'),
  };
}
