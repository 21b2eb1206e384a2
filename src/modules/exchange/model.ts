/**
 * Names, labels and shapes of the data sharing and exchange platform (数据共享交换平台): scopes,
 * roles, demo staff, events, X-Road identifiers and the catalog's code lists.
 */
import type { DemoStaffDefinition, RoleDefinition } from '../../platform/module.ts';

/** X-Road instance of this deployment: the province. */
export const INSTANCE = 'CN-HA';

export const SCOPES = {
  catalogRead: 'exchange.catalog.read',
  memberManage: 'exchange.member.manage',
  resourcePublish: 'exchange.resource.publish',
  applicationSubmit: 'exchange.application.submit',
  applicationDecide: 'exchange.application.decide',
  grantManage: 'exchange.grant.manage',
  monitorRead: 'exchange.monitor.read',
  subscriptionManage: 'exchange.subscription.manage',
  deadLetterManage: 'exchange.dead_letter.manage',
  usageRead: 'exchange.usage.read',
} as const;
export type ExchangeScope = (typeof SCOPES)[keyof typeof SCOPES];

export const SCOPE_DESCRIPTIONS: Record<ExchangeScope, string> = {
  'exchange.catalog.read': '查看政务信息资源目录、资源详情和接口说明',
  'exchange.member.manage': '管理交换成员、子系统、接入凭证和子系统分组 (数据主管部门)',
  'exchange.resource.publish': '以本单位子系统的名义登记、修改和撤销共享资源',
  'exchange.application.submit': '以本单位子系统的名义申请使用共享资源, 查看本单位的申请和授权',
  'exchange.application.decide': '答复对本单位资源的共享申请 (同意或说明理由不同意)',
  'exchange.grant.manage': '直接授权、吊销授权和处理超期未答复的共享申请 (数据主管部门)',
  'exchange.monitor.read': '查看交换监控: 消息日志、服务健康、运行看板、投递情况',
  'exchange.subscription.manage': '为本单位子系统订阅事件主题、管理回调地址',
  'exchange.dead_letter.manage': '查看和重新投递死信 (多次投递失败的事件)',
  'exchange.usage.read': '按人员或企业查看其数据被使用的记录 (受理投诉时, 须说明用途)',
};

export const EVENTS = {
  memberCreated: 'exchange.member.created',
  subsystemCreated: 'exchange.subsystem.created',
  credentialIssued: 'exchange.credential.issued',
  credentialRevoked: 'exchange.credential.revoked',
  resourcePublished: 'exchange.resource.published',
  resourceChanged: 'exchange.resource.changed',
  grantCreated: 'exchange.grant.created',
  grantRevoked: 'exchange.grant.revoked',
  subscriptionChanged: 'exchange.subscription.changed',
  deliveryReplayed: 'exchange.delivery.replayed',
  applicationSubmitted: 'exchange.application.submitted',
  applicationDecided: 'exchange.application.decided',
  applicationWithdrawn: 'exchange.application.withdrawn',
} as const;

export const MEMBER_CLASSES = ['GOV', 'COM', 'NGO'] as const;
export type MemberClass = (typeof MEMBER_CLASSES)[number];
export const MEMBER_CLASS_LABELS: Record<MemberClass, string> = { GOV: '政务部门', COM: '企业', NGO: '社会组织' };

export const RESOURCE_KINDS = ['api', 'topic', 'dataset'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];
export const RESOURCE_KIND_LABELS: Record<ResourceKind, string> = { api: '接口服务', topic: '事件主题', dataset: '批量数据集' };

export const SHARE_TYPES = ['unconditional', 'conditional', 'none'] as const;
export type ShareType = (typeof SHARE_TYPES)[number];
export const SHARE_TYPE_LABELS: Record<ShareType, string> = { unconditional: '无条件共享', conditional: '有条件共享', none: '不予共享' };

export const OPEN_TYPES = ['open', 'conditional', 'closed'] as const;
export type OpenType = (typeof OPEN_TYPES)[number];
export const OPEN_TYPE_LABELS: Record<OpenType, string> = { open: '无条件开放', conditional: '有条件开放', closed: '不予开放' };

export const CATALOG_TYPES = ['base', 'thematic', 'department'] as const;
export type CatalogType = (typeof CATALOG_TYPES)[number];
export const CATALOG_TYPE_LABELS: Record<CatalogType, string> = { base: '基础信息资源目录', thematic: '主题信息资源目录', department: '部门信息资源目录' };

export const iso = (d: Date | string): string => new Date(d).toISOString();

export const EXCHANGE_ROLES: RoleDefinition[] = [
  {
    code: 'exchange_admin',
    name: '共享交换平台管理员',
    description: '数据主管部门: 管理成员、子系统、凭证、分组和授权, 处理超期申请, 查看监控和死信',
    requiresMfa: true,
    scopes: [SCOPES.catalogRead, SCOPES.memberManage, SCOPES.grantManage, SCOPES.monitorRead, SCOPES.deadLetterManage, SCOPES.usageRead],
  },
  {
    code: 'exchange_provider',
    name: '共享资源管理员 (提供方)',
    description: '登记本单位的共享资源, 答复共享申请, 查看本单位资源的调用情况',
    requiresMfa: false,
    scopes: [SCOPES.catalogRead, SCOPES.resourcePublish, SCOPES.applicationDecide, SCOPES.monitorRead],
  },
  {
    code: 'exchange_consumer',
    name: '共享资源使用员 (使用方)',
    description: '申请使用共享资源, 订阅事件主题, 查看本单位的申请和授权',
    requiresMfa: false,
    scopes: [SCOPES.catalogRead, SCOPES.applicationSubmit, SCOPES.subscriptionManage],
  },
];

export const EXCHANGE_DEMO_STAFF: DemoStaffDefinition[] = [
  { login: 'hnshuju', name: '省大数据管理局平台管理员 (演示)', role: 'exchange_admin', unit: { regionCode: '410000', unitType: 'department', name: '河南省大数据管理局' }, totp: true },
  { login: 'hnscjgzy', name: '省市场监管局资源管理员 (演示)', role: 'exchange_provider', unit: { regionCode: '410000', unitType: 'department', name: '河南省市场监督管理局' }, totp: false },
  { login: 'hngaziyuan', name: '省公安厅资源管理员 (演示)', role: 'exchange_provider', unit: { regionCode: '410000', unitType: 'department', name: '河南省公安厅' }, totp: false },
  { login: 'hnrsshiyong', name: '省人社厅资源使用员 (演示)', role: 'exchange_consumer', unit: { regionCode: '410000', unitType: 'department', name: '河南省人力资源和社会保障厅' }, totp: false },
];

/**
 * Catalog codes of resources other parts of the platform refer to (the demo seed publishes them).
 * The enterprise registration topic is provided by market regulation; the tax clearance topic by tax.
 */
export const RESOURCE_CODES = {
  population: '101/001/0001',
  legalEntity: '102/001/0001',
  geography: '103/001/0001',
  macroEconomy: '104/001/0001',
  enterpriseRegistrationTopic: '102/002/0001',
  taxClearanceTopic: '201/001/0001',
} as const;
