/**
 * Names, labels and shapes of the pollution-source monitoring module (污染源在线监控): scopes, roles,
 * pollutant codes (HJ 212-2017 Annex B), data flags, reading kinds, alarm kinds and states.
 */
import type { DemoStaffDefinition, RoleDefinition } from '../../platform/module.ts';

export const SCOPES = {
  read: 'environment.read',
  registryWrite: 'environment.registry.write',
  alarmHandle: 'environment.alarm.handle',
} as const;

export const SCOPE_DESCRIPTIONS: Record<(typeof SCOPES)[keyof typeof SCOPES], string> = {
  'environment.read': '查看污染源在线监控: 监控点状态、监测数据、报警、排放量与环保税计税依据、月报 (本辖区)',
  'environment.registry.write': '登记和维护排污企业、排放口、监控点 (含访问密码) 和执行限值 (本辖区)',
  'environment.alarm.handle': '确认、解除报警, 发起并办理核查整改案件 (本辖区)',
};

export const ENV_ROLES: RoleDefinition[] = [
  {
    code: 'env_monitor',
    name: '环境监控人员',
    description: '市、省生态环境部门的在线监控值守人员: 查看监控数据和报表, 处理报警, 办理核查整改',
    requiresMfa: false,
    scopes: [SCOPES.read, SCOPES.alarmHandle],
  },
  {
    code: 'env_admin',
    name: '污染源监控管理员',
    description: '维护排污企业、排放口、监控点 (MN 和访问密码) 与执行限值, 并具有监控人员的全部权限',
    requiresMfa: true,
    scopes: [SCOPES.read, SCOPES.registryWrite, SCOPES.alarmHandle],
  },
  {
    code: 'env_viewer',
    name: '环境监控查询人员',
    description: '只读查看监控数据、报警和报表',
    requiresMfa: false,
    scopes: [SCOPES.read],
  },
];

export const ENV_DEMO_STAFF: DemoStaffDefinition[] = [
  { login: 'hnhbadmin', name: '省生态环境厅监控管理员 (演示)', role: 'env_admin', unit: { regionCode: '410000', unitType: 'department', name: '河南省生态环境厅' }, totp: true },
  { login: 'hnhbjk', name: '省生态环境厅监控值守 (演示)', role: 'env_monitor', unit: { regionCode: '410000', unitType: 'department', name: '河南省生态环境厅' }, totp: false },
  { login: 'zzhbjk', name: '郑州市生态环境局监控值守 (演示)', role: 'env_monitor', unit: { regionCode: '410100', unitType: 'department', name: '郑州市生态环境局' }, totp: false },
  { login: 'lyhbjk', name: '洛阳市生态环境局监控值守 (演示)', role: 'env_monitor', unit: { regionCode: '410300', unitType: 'department', name: '洛阳市生态环境局' }, totp: false },
];

export const MEDIA = ['air', 'water'] as const;
export type Medium = (typeof MEDIA)[number];
export const MEDIUM_LABELS: Record<Medium, string> = { air: '废气', water: '废水' };

export const INDUSTRIES = ['thermal_power', 'sewage_plant', 'other'] as const;
export type Industry = (typeof INDUSTRIES)[number];
export const INDUSTRY_LABELS: Record<Industry, string> = { thermal_power: '火电厂', sewage_plant: '污水处理厂', other: '其他' };

/** Reading kinds and the HJ 212 command that carries each. */
export const READING_KINDS = ['rtd', 'min', 'hour', 'day'] as const;
export type ReadingKind = (typeof READING_KINDS)[number];
export const KIND_BY_CN: Record<string, ReadingKind> = { '2011': 'rtd', '2051': 'min', '2061': 'hour', '2031': 'day' };
export const KIND_LABELS: Record<ReadingKind, string> = { rtd: '实时数据', min: '分钟数据', hour: '小时数据', day: '日数据' };

/** Data flags (HJ 212-2017 Table 8 / 数据标记). */
export const FLAG_LABELS: Record<string, string> = {
  N: '正常',
  F: '停运',
  M: '维护',
  S: '手工输入',
  D: '故障',
  C: '校准',
  T: '超测定上限',
  B: '通讯异常',
};

export interface PollutantInfo {
  code: string;
  name: string;
  unit: string;
  medium: Medium;
  /** A measured parameter (flow, O₂, temperature …), not a pollutant: no limits, no emissions. */
  parameter?: boolean;
}

/** The codes this module knows by name (HJ 212-2017 Annex B). Others are kept and shown by code. */
export const POLLUTANTS: Record<string, PollutantInfo> = {
  a00000: { code: 'a00000', name: '废气流量', unit: 'm³/s', medium: 'air', parameter: true },
  a21026: { code: 'a21026', name: '二氧化硫', unit: 'mg/m³', medium: 'air' },
  a21002: { code: 'a21002', name: '氮氧化物', unit: 'mg/m³', medium: 'air' },
  a34013: { code: 'a34013', name: '烟尘', unit: 'mg/m³', medium: 'air' },
  a19001: { code: 'a19001', name: '氧含量', unit: '%', medium: 'air', parameter: true },
  a01011: { code: 'a01011', name: '烟气流速', unit: 'm/s', medium: 'air', parameter: true },
  a01012: { code: 'a01012', name: '烟气温度', unit: '℃', medium: 'air', parameter: true },
  a01013: { code: 'a01013', name: '烟气压力', unit: 'kPa', medium: 'air', parameter: true },
  a01014: { code: 'a01014', name: '烟气湿度', unit: '%', medium: 'air', parameter: true },
  a21005: { code: 'a21005', name: '一氧化碳', unit: 'mg/m³', medium: 'air' },
  a20057: { code: 'a20057', name: '汞及其化合物', unit: 'mg/m³', medium: 'air' },
  w00000: { code: 'w00000', name: '废水流量', unit: 'L/s', medium: 'water', parameter: true },
  w01018: { code: 'w01018', name: '化学需氧量', unit: 'mg/L', medium: 'water' },
  w21003: { code: 'w21003', name: '氨氮', unit: 'mg/L', medium: 'water' },
  w21011: { code: 'w21011', name: '总磷', unit: 'mg/L', medium: 'water' },
  w21001: { code: 'w21001', name: '总氮', unit: 'mg/L', medium: 'water' },
  w01001: { code: 'w01001', name: 'pH 值', unit: '无量纲', medium: 'water' },
  w01012: { code: 'w01012', name: '悬浮物', unit: 'mg/L', medium: 'water' },
  w01017: { code: 'w01017', name: '五日生化需氧量', unit: 'mg/L', medium: 'water' },
  w01020: { code: 'w01020', name: '总有机碳', unit: 'mg/L', medium: 'water' },
};

export const pollutantName = (code: string): string => POLLUTANTS[code]?.name ?? code;
export const pollutantUnit = (code: string): string => POLLUTANTS[code]?.unit ?? '';

/** Flow codes: the flue-gas flow (m³/s) and the wastewater flow (L/s). */
export const AIR_FLOW = 'a00000';
export const WATER_FLOW = 'w00000';
export const O2 = 'a19001';

export const ALARM_KINDS = ['exceedance', 'missing', 'constant', 'out_of_range', 'fault'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];
export const ALARM_KIND_LABELS: Record<AlarmKind, string> = {
  exceedance: '超标',
  missing: '数据缺失',
  constant: '恒值',
  out_of_range: '超量程',
  fault: '故障标记',
};
export const ALARM_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlarmStatus = (typeof ALARM_STATUSES)[number];
export const ALARM_STATUS_LABELS: Record<AlarmStatus, string> = { open: '待处理', acknowledged: '已确认', resolved: '已解除' };

/** Missing-data alarm after this many real-time intervals without any upload (our choice; see CONTEXT.md). */
export const MISSING_INTERVALS = 10;
/** Constant-value alarm: this many consecutive identical non-zero real-time values (our choice). */
export const CONSTANT_RUN = 30;

export const EVENTS = {
  alarmOpened: 'environment.alarm.opened',
  alarmAcknowledged: 'environment.alarm.acknowledged',
  alarmResolved: 'environment.alarm.resolved',
  enterpriseRegistered: 'environment.enterprise.registered',
  pointRegistered: 'environment.point.registered',
} as const;

export const ALARM_FLOW = 'environment.alarm_followup';
export const SUBJECT_MODULE = 'environment';

/** Platform secret keying the HMAC-SM3 of logger passwords. */
export const PW_SECRET = 'environment_pw_hmac';

export const iso = (v: string | Date): string => (v instanceof Date ? v : new Date(v)).toISOString();
export const isoOrNull = (v: string | Date | null): string | null => (v === null ? null : iso(v));

/** Beijing time (UTC+8, no daylight saving) helpers: HJ 212 times and our days and months are local. */
export const BEIJING_OFFSET_MS = 8 * 3600_000;

/** `yyyyMMddHHmmss` or `yyyyMMddHHmmssSSS` in Beijing time → Date; null when not a real time. */
export function parseDataTime(s: string | null | undefined): Date | null {
  if (!s || !/^\d{14}(\d{3})?$/.test(s)) return null;
  const y = Number(s.slice(0, 4));
  const mo = Number(s.slice(4, 6));
  const d = Number(s.slice(6, 8));
  const h = Number(s.slice(8, 10));
  const mi = Number(s.slice(10, 12));
  const se = Number(s.slice(12, 14));
  const ms = s.length === 17 ? Number(s.slice(14, 17)) : 0;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) return null;
  const t = Date.UTC(y, mo - 1, d, h, mi, se, ms) - BEIJING_OFFSET_MS;
  const check = new Date(t + BEIJING_OFFSET_MS);
  if (check.getUTCDate() !== d) return null;
  return new Date(t);
}

/** The Beijing calendar day (YYYY-MM-DD) of an instant. */
export function beijingDay(t: Date | number): string {
  return new Date((typeof t === 'number' ? t : t.getTime()) + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant a Beijing calendar day (YYYY-MM-DD) starts. */
export function dayStart(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00+08:00`));
}

/** Start of the hour containing t (Beijing offset is a whole number of hours). */
export function hourStart(t: Date | number): number {
  const ms = typeof t === 'number' ? t : t.getTime();
  return ms - (((ms % 3600_000) + 3600_000) % 3600_000);
}

/** Beijing YYYY-MM of a day string or instant. */
export const monthOf = (day: string): string => day.slice(0, 7);

/** `YYYY-MM-DD HH:mm` in Beijing time. */
export const beijingTime = (t: Date | number): string => new Date((typeof t === 'number' ? t : t.getTime()) + BEIJING_OFFSET_MS).toISOString().replace('T', ' ').slice(0, 16);
