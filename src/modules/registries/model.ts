/**
 * Names and shapes of the base registries module (基础信息库): scopes, roles, demo staff, events,
 * the views returned to callers.
 */
import type { DemoStaffDefinition, RoleDefinition } from '../../platform/module.ts';
import type { EntityStatus, PersonStatus, Sex } from './codes.ts';

export const SCOPES = {
  personRead: 'registries.person.read',
  personReadFull: 'registries.person.read_full',
  personWrite: 'registries.person.write',
  personImport: 'registries.person.import',
  entityRead: 'registries.entity.read',
  entityReadFull: 'registries.entity.read_full',
  entityWrite: 'registries.entity.write',
  entityImport: 'registries.entity.import',
  qualityManage: 'registries.quality.manage',
  accessLogRead: 'registries.access_log.read',
} as const;

export const SCOPE_DESCRIPTIONS: Record<(typeof SCOPES)[keyof typeof SCOPES], string> = {
  'registries.person.read': '查询本辖区人口基础信息 (个人信息脱敏显示)',
  'registries.person.read_full': '查看人口完整信息 (须说明用途, 每次查看记入访问记录和审计日志)',
  'registries.person.write': '户籍登记: 出生、死亡、迁入、迁出、更名、分户、合户, 更正人口信息',
  'registries.person.import': '批量导入人口基础信息',
  'registries.entity.read': '查询本辖区法人单位基础信息 (法定代表人身份号码脱敏)',
  'registries.entity.read_full': '查看法人单位完整信息含法定代表人身份号码 (须说明用途)',
  'registries.entity.write': '市场主体登记: 设立、变更、注销、吊销、迁出, 年报和经营异常名录, 更正',
  'registries.entity.import': '批量导入法人单位基础信息',
  'registries.quality.manage': '查看和处理本部门负责的数据质量问题, 运行质量检查',
  'registries.access_log.read': '查看人口和法人记录的访问记录 (谁在何时为何用途查询)',
};

export const EVENTS = {
  personBorn: 'registries.person.born',
  personDied: 'registries.person.died',
  personMovedIn: 'registries.person.moved_in',
  personMovedOut: 'registries.person.moved_out',
  personRenamed: 'registries.person.renamed',
  householdSplit: 'registries.person.household_split',
  householdMerged: 'registries.person.household_merged',
  personCorrected: 'registries.person.corrected',
  personsImported: 'registries.person.batch_imported',
  entityRegistered: 'registries.entity.registered',
  entityChanged: 'registries.entity.changed',
  entityDeregistered: 'registries.entity.deregistered',
  /** 注销 requested: waits for the tax authorities' clearance (清税) before it completes. */
  entityDeregistrationRequested: 'registries.entity.deregistration_requested',
  taxClearanceRecorded: 'registries.entity.tax_clearance_recorded',
  taxRegistrationRecorded: 'registries.entity.tax_registration_recorded',
  clearanceAuthoritySet: 'registries.clearance_authority.set',
  entitiesImported: 'registries.entity.batch_imported',
  annualReport: 'registries.entity.annual_report',
  abnormalListed: 'registries.entity.abnormal_listed',
  abnormalRemoved: 'registries.entity.abnormal_removed',
} as const;

export const PERSON_EVENT_TYPES = ['birth', 'death', 'move_in', 'move_out', 'name_change', 'household_split', 'household_merge'] as const;
export type PersonEventType = (typeof PERSON_EVENT_TYPES)[number];
export const PERSON_EVENT_LABELS: Record<PersonEventType | 'correction' | 'import', string> = {
  birth: '出生登记',
  death: '死亡注销',
  move_in: '迁入',
  move_out: '迁出',
  name_change: '变更姓名',
  household_split: '分户',
  household_merge: '合户',
  correction: '更正',
  import: '批量导入',
};
export const PERSON_EVENT_TOPIC: Record<PersonEventType, string> = {
  birth: EVENTS.personBorn,
  death: EVENTS.personDied,
  move_in: EVENTS.personMovedIn,
  move_out: EVENTS.personMovedOut,
  name_change: EVENTS.personRenamed,
  household_split: EVENTS.householdSplit,
  household_merge: EVENTS.householdMerged,
};

export const ENTITY_CHANGE_LABELS: Record<string, string> = {
  registered: '设立登记',
  changed: '变更登记',
  deregistered: '注销登记',
  deregistration_requested: '申请注销 (等待清税)',
  revoked: '吊销',
  moved_out: '迁出',
  correction: '更正',
  import: '批量导入',
};

/** Where a read came from (access log channel). */
export type AccessChannel = 'api' | 'batch' | 'page' | 'search';

export interface FieldSource {
  unitId: string | null;
  name: string;
  at: string;
}

export interface PersonView {
  idNumber: string;
  /** True when personal fields are masked (no full-view scope, or no purpose given). */
  masked: boolean;
  name: string;
  formerNames: string[];
  sex: Sex;
  sexLabel: string;
  ethnicity: string;
  ethnicityLabel: string;
  birthDate: string;
  regionCode: string;
  address: string;
  householdId: string | null;
  relationToHead: string | null;
  relationLabel: string;
  education: string | null;
  educationLabel: string;
  maritalStatus: string | null;
  maritalLabel: string;
  status: PersonStatus;
  statusLabel: string;
  statusDate: string | null;
  movedTo: string | null;
  source: FieldSource;
  /** Source and time of every field (fields changed later by their own source). */
  fieldSources: Record<string, FieldSource>;
  version: number;
  isDemo: boolean;
  updatedAt: string;
}

export interface EntityView {
  uscc: string;
  usccValid: boolean;
  usccProblem: string | null;
  masked: boolean;
  name: string;
  entityType: string;
  entityTypeLabel: string;
  legalRepName: string;
  legalRepIdNumber: string | null;
  registeredCapital: number | null;
  currency: string;
  establishedOn: string;
  businessScope: string;
  industryCode: string;
  industryLabel: string;
  industrySection: string;
  regionCode: string;
  address: string;
  authorityName: string;
  status: EntityStatus;
  statusLabel: string;
  statusDate: string | null;
  statusReason: string | null;
  source: FieldSource;
  fieldSources: Record<string, FieldSource>;
  version: number;
  isDemo: boolean;
  updatedAt: string;
}

export const REGISTRY_ROLES: RoleDefinition[] = [
  {
    code: 'population_clerk',
    name: '公安户籍员',
    description: '户籍登记 (出生、死亡、迁移、更名、分户合户), 更正和导入人口信息, 处理本部门的人口数据质量问题',
    requiresMfa: true,
    scopes: [SCOPES.personRead, SCOPES.personReadFull, SCOPES.personWrite, SCOPES.personImport, SCOPES.qualityManage, SCOPES.accessLogRead],
  },
  {
    code: 'market_registrar',
    name: '市场监管登记员',
    description: '市场主体设立、变更、注销登记, 年报和经营异常名录, 导入法人信息, 处理本部门的法人数据质量问题',
    requiresMfa: true,
    scopes: [SCOPES.entityRead, SCOPES.entityReadFull, SCOPES.entityWrite, SCOPES.entityImport, SCOPES.personRead, SCOPES.qualityManage, SCOPES.accessLogRead],
  },
  {
    code: 'registry_reader',
    name: '基础信息库查询员',
    description: '查询人口和法人基础信息 (个人信息脱敏)',
    requiresMfa: false,
    scopes: [SCOPES.personRead, SCOPES.entityRead],
  },
];

export const REGISTRY_DEMO_STAFF: DemoStaffDefinition[] = [
  { login: 'hnhuji', name: '省公安厅户籍员 (演示)', role: 'population_clerk', unit: { regionCode: '410000', unitType: 'department', name: '河南省公安厅' }, totp: true },
  { login: 'hndengji', name: '省市场监管局登记员 (演示)', role: 'market_registrar', unit: { regionCode: '410000', unitType: 'department', name: '河南省市场监督管理局' }, totp: true },
  { login: 'zzchaxun', name: '郑州市基础信息查询员 (演示)', role: 'registry_reader', unit: { regionCode: '410100', unitType: 'government' }, totp: false },
];

/** Longest purpose text accepted; a purpose must say something (at least 4 characters). */
export const PURPOSE_MIN = 4;
export const PURPOSE_MAX = 200;
