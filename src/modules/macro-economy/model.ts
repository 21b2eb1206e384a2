/**
 * Names, labels and shapes of the macro-economy module (宏观经济数据库): scopes, roles, frequencies,
 * periods, events.
 */
import type { DemoStaffDefinition, RoleDefinition } from '../../platform/module.ts';

export const SCOPES = {
  read: 'macro.read',
  indicatorManage: 'macro.indicator.manage',
  valueWrite: 'macro.value.write',
} as const;

export const SCOPE_DESCRIPTIONS: Record<(typeof SCOPES)[keyof typeof SCOPES], string> = {
  'macro.read': '查看宏观经济指标目录和本辖区的指标数据、修订记录和图表',
  'macro.indicator.manage': '登记和修改宏观经济指标 (代码、名称、单位、频度、来源部门、指标解释)',
  'macro.value.write': '录入、修订和批量导入本辖区的宏观经济指标数据',
};

export const FREQUENCIES = ['year', 'quarter', 'month'] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export const FREQUENCY_LABELS: Record<Frequency, string> = { year: '年度', quarter: '季度', month: '月度' };

/** Period text by frequency: 2024 / 2024Q1 / 2024-03. */
export const PERIOD_PATTERNS: Record<Frequency, RegExp> = { year: /^\d{4}$/, quarter: /^\d{4}Q[1-4]$/, month: /^\d{4}-(0[1-9]|1[0-2])$/ };
export const PERIOD_EXAMPLES: Record<Frequency, string> = { year: '2024', quarter: '2024Q1', month: '2024-03' };

export function periodProblem(frequency: Frequency, period: string): string | null {
  if (!PERIOD_PATTERNS[frequency].test(period)) return `时期「${period}」不符合${FREQUENCY_LABELS[frequency]}指标的格式 (如 ${PERIOD_EXAMPLES[frequency]})`;
  const year = Number(period.slice(0, 4));
  if (year < 1949 || year > 2100) return `时期「${period}」的年份应在 1949 至 2100 之间`;
  return null;
}

export const EVENTS = {
  indicatorCreated: 'macro.indicator.created',
  indicatorUpdated: 'macro.indicator.updated',
  valueRecorded: 'macro.value.recorded',
  valuesImported: 'macro.values.imported',
} as const;

export const IMPORT_KIND = 'macro.values';

export const iso = (d: Date | string): string => new Date(d).toISOString();

export const MACRO_ROLES: RoleDefinition[] = [
  { code: 'macro_reader', name: '宏观经济数据查询员', description: '查看指标目录、数据和图表', requiresMfa: false, scopes: [SCOPES.read] },
  { code: 'macro_statistician', name: '统计数据员', description: '录入、修订和导入本辖区的指标数据', requiresMfa: false, scopes: [SCOPES.read, SCOPES.valueWrite] },
  { code: 'macro_admin', name: '指标目录管理员', description: '维护指标目录, 录入和修订数据', requiresMfa: false, scopes: [SCOPES.read, SCOPES.indicatorManage, SCOPES.valueWrite] },
];

export const MACRO_DEMO_STAFF: DemoStaffDefinition[] = [
  { login: 'hntongji', name: '省统计局指标管理员 (演示)', role: 'macro_admin', unit: { regionCode: '410000', unitType: 'department', name: '河南省统计局' }, totp: false },
  { login: 'zztongji', name: '郑州市统计数据员 (演示)', role: 'macro_statistician', unit: { regionCode: '410100', unitType: 'government' }, totp: false },
];
