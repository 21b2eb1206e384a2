/**
 * Names, labels and shapes of the government website group (政府网站集约化平台): scopes, roles,
 * column types, the site identifier code (网站标识码), the statutory vocabularies of disclosure on
 * request (答复类型与细项), message channels and their reply deadlines, rows as stored.
 */
import type { DemoStaffDefinition, RoleDefinition } from '../../platform/module.ts';

export const SCOPES = {
  siteManage: 'portal.site.manage',
  articleEdit: 'portal.article.edit',
  articleReview: 'portal.article.review',
  disclosureHandle: 'portal.disclosure.handle',
  disclosureApprove: 'portal.disclosure.approve',
  reportManage: 'portal.report.manage',
  messageReply: 'portal.message.reply',
  interactionManage: 'portal.interaction.manage',
  healthRead: 'portal.health.read',
} as const;
export type PortalScope = (typeof SCOPES)[keyof typeof SCOPES];

export const SCOPE_DESCRIPTIONS: Record<PortalScope, string> = {
  'portal.site.manage': '管理政府网站 (站点设置、页脚要素、栏目)',
  'portal.article.edit': '编辑网站信息 (起草、修改、送审、附件、引用资源库)',
  'portal.article.review': '审核发布网站信息 (审核通过即发布、撤稿、标注政策效力、转载)',
  'portal.disclosure.handle': '办理依申请公开 (补正告知、征求意见、答复)',
  'portal.disclosure.approve': '批准延长依申请公开答复期限 (机关负责人)',
  'portal.report.manage': '编制政府信息公开工作年度报告 (填报无数据来源的数字)',
  'portal.message.reply': '答复网站留言 (领导信箱、咨询、投诉、找错)',
  'portal.interaction.manage': '管理意见征集、网上调查, 审核公众意见',
  'portal.health.read': '查看网站健康检查 (单项否决指标)',
};

export const PORTAL_ROLES: RoleDefinition[] = [
  { code: 'portal_editor', name: '网站编辑', description: '起草和修改本网站信息, 送审', requiresMfa: false, scopes: [SCOPES.articleEdit, SCOPES.healthRead] },
  { code: 'portal_reviewer', name: '网站审核员', description: '审核发布网站信息, 撤稿, 标注政策效力, 转载', requiresMfa: false, scopes: [SCOPES.articleEdit, SCOPES.articleReview, SCOPES.healthRead] },
  {
    code: 'disclosure_officer',
    name: '政务公开专员',
    description: '办理依申请公开和网站留言, 编制政府信息公开年度报告',
    requiresMfa: false,
    scopes: [SCOPES.disclosureHandle, SCOPES.reportManage, SCOPES.messageReply, SCOPES.healthRead],
  },
  { code: 'disclosure_leader', name: '机关负责人 (政务公开)', description: '批准延长依申请公开答复期限', requiresMfa: true, scopes: [SCOPES.disclosureApprove, SCOPES.disclosureHandle] },
  {
    code: 'portal_admin',
    name: '网站管理员',
    description: '管理站点设置、页脚要素和栏目, 管理意见征集和调查, 查看健康检查',
    requiresMfa: true,
    scopes: [SCOPES.siteManage, SCOPES.interactionManage, SCOPES.healthRead, SCOPES.articleReview, SCOPES.articleEdit],
  },
];

const PROV = { regionCode: '410000', unitType: 'government' };
const ZZ = { regionCode: '410100', unitType: 'government' };
export const PORTAL_DEMO_STAFF: DemoStaffDefinition[] = [
  { login: 'hnbianji', name: '省政府网站编辑 (演示)', role: 'portal_editor', unit: PROV, totp: false },
  { login: 'hnshenhe', name: '省政府网站审核员 (演示)', role: 'portal_reviewer', unit: PROV, totp: false },
  { login: 'hngongkai', name: '省政府政务公开专员 (演示)', role: 'disclosure_officer', unit: PROV, totp: false },
  { login: 'hnfuzeren', name: '省政府办公厅负责人 (演示)', role: 'disclosure_leader', unit: PROV, totp: true },
  { login: 'hnzhanzhang', name: '省政府网站管理员 (演示)', role: 'portal_admin', unit: PROV, totp: true },
  { login: 'zzbianji', name: '郑州市政府网站编辑 (演示)', role: 'portal_editor', unit: ZZ, totp: false },
  { login: 'zzshenhe', name: '郑州市政府网站审核员 (演示)', role: 'portal_reviewer', unit: ZZ, totp: false },
  { login: 'zzgongkai', name: '郑州市政务公开专员 (演示)', role: 'disclosure_officer', unit: ZZ, totp: false },
];

// ---- site identifier code ----------------------------------------------------------------------

export type SiteCodeCheck = { ok: true; kind: 'local'; regionCode: string; sequence: string } | { ok: true; kind: 'department'; sequence: string } | { ok: false; message: string };

/** Province-level prefixes of GB/T 2260 (the first two digits of a region code). */
const PROVINCE_PREFIXES = new Set(['11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82']);

/**
 * 网站标识码: 10 characters. Local sites: the 6-digit GB/T 2260 code of the region + a 4-digit
 * sequence (not 0000), e.g. 4100000001 (Henan portal). State Council departments and vertical
 * systems: `bm` + 8 digits (bm55000001). Pure shape check; whether the region exists is asked of
 * the directory by the service.
 */
export function checkSiteCode(input: string): SiteCodeCheck {
  const code = (input ?? '').trim();
  if (/^bm\d{8}$/.test(code)) {
    if (code.slice(2) === '00000000') return { ok: false, message: '部门网站标识码 bm 后的 8 位数字不能全为 0' };
    return { ok: true, kind: 'department', sequence: code.slice(2) };
  }
  if (!/^\d{10}$/.test(code)) return { ok: false, message: '网站标识码应为 10 位: 6 位行政区划代码加 4 位顺序号, 或 bm 加 8 位数字' };
  const region = code.slice(0, 6);
  const seq = code.slice(6);
  if (!PROVINCE_PREFIXES.has(region.slice(0, 2))) return { ok: false, message: `网站标识码前 6 位「${region}」不是有效的行政区划代码` };
  if (region.slice(2, 4) === '00' && region.slice(4) !== '00') return { ok: false, message: `网站标识码前 6 位「${region}」不是有效的行政区划代码` };
  if (seq === '0000') return { ok: false, message: '网站标识码后 4 位顺序号不能为 0000' };
  return { ok: true, kind: 'local', regionCode: region, sequence: seq };
}

// ---- columns and articles ----------------------------------------------------------------------

export const COLUMN_TYPES = ['news', 'notices', 'policies', 'interpretation', 'disclosure', 'services', 'interaction', 'overview', 'other'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];
export const COLUMN_TYPE_LABELS: Record<ColumnType, string> = {
  news: '动态要闻',
  notices: '通知公告',
  policies: '政策文件',
  interpretation: '政策解读',
  disclosure: '政务公开',
  services: '办事服务',
  interaction: '互动交流',
  overview: '概况信息',
  other: '其他',
};
/** Expected update interval in days by column type (inspection rule: news 2 weeks, notices and policies 6 months). */
export const DEFAULT_UPDATE_DAYS: Partial<Record<ColumnType, number>> = { news: 14, notices: 180, policies: 180, interpretation: 180, disclosure: 180 };
/** Column types whose items enter the disclosure catalogue (索引号, 生成日期 …). */
export const CATALOG_COLUMN_TYPES: readonly ColumnType[] = ['policies', 'interpretation', 'disclosure', 'notices'];

export const ARTICLE_STATUSES = ['draft', 'reviewing', 'scheduled', 'published', 'withdrawn'] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];
export const ARTICLE_STATUS_LABELS: Record<ArticleStatus, string> = { draft: '草稿', reviewing: '待审核', scheduled: '定时发布', published: '已发布', withdrawn: '已撤稿' };

export const ARTICLE_KINDS = ['article', 'policy', 'rule', 'normative', 'interpretation'] as const;
export type ArticleKind = (typeof ARTICLE_KINDS)[number];
export const ARTICLE_KIND_LABELS: Record<ArticleKind, string> = { article: '一般信息', policy: '政策文件', rule: '规章', normative: '行政规范性文件', interpretation: '政策解读' };

export const VALIDITIES = ['effective', 'amended', 'repealed', 'lapsed'] as const;
export type Validity = (typeof VALIDITIES)[number];
export const VALIDITY_LABELS: Record<Validity, string> = { effective: '有效', amended: '已修改', repealed: '已废止', lapsed: '已失效' };

/** Proactive disclosure within 20 working days of creation (条例 第二十六条). */
export const PROACTIVE_DISCLOSURE_WORKING_DAYS = 20;

// ---- disclosure on request ---------------------------------------------------------------------

export const APPLICANT_TYPES = ['person', 'commercial', 'research', 'public_interest', 'legal_service', 'other_org'] as const;
export type ApplicantType = (typeof APPLICANT_TYPES)[number];
export const APPLICANT_TYPE_LABELS: Record<ApplicantType, string> = {
  person: '自然人',
  commercial: '商业企业',
  research: '科研机构',
  public_interest: '社会公益组织',
  legal_service: '法律服务机构',
  other_org: '其他组织',
};

export const OUTCOMES = ['disclosed', 'partial', 'not_disclosed', 'cannot_provide', 'not_processed', 'other'] as const;
export type Outcome = (typeof OUTCOMES)[number];
/** 答复类型 (条例第三十六条; 年报表三 (一)–(六)). */
export const OUTCOME_LABELS: Record<Outcome, string> = {
  disclosed: '(一) 予以公开',
  partial: '(二) 部分公开',
  not_disclosed: '(三) 不予公开',
  cannot_provide: '(四) 无法提供',
  not_processed: '(五) 不予处理',
  other: '(六) 其他处理',
};
/** Sub-reasons of 不予公开, 无法提供, 不予处理, 其他处理 (same codes as the annual report's Table 3). */
export const OUTCOME_REASONS: Record<Outcome, { code: string; label: string }[]> = {
  disclosed: [],
  partial: [],
  not_disclosed: [
    { code: 'state_secret', label: '1. 属于国家秘密' },
    { code: 'prohibited_by_law', label: '2. 其他法律行政法规禁止公开' },
    { code: 'three_safeties', label: '3. 危及“三安全一稳定”' },
    { code: 'third_party', label: '4. 保护第三方合法权益' },
    { code: 'internal_affairs', label: '5. 属于三类内部事务信息' },
    { code: 'process_info', label: '6. 属于四类过程性信息' },
    { code: 'enforcement_files', label: '7. 属于行政执法案卷' },
    { code: 'inquiry_matters', label: '8. 属于行政查询事项' },
  ],
  cannot_provide: [
    { code: 'not_held', label: '1. 本机关不掌握相关政府信息' },
    { code: 'needs_creation', label: '2. 没有现成信息需要另行制作' },
    { code: 'still_unclear', label: '3. 补正后申请内容仍不明确' },
  ],
  not_processed: [
    { code: 'petition', label: '1. 信访举报投诉类申请' },
    { code: 'repeat', label: '2. 重复申请' },
    { code: 'publication', label: '3. 要求提供公开出版物' },
    { code: 'mass_repeat', label: '4. 无正当理由大量反复申请' },
    { code: 'confirm_reissue', label: '5. 要求行政机关确认或重新出具已获取信息' },
  ],
  other: [
    { code: 'no_correction', label: '1. 申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请' },
    { code: 'fee_unpaid', label: '2. 申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请' },
    { code: 'other', label: '3. 其他' },
  ],
};

export const REQUEST_STATUSES = ['handling', 'correction', 'consulting', 'replied', 'withdrawn'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const REQUEST_STATUS_LABELS: Record<RequestStatus, string> = { handling: '办理中', correction: '待补正', consulting: '征求意见中 (暂停计时)', replied: '已答复', withdrawn: '已撤回' };

/** Statutory periods in working days (条例 第三十、三十二、三十三条). */
export const REQUEST_DAYS = { correctionNotice: 7, reply: 20, extension: 20, consultation: 15 } as const;

export const DELIVERIES = ['online', 'email', 'post', 'pickup'] as const;
export type Delivery = (typeof DELIVERIES)[number];
export const DELIVERY_LABELS: Record<Delivery, string> = { online: '网上获取', email: '电子邮件', post: '邮寄', pickup: '当面领取' };

// ---- interaction -------------------------------------------------------------------------------

export const CHANNELS = ['mailbox', 'consultation', 'complaint', 'error_report'] as const;
export type Channel = (typeof CHANNELS)[number];
export const CHANNEL_LABELS: Record<Channel, string> = { mailbox: '领导信箱', consultation: '咨询', complaint: '投诉', error_report: '我为政府网站找错' };
/**
 * Reply deadline per channel, in working days. 找错 3 (Liaoning rule); the others are our choice,
 * after the common local practice (Shenyang: 3 simple / 10 complex): consultation 5, mailbox and
 * complaint 10. Change here (code, reviewed) — no national rule fixes them.
 */
export const CHANNEL_REPLY_DAYS: Record<Channel, number> = { mailbox: 10, consultation: 5, complaint: 10, error_report: 3 };
/** Bounds of a site's own reply deadline per channel (site settings), in working days. */
export const REPLY_DAYS_RANGE = { min: 1, max: 60 } as const;

/** A message unanswered this long vetoes the inspection (单项否决 互动回应差). */
export const UNANSWERED_VETO_DAYS = 90;

export const EVENTS = {
  siteCreated: 'portal.site.created',
  siteUpdated: 'portal.site.updated',
  columnCreated: 'portal.column.created',
  articleSaved: 'portal.article.saved',
  articleSubmitted: 'portal.article.submitted',
  articleReturned: 'portal.article.returned',
  articlePublished: 'portal.article.published',
  articleScheduled: 'portal.article.scheduled',
  articleWithdrawn: 'portal.article.withdrawn',
  articleValidity: 'portal.article.validity_changed',
  articleSyndicated: 'portal.article.syndicated',
  requestReceived: 'portal.request.received',
  requestStep: 'portal.request.step',
  requestReplied: 'portal.request.replied',
  messageReceived: 'portal.message.received',
  messageReplied: 'portal.message.replied',
  solicitationCommented: 'portal.solicitation.commented',
  solicitationCreated: 'portal.solicitation.created',
  solicitationClosed: 'portal.solicitation.closed',
  surveyCreated: 'portal.survey.created',
  surveyClosed: 'portal.survey.closed',
  siteHealthChanged: 'portal.site.health_changed',
} as const;

export const ARTICLE_FLOW = 'portal.article';
export const REQUEST_FLOW = 'portal.info_request';
export const SUBJECT_MODULE = 'portal';
export const ARTICLE_ATTACHMENT_OWNER = 'portal.article';

// ---- rows --------------------------------------------------------------------------------------

export interface SiteRow {
  code: string;
  name: string;
  host: string | null;
  level: 'province' | 'city' | 'county' | 'department';
  region_code: string;
  parent_code: string | null;
  sponsor_unit_id: string | null;
  sponsor_name: string;
  organizer_name: string | null;
  party_label: string | null;
  icp_number: string | null;
  police_number: string | null;
  error_report_url: string | null;
  reply_days: Partial<Record<Channel, number>> | null;
  contact_phone: string | null;
  contact_email: string | null;
  address: string | null;
  theme: 'red' | 'blue' | 'green';
  disclosure_guide: string;
  content_version: string | number;
  content_changed_at: Date | string;
  status: 'active' | 'closed';
  is_demo: boolean;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface ColumnRow {
  id: string;
  site_code: string;
  parent_id: string | null;
  slug: string;
  name: string;
  type: ColumnType;
  update_days: number | null;
  position: number;
  in_nav: boolean;
  is_demo: boolean;
  created_at: Date | string;
}

export interface ArticleRow {
  id: string;
  site_code: string;
  column_id: string;
  region_code: string;
  status: ArticleStatus;
  title: string;
  current_version: number;
  live_version: number | null;
  live_title: string | null;
  live_summary: string | null;
  live_body: string | null;
  live_author: string | null;
  live_source: string | null;
  publish_at: Date | string | null;
  published_at: Date | string | null;
  first_published_at: Date | string | null;
  withdrawn_at: Date | string | null;
  withdraw_reason: string | null;
  case_id: string | null;
  kind: ArticleKind;
  index_no: string | null;
  doc_number: string | null;
  category: string | null;
  created_date: Date | string | null;
  validity: Validity;
  validity_note: string | null;
  validity_changed_at: Date | string | null;
  late_disclosure: boolean;
  disclosure_working_days: number | null;
  source_article_id: string | null;
  shared: boolean;
  is_demo: boolean;
  created_by_user_id: string | null;
  created_by_name: string;
  created_at: Date | string;
  updated_at: Date | string;
  version: number;
}

export interface VersionRow {
  article_id: string;
  version: number;
  title: string;
  summary: string;
  body: string;
  author: string;
  source: string;
  saved_by_name: string;
  saved_at: Date | string;
}

export const iso = (d: Date | string): string => new Date(d).toISOString();
export const isoOrNull = (d: Date | string | null): string | null => (d === null ? null : iso(d));

/** A `date` column as YYYY-MM-DD (PGlite returns a Date at UTC midnight, pg one at local midnight or a string). */
export function dayOrNull(d: Date | string | null): string | null {
  if (d === null) return null;
  if (typeof d === 'string') return d.slice(0, 10);
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
}

/** The China-time calendar day (YYYY-MM-DD) of an instant. */
export function chinaDay(d: Date | string): string {
  return new Date(new Date(d).getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

export function chinaDateTime(d: Date | string): string {
  return new Date(new Date(d).getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}
