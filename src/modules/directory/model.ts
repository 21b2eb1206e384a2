/**
 * The directory's vocabulary: enumerations with their Chinese labels, scopes, event types.
 * Pure data, shared by services, routes, pages and the CSV format.
 */

export const SCOPES = {
  unitRead: 'directory.unit.read',
  unitWrite: 'directory.unit.write',
  networkRead: 'directory.network.read',
  networkWrite: 'directory.network.write',
} as const;

export const EVENTS = {
  unitCreated: 'directory.unit.created',
  unitUpdated: 'directory.unit.updated',
  unitDeactivated: 'directory.unit.deactivated',
  unitReactivated: 'directory.unit.reactivated',
  linkCreated: 'directory.network_link.created',
  linkUpdated: 'directory.network_link.updated',
} as const;

export const UNIT_TYPES = ['party_committee', 'government', 'department', 'congress', 'cppcc', 'court', 'procuratorate', 'institution', 'other'] as const;
export type UnitType = (typeof UNIT_TYPES)[number];
export const UNIT_TYPE_LABELS: Record<UnitType, string> = {
  party_committee: '党委',
  government: '人民政府',
  department: '政府部门',
  congress: '人大',
  cppcc: '政协',
  court: '法院',
  procuratorate: '检察院',
  institution: '事业单位',
  other: '其他',
};

export const UNIT_STATUSES = ['active', 'inactive'] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];
export const UNIT_STATUS_LABELS: Record<UnitStatus, string> = { active: '正常', inactive: '已停用' };

export const NETWORKS = ['party_intranet', 'gov_intranet', 'gov_extranet'] as const;
export type Network = (typeof NETWORKS)[number];
export const NETWORK_LABELS: Record<Network, string> = {
  party_intranet: '党委内网',
  gov_intranet: '政务内网',
  gov_extranet: '政务外网',
};

export const DIRECTIONS = ['vertical', 'horizontal'] as const;
export type Direction = (typeof DIRECTIONS)[number];
export const DIRECTION_LABELS: Record<Direction, string> = { vertical: '纵向 (上下级)', horizontal: '横向 (同级)' };

export const LINK_STATUSES = ['active', 'suspended', 'disconnected'] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];
export const LINK_STATUS_LABELS: Record<LinkStatus, string> = { active: '在用', suspended: '暂停', disconnected: '已断开' };

export const REGION_LEVELS = ['province', 'prefecture', 'county'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];
export const REGION_LEVEL_LABELS: Record<RegionLevel, string> = { province: '省级', prefecture: '地级', county: '县级' };

/** Region kind of the statistics-only zones (开发区, 示范区…): kept, but not counted as county-level units. */
export const FUNCTIONAL_ZONE_KIND = '功能区';
/** Kind of Jiyuan: a prefecture-level unit by administration, a county-level city by statute. */
export const PROVINCE_DIRECT_CITY_KIND = '省直辖县级市';

/** Options for <select> from a label map, in declaration order. */
export function optionsOf<K extends string>(keys: readonly K[], labels: Record<K, string>): { value: K; label: string }[] {
  return keys.map((k) => ({ value: k, label: labels[k] }));
}

/** The code for a value given either as code or as its Chinese label (CSV cells); undefined if neither. */
export function codeFromLabel<K extends string>(keys: readonly K[], labels: Record<K, string>, value: string): K | undefined {
  const v = value.trim();
  return keys.find((k) => k === v || labels[k] === v);
}

export const isUuid = (v: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);
