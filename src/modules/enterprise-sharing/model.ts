/**
 * Names and shapes of enterprise information sharing (企业基础信息共享): the tax bureaus' receiving
 * side of market regulation's registration topic, and the tax clearance (清税) answers back.
 */
import type { RoleDefinition } from '../../platform/module.ts';
import { RESOURCE_CODES } from '../exchange/index.ts';

export const SCOPES = {
  intakeRead: 'tax.intake.read',
  intakeHandle: 'tax.intake.handle',
  clearanceAnswer: 'tax.clearance.answer',
} as const;
export type TaxScope = (typeof SCOPES)[keyof typeof SCOPES];

export const SCOPE_DESCRIPTIONS: Record<TaxScope, string> = {
  'tax.intake.read': '查看本税务局接收的企业登记信息、清税待办和推送时延',
  'tax.intake.handle': '确认接收新设立或变更的企业, 分配主管税务机关, 填写生产经营地、财务负责人和核算方式',
  'tax.clearance.answer': '答复市场监管转来的注销申请: 已清税, 或列出未清事项',
};

export const EVENTS = {
  bureauConnected: 'tax.bureau.connected',
  enterpriseReceived: 'tax.enterprise.received',
  enterpriseAccepted: 'tax.enterprise.accepted',
  clearanceAnswered: 'tax.clearance.answered',
} as const;

/** Event types the tax side publishes on the tax clearance topic (RESOURCE_CODES.taxClearanceTopic). */
export const TOPIC_TYPES = {
  /** 清税信息: cleared, or not cleared with the outstanding items. */
  clearance: 'clearance',
  /** 税务登记信息: 主管税务机关, 生产经营地, 财务负责人, 核算方式. */
  taxRegistration: 'tax_registration',
} as const;

/** What an enterprise event is (payload.type of the registration topic). */
export const RECEIVED_TYPE_LABELS: Record<string, string> = {
  registered: '设立登记',
  changed: '变更登记',
  correction: '更正',
  deregistration_requested: '申请注销',
  deregistered: '注销',
  revoked: '吊销',
  moved_out: '迁出',
};

export type IntakeStatus = 'new' | 'changed' | 'accepted';
export const INTAKE_STATUS_LABELS: Record<IntakeStatus, string> = { new: '新设立待接收', changed: '有变更待确认', accepted: '已接收' };

export type ClearanceStatus = 'pending' | 'answered' | 'closed';
export const CLEARANCE_STATUS_LABELS: Record<ClearanceStatus, string> = { pending: '待答复', answered: '已答复', closed: '已办结' };

export const ACCOUNTING_METHODS = ['独立核算', '非独立核算'] as const;
export type AccountingMethod = (typeof ACCOUNTING_METHODS)[number];

export const REGISTRY_STATUS_LABELS: Record<string, string> = { active: '存续(在业)', cancelled: '注销', revoked: '吊销', moved_out: '迁出' };

export const TAX_ROLES: RoleDefinition[] = [
  {
    code: 'tax_registration_clerk',
    name: '税务登记受理员',
    description: '接收市场监管推送的企业登记信息, 确认接收并分配主管税务机关, 答复注销前的清税',
    requiresMfa: false,
    scopes: [SCOPES.intakeRead, SCOPES.intakeHandle, SCOPES.clearanceAnswer],
  },
];

/**
 * The demo's tax bureaus (national and local): each is a directory unit, an exchange member with a
 * receiving subsystem, and a clearance authority of the registries for its region. Member codes are
 * demo codes (HA + region + abbreviation), like the exchange demo's.
 */
export interface BureauSpec {
  code: string;
  name: string;
  regionCode: string;
  regionPrefix: string;
  memberCode: string;
  subsystem: { code: string; name: string; description: string };
  clerk: { login: string; name: string };
}

export const DEMO_BUREAUS: BureauSpec[] = [
  {
    code: 'HNTAX',
    name: '国家税务总局河南省税务局',
    regionCode: '410000',
    regionPrefix: '41',
    memberCode: 'HA410000SWJ',
    subsystem: { code: 'tax-intake', name: '税务登记信息接收系统', description: '接收市场主体登记信息, 反馈清税和税务登记信息 (演示)' },
    clerk: { login: 'hnshuiwu', name: '省税务局登记受理员 (演示)' },
  },
  {
    code: 'ZZTAX',
    name: '国家税务总局郑州市税务局',
    regionCode: '410100',
    regionPrefix: '4101',
    memberCode: 'HA410100SWJ',
    subsystem: { code: 'tax-intake', name: '税务登记信息接收系统', description: '接收郑州市市场主体登记信息, 反馈清税和税务登记信息 (演示)' },
    clerk: { login: 'zzshuiwu', name: '郑州市税务局登记受理员 (演示)' },
  },
];

/** Catalog codes of the two topics, as the exchange names them. */
export const TOPIC_CODES = {
  enterpriseRegistration: RESOURCE_CODES.enterpriseRegistrationTopic,
  taxClearance: RESOURCE_CODES.taxClearanceTopic,
} as const;

/** Where the exchange delivers: paths of this module's webhook receivers. */
export const WEBHOOK_PATHS = {
  taxRegistrations: (bureauCode: string) => `/api/enterprise-sharing/webhooks/tax/${bureauCode}/registrations`,
  marketClearances: '/api/enterprise-sharing/webhooks/market/tax-clearances',
} as const;
