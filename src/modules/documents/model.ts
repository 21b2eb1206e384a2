/**
 * Names, labels and shapes of the official documents module (公文处理): scopes, the GB/T 9704
 * vocabularies (紧急程度, 密级), workflow keys and states, events, and the rows as stored.
 */
import type { DemoStaffDefinition, RoleDefinition } from '../../platform/module.ts';

export const SCOPES = {
  outgoingDraft: 'documents.outgoing.draft',
  outgoingReview: 'documents.outgoing.review',
  outgoingSign: 'documents.outgoing.sign',
  sealManage: 'documents.seal.manage',
  incomingRegister: 'documents.incoming.register',
  incomingHandle: 'documents.incoming.handle',
  incomingInstruct: 'documents.incoming.instruct',
  read: 'documents.read',
} as const;

export const SCOPE_DESCRIPTIONS: Record<(typeof SCOPES)[keyof typeof SCOPES], string> = {
  'documents.outgoing.draft': '起草发文 (本单位)',
  'documents.outgoing.review': '核稿',
  'documents.outgoing.sign': '签发',
  'documents.seal.manage': '管理电子印章、用印和分发',
  'documents.incoming.register': '收文签收登记与归档',
  'documents.incoming.handle': '办理收文 (拟办、承办)',
  'documents.incoming.instruct': '领导批示 (收文), 承办超期时督办',
  'documents.read': '查看本单位公文 (发文和收文)',
};

/** Every scope of the module: holding any of them at a unit makes one part of its documents staff. */
export const ALL_SCOPES: readonly string[] = Object.values(SCOPES);

export const URGENCIES = ['normal', 'urgent', 'very_urgent'] as const;
export type Urgency = (typeof URGENCIES)[number];
/** 紧急程度 (GB/T 9704-2012 7.2.4: 特急、加急; 平件 is not marked on the document). */
export const URGENCY_LABELS: Record<Urgency, string> = { normal: '平件', urgent: '加急', very_urgent: '特急' };
/**
 * Working days a handling department has for an incoming document (承办期限), by urgency.
 * Our choice (no national rule fixes them): 特急 1, 加急 3, 平件 10 working days.
 */
export const HANDLING_WORKING_DAYS: Record<Urgency, number> = { very_urgent: 1, urgent: 3, normal: 10 };

export const CLASSIFICATIONS = ['none', 'secret', 'confidential', 'top_secret'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];
export const CLASSIFICATION_LABELS: Record<Classification, string> = { none: '非密', secret: '秘密', confidential: '机密', top_secret: '绝密' };
export const CLASSIFIED_REFUSAL =
  '本平台不是涉密信息系统, 不得处理涉密公文 (秘密、机密、绝密)。涉密公文请通过涉密网络和机要渠道办理; 本平台只能起草和传输非密公文。';

export const RECIPIENT_KINDS = ['main', 'copy'] as const;
export type RecipientKind = (typeof RECIPIENT_KINDS)[number];
export const RECIPIENT_KIND_LABELS: Record<RecipientKind, string> = { main: '主送', copy: '抄送' };

export const OUTGOING_FLOW = 'documents.outgoing';
export const INCOMING_FLOW = 'documents.incoming';
/** Subject module of the workflow cases. */
export const SUBJECT_MODULE = 'documents';
/** Owner type of the documents' attachments (files). */
export const ATTACHMENT_OWNER = 'documents.document';
/** Prefix of the incoming registration numbers in the number sequences. */
export const INCOMING_PREFIX = '收文';
/** Format of the canonical content that the seal signs. */
export const CANONICAL_FORMAT = 'egov.document/1';
/** Format of the exported document (content + seal). */
export const EXPORT_FORMAT = 'egov.sealed-document/1';

export const OUTGOING_STATES = {
  drafting: '拟稿',
  reviewing: '核稿',
  signing: '签发',
  sealing: '用印',
  distributing: '分发',
  distributed: '已分发',
} as const;
export type OutgoingState = keyof typeof OUTGOING_STATES;

export const INCOMING_STATES = {
  registering: '签收登记',
  proposing: '拟办',
  instructing: '批示',
  handling_very_urgent: '承办 (特急)',
  handling_urgent: '承办 (加急)',
  handling_normal: '承办',
  filing: '归档',
  filed: '已归档',
} as const;
export type IncomingState = keyof typeof INCOMING_STATES;
export const HANDLING_STATE: Record<Urgency, IncomingState> = { very_urgent: 'handling_very_urgent', urgent: 'handling_urgent', normal: 'handling_normal' };
export const INSTRUCT_TRANSITION: Record<Urgency, string> = { very_urgent: 'instruct_very_urgent', urgent: 'instruct_urgent', normal: 'instruct_normal' };

export const EVENTS = {
  drafted: 'documents.document.drafted',
  updated: 'documents.document.updated',
  submitted: 'documents.document.submitted',
  reviewed: 'documents.document.reviewed',
  returned: 'documents.document.returned',
  signed: 'documents.document.signed',
  sealed: 'documents.document.sealed',
  distributed: 'documents.document.distributed',
  received: 'documents.incoming.received',
  incomingStep: 'documents.incoming.step',
  sealCreated: 'documents.seal.created',
  sealRevoked: 'documents.seal.revoked',
} as const;

export interface DocumentRow {
  id: string;
  sending_unit_id: string;
  sending_unit_name: string;
  region_code: string;
  copy_number: string | null;
  classification: Classification;
  classification_period: string | null;
  urgency: Urgency;
  issuer_mark: string;
  number_prefix: string;
  number_year: number | null;
  number_seq: number | null;
  doc_number: string | null;
  upward: boolean;
  signer_name: string | null;
  signer_user_id: string | null;
  signed_at: Date | string | null;
  title: string;
  body: string;
  attachment_note: string | null;
  issuer_signature: string;
  written_date: Date | string | null;
  note: string | null;
  printing_unit: string;
  printing_date: Date | string | null;
  case_id: string | null;
  verification_code: string | null;
  distributed_at: Date | string | null;
  is_demo: boolean;
  created_by_user_id: string | null;
  created_by_name: string;
  created_at: Date | string;
  updated_at: Date | string;
  version: number;
}

export interface RecipientRow {
  document_id: string;
  unit_id: string;
  unit_name: string;
  kind: RecipientKind;
  position: number;
}

export interface IncomingRow {
  id: string;
  document_id: string;
  recipient_unit_id: string;
  recipient_unit_name: string;
  recipient_kind: RecipientKind;
  region_code: string;
  case_id: string;
  created_at: Date | string;
  received_at: Date | string | null;
  received_by_user_id: string | null;
  received_by_name: string | null;
  registration_number: string | null;
}

export interface SealRow {
  id: string;
  unit_id: string;
  unit_name: string;
  public_key_pem: string;
  private_key_sealed: string;
  fingerprint: string;
  is_demo: boolean;
  created_at: Date | string;
  created_by_name: string;
  revoked_at: Date | string | null;
  revoked_by_name: string | null;
  revoke_reason: string | null;
}

export interface SealingRow {
  document_id: string;
  seal_id: string;
  content_hash: string;
  signature: string;
  key_fingerprint: string;
  canonical_format: string;
  sealed_at: Date | string;
  sealed_by_user_id: string | null;
  sealed_by_name: string;
}

export const iso = (d: Date | string): string => new Date(d).toISOString();
export const isoOrNull = (d: Date | string | null): string | null => (d === null ? null : iso(d));

/** A `date` column as `YYYY-MM-DD` (PGlite returns Date at UTC midnight, pg returns Date at local midnight or a string). */
export function dayOrNull(d: Date | string | null): string | null {
  if (d === null) return null;
  if (typeof d === 'string') return d.slice(0, 10);
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
}

/** The roles of official-document handling (installed as built-in roles by identity). */
export const DOCUMENT_ROLES: RoleDefinition[] = [
  {
    code: 'doc_clerk',
    name: '文书',
    description: '起草发文, 收文签收登记与归档',
    requiresMfa: false,
    scopes: ['documents.read', 'documents.outgoing.draft', 'documents.incoming.register'],
  },
  {
    code: 'doc_officer',
    name: '办公室承办人员',
    description: '发文核稿, 收文拟办与承办',
    requiresMfa: false,
    scopes: ['documents.read', 'documents.outgoing.review', 'documents.incoming.handle'],
  },
  {
    code: 'doc_leader',
    name: '签发领导',
    description: '签发发文, 批示收文, 接收超期督办',
    requiresMfa: true,
    scopes: ['documents.read', 'documents.outgoing.sign', 'documents.incoming.instruct'],
  },
  {
    code: 'seal_keeper',
    name: '印章管理员',
    description: '管理本单位电子印章, 用印并分发',
    requiresMfa: true,
    scopes: ['documents.read', 'documents.seal.manage'],
  },
];

/** Demo staff of the documents demo: the provincial government, Zhengzhou and Luoyang. */
export const DOCUMENT_DEMO_STAFF: DemoStaffDefinition[] = [
  { login: 'hnwenshu', name: '省政府文书 (演示)', role: 'doc_clerk', unit: { regionCode: '410000', unitType: 'government' }, totp: false },
  { login: 'hnhegao', name: '省政府办公厅核稿人 (演示)', role: 'doc_officer', unit: { regionCode: '410000', unitType: 'government' }, totp: false },
  { login: 'hnqianfa', name: '省政府签发领导 (演示)', role: 'doc_leader', unit: { regionCode: '410000', unitType: 'government' }, totp: true },
  { login: 'hnyinzhang', name: '省政府印章管理员 (演示)', role: 'seal_keeper', unit: { regionCode: '410000', unitType: 'government' }, totp: true },
  { login: 'zzwenshu', name: '郑州市政府文书 (演示)', role: 'doc_clerk', unit: { regionCode: '410100', unitType: 'government' }, totp: false },
  { login: 'zzbangong', name: '郑州市政府办公室承办人 (演示)', role: 'doc_officer', unit: { regionCode: '410100', unitType: 'government' }, totp: false },
  { login: 'zzlingdao', name: '郑州市政府领导 (演示)', role: 'doc_leader', unit: { regionCode: '410100', unitType: 'government' }, totp: true },
  { login: 'lywenshu', name: '洛阳市政府文书 (演示)', role: 'doc_clerk', unit: { regionCode: '410300', unitType: 'government' }, totp: false },
];
