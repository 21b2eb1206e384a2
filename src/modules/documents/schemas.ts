/**
 * Request and response schemas of the documents API (TypeBox): they validate the input, document
 * the API (OpenAPI at /api/docs) and, for forms, give the same Chinese messages through parseInput.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { CLASSIFICATIONS, URGENCIES } from './model.ts';

const Uuid = (title: string) => Type.String({ title, pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const IdParams = Type.Object({ id: Uuid('公文标识') });
export const IncomingIdParams = Type.Object({ id: Uuid('收文记录标识') });
export const SealIdParams = Type.Object({ id: Uuid('印章标识') });

export const DraftBody = Type.Object(
  {
    unitId: Type.Optional(Uuid('发文机关')),
    title: Type.String({ title: '标题', minLength: 1, maxLength: 200 }),
    body: Type.String({ title: '正文', minLength: 1, maxLength: 50_000 }),
    numberPrefix: Type.String({ title: '发文机关代字', minLength: 1, maxLength: 10 }),
    urgency: Type.Union(URGENCIES.map((u) => Type.Literal(u)), { title: '紧急程度', description: 'normal 平件 / urgent 加急 / very_urgent 特急' }),
    classification: Type.Optional(Type.Union(CLASSIFICATIONS.map((c) => Type.Literal(c)), { title: '密级', description: '只接受 none (非密); 秘密、机密、绝密公文一律拒绝 (本平台不是涉密信息系统)' })),
    classificationPeriod: Type.Optional(Type.String({ title: '保密期限', maxLength: 50 })),
    copyNumber: Type.Optional(Type.String({ title: '份号', maxLength: 6 })),
    issuerMark: Type.Optional(Type.String({ title: '发文机关标志', maxLength: 60 })),
    issuerSignature: Type.Optional(Type.String({ title: '发文机关署名', maxLength: 200 })),
    printingUnit: Type.Optional(Type.String({ title: '印发机关', maxLength: 100 })),
    attachmentNote: Type.Optional(Type.String({ title: '附件说明', maxLength: 2000 })),
    note: Type.Optional(Type.String({ title: '附注', maxLength: 500 })),
    upward: Type.Optional(Type.Boolean({ title: '上行文' })),
    mainRecipientIds: Type.Array(Uuid('主送机关'), { title: '主送机关', minItems: 1, maxItems: 300 }),
    copyRecipientIds: Type.Optional(Type.Array(Uuid('抄送机关'), { title: '抄送机关', maxItems: 300 })),
  },
  { additionalProperties: false },
);

export const DraftPatchBody = Type.Composite([
  Type.Omit(DraftBody, ['unitId']),
  Type.Object({ expectedVersion: Type.Optional(Type.Integer({ title: '公文版本号', minimum: 1 })) }),
], { additionalProperties: false });

export const StepBody = Type.Object(
  {
    comment: Type.Optional(Type.String({ title: '办理意见', maxLength: 5000 })),
    expectedVersion: Type.Optional(Type.Integer({ title: '案件版本号', minimum: 1, description: '页面上看到的流程案件版本号; 他人已处理时返回 409 case_changed' })),
  },
  { additionalProperties: false },
);

export const ReviewBody = Type.Composite([
  StepBody,
  Type.Object({ decision: Type.Union([Type.Literal('approve'), Type.Literal('return')], { title: '核稿意见', description: 'approve 核稿通过 / return 退回修改 (须填写意见)' }) }),
], { additionalProperties: false });

export const SignBody = Type.Composite([
  StepBody,
  Type.Object({ decision: Type.Union([Type.Literal('sign'), Type.Literal('return')], { title: '签发意见', description: 'sign 签发 (编发文字号) / return 退回修改 (须填写意见)' }) }),
], { additionalProperties: false });

export const ProposeBody = Type.Composite([StepBody, Type.Object({ proposal: Type.String({ title: '拟办意见', minLength: 1, maxLength: 2000 }) })], { additionalProperties: false });
export const InstructBody = Type.Composite([
  StepBody,
  Type.Object({ instruction: Type.String({ title: '批示意见', minLength: 1, maxLength: 2000 }), handlingUnitId: Type.Optional(Uuid('承办单位')) }),
], { additionalProperties: false });
export const CompleteBody = Type.Composite([StepBody, Type.Object({ result: Type.String({ title: '办理结果', minLength: 1, maxLength: 5000 }) })], { additionalProperties: false });

export const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ title: '关键词', maxLength: 100 })),
    page: Type.Optional(Type.Integer({ title: '页码', minimum: 1 })),
    pageSize: Type.Optional(Type.Integer({ title: '每页条数', minimum: 1, maximum: 100 })),
    pending: Type.Optional(Type.Boolean({ title: '只看待签收' })),
  },
  { additionalProperties: false },
);

export const SealCreateBody = Type.Object({ unitId: Uuid('单位') }, { additionalProperties: false });
export const SealRevokeBody = Type.Object({ reason: Type.String({ title: '注销原因', minLength: 1, maxLength: 500 }) }, { additionalProperties: false });

export const VerifyCodeBody = Type.Object(
  {
    number: Type.String({ title: '发文字号', minLength: 1, maxLength: 60 }),
    code: Type.String({ title: '验证码', minLength: 1, maxLength: 40 }),
  },
  { additionalProperties: false },
);

// ---- responses --------------------------------------------------------------------------------

const Recipient = Type.Object({ unitId: Type.String({ title: '单位标识' }), name: Type.String({ title: '单位名称' }) });

const Receipt = Type.Object({
  incomingId: Type.String({ title: '收文记录标识' }),
  unitId: Type.String({ title: '收文单位标识' }),
  unitName: Type.String({ title: '收文单位' }),
  kind: Type.String({ title: '主送/抄送' }),
  kindLabel: Type.String({ title: '主送/抄送 (中文)' }),
  deliveredAt: Type.String({ title: '送达时间' }),
  receivedAt: Nullable(Type.String({ title: '签收时间' })),
  receivedBy: Nullable(Type.String({ title: '签收人' })),
  registrationNumber: Nullable(Type.String({ title: '收文编号' })),
});

export const IncomingSchema = Type.Object({
  id: Type.String({ title: '收文记录标识' }),
  documentId: Type.String({ title: '公文标识' }),
  unitId: Type.String({ title: '收文单位标识' }),
  unitName: Type.String({ title: '收文单位' }),
  kind: Type.String({ title: '主送/抄送' }),
  kindLabel: Type.String({ title: '主送/抄送 (中文)' }),
  regionCode: Type.String({ title: '行政区划' }),
  caseId: Type.String({ title: '收文流程案件' }),
  state: Nullable(Type.String({ title: '当前环节' })),
  stateLabel: Type.String({ title: '当前环节 (中文)' }),
  caseStatus: Nullable(Type.String({ title: '案件状态' })),
  caseStatusLabel: Type.String({ title: '案件状态 (中文)' }),
  caseVersion: Nullable(Type.Integer({ title: '案件版本号' })),
  deadline: Nullable(Type.String({ title: '本环节期限' })),
  late: Type.Boolean({ title: '曾超期' }),
  escalated: Type.Boolean({ title: '已督办' }),
  deliveredAt: Type.String({ title: '送达时间' }),
  receivedAt: Nullable(Type.String({ title: '签收时间' })),
  receivedBy: Nullable(Type.String({ title: '签收人' })),
  registrationNumber: Nullable(Type.String({ title: '收文编号' })),
  handlingUnitId: Nullable(Type.String({ title: '承办单位标识' })),
  handlingUnitName: Nullable(Type.String({ title: '承办单位' })),
  proposal: Nullable(Type.String({ title: '拟办意见' })),
  instruction: Nullable(Type.String({ title: '批示意见' })),
  result: Nullable(Type.String({ title: '办理结果' })),
});

export const DocumentSchema = Type.Object({
  id: Type.String({ title: '公文标识' }),
  isDemo: Type.Boolean({ title: '演示数据' }),
  sendingUnit: Type.Object({ id: Type.String({ title: '发文机关标识' }), name: Type.String({ title: '发文机关' }) }),
  regionCode: Type.String({ title: '行政区划' }),
  copyNumber: Nullable(Type.String({ title: '份号' })),
  classification: Type.String({ title: '密级' }),
  classificationLabel: Type.String({ title: '密级 (中文)' }),
  classificationPeriod: Nullable(Type.String({ title: '保密期限' })),
  urgency: Type.String({ title: '紧急程度' }),
  urgencyLabel: Type.String({ title: '紧急程度 (中文)' }),
  issuerMark: Type.String({ title: '发文机关标志' }),
  numberPrefix: Type.String({ title: '发文机关代字' }),
  docNumber: Nullable(Type.String({ title: '发文字号' })),
  upward: Type.Boolean({ title: '上行文' }),
  signer: Nullable(Type.Object({ name: Type.String({ title: '签发人' }), at: Nullable(Type.String({ title: '签发时间' })) })),
  title: Type.String({ title: '标题' }),
  body: Type.String({ title: '正文' }),
  attachmentNote: Nullable(Type.String({ title: '附件说明' })),
  issuerSignature: Type.String({ title: '发文机关署名' }),
  writtenDate: Nullable(Type.String({ title: '成文日期' })),
  note: Nullable(Type.String({ title: '附注' })),
  printingUnit: Type.String({ title: '印发机关' }),
  printingDate: Nullable(Type.String({ title: '印发日期' })),
  mainRecipients: Type.Array(Recipient, { title: '主送机关' }),
  copyRecipients: Type.Array(Recipient, { title: '抄送机关' }),
  attachments: Type.Array(Type.Object({
    id: Type.String({ title: '附件标识' }),
    name: Type.String({ title: '文件名' }),
    sm3: Type.String({ title: 'SM3 摘要' }),
    size: Type.Integer({ title: '字节数' }),
    typeLabel: Type.String({ title: '类型' }),
    downloadUrl: Type.String({ title: '下载地址' }),
    previewUrl: Nullable(Type.String({ title: '预览地址' })),
  }), { title: '附件' }),
  createdBy: Type.Object({ userId: Nullable(Type.String({ title: '起草人标识' })), name: Type.String({ title: '起草人' }) }),
  createdAt: Type.String({ title: '起草时间' }),
  updatedAt: Type.String({ title: '修改时间' }),
  version: Type.Integer({ title: '公文版本号' }),
  caseId: Nullable(Type.String({ title: '发文流程案件' })),
  state: Nullable(Type.String({ title: '当前环节' })),
  stateLabel: Type.String({ title: '当前环节 (中文)' }),
  caseStatus: Nullable(Type.String({ title: '案件状态' })),
  caseStatusLabel: Type.String({ title: '案件状态 (中文)' }),
  caseVersion: Nullable(Type.Integer({ title: '案件版本号' })),
  seal: Nullable(Type.Object({
    sealedAt: Type.String({ title: '用印时间' }),
    sealedBy: Type.String({ title: '用印人' }),
    unitName: Type.String({ title: '印章单位' }),
    fingerprint: Type.String({ title: '公钥指纹' }),
    contentHash: Type.String({ title: '内容 SM3 摘要' }),
    verificationCode: Nullable(Type.String({ title: '验证码' })),
  })),
  distributedAt: Nullable(Type.String({ title: '分发时间' })),
  receipts: Nullable(Type.Array(Receipt, { title: '签收回执 (仅发文单位可见)' })),
  incoming: Type.Array(IncomingSchema, { title: '本单位的收文记录' }),
  editRefusal: Nullable(Type.String({ title: '不能修改的原因' })),
});

const pageOf = <T extends TSchema>(item: T) => Type.Object({
  items: Type.Array(item),
  total: Type.Integer({ title: '总数' }),
  page: Type.Integer({ title: '页码' }),
  pageSize: Type.Integer({ title: '每页条数' }),
});

export const OutgoingPage = pageOf(Type.Object({
  id: Type.String({ title: '公文标识' }),
  docNumber: Nullable(Type.String({ title: '发文字号' })),
  title: Type.String({ title: '标题' }),
  urgencyLabel: Type.String({ title: '紧急程度' }),
  sendingUnitName: Type.String({ title: '发文机关' }),
  createdByName: Type.String({ title: '起草人' }),
  createdAt: Type.String({ title: '起草时间' }),
  state: Nullable(Type.String({ title: '当前环节' })),
  stateLabel: Type.String({ title: '当前环节 (中文)' }),
  delivered: Type.Integer({ title: '已送达单位数' }),
  received: Type.Integer({ title: '已签收单位数' }),
  isDemo: Type.Boolean({ title: '演示数据' }),
}));

export const IncomingPage = pageOf(Type.Object({
  id: Type.String({ title: '收文记录标识' }),
  documentId: Type.String({ title: '公文标识' }),
  docNumber: Nullable(Type.String({ title: '发文字号' })),
  title: Type.String({ title: '标题' }),
  urgencyLabel: Type.String({ title: '紧急程度' }),
  senderName: Type.String({ title: '来文机关' }),
  unitName: Type.String({ title: '收文单位' }),
  kindLabel: Type.String({ title: '主送/抄送' }),
  deliveredAt: Type.String({ title: '送达时间' }),
  receivedAt: Nullable(Type.String({ title: '签收时间' })),
  registrationNumber: Nullable(Type.String({ title: '收文编号' })),
  stateLabel: Type.String({ title: '当前环节' }),
  isDemo: Type.Boolean({ title: '演示数据' }),
}));

export const VerificationSchema = Type.Object({
  valid: Type.Boolean({ title: '印章有效' }),
  status: Type.String({ title: '结果代码', description: 'valid / tampered / bad_signature / unknown_seal / revoked / not_sealed / not_found / malformed' }),
  message: Type.String({ title: '结论' }),
  problems: Type.Array(Type.String(), { title: '未通过的检查' }),
  document: Nullable(Type.Object({
    docNumber: Nullable(Type.String({ title: '发文字号' })),
    title: Type.String({ title: '标题' }),
    sendingUnitName: Type.String({ title: '发文机关' }),
    writtenDate: Nullable(Type.String({ title: '成文日期' })),
  })),
  seal: Nullable(Type.Object({
    unitName: Type.String({ title: '印章单位' }),
    fingerprint: Type.String({ title: '公钥指纹' }),
    sealedAt: Nullable(Type.String({ title: '用印时间' })),
    revokedAt: Nullable(Type.String({ title: '注销时间' })),
  })),
  contentHash: Nullable(Type.String({ title: '内容 SM3 摘要 (现在)' })),
  signedHash: Nullable(Type.String({ title: '内容 SM3 摘要 (盖章时)' })),
});

export const SealSchema = Type.Object({
  id: Type.String({ title: '印章标识' }),
  unitId: Type.String({ title: '单位标识' }),
  unitName: Type.String({ title: '单位' }),
  fingerprint: Type.String({ title: '公钥指纹' }),
  publicKeyPem: Type.String({ title: 'SM2 公钥 (PEM)' }),
  isDemo: Type.Boolean({ title: '演示数据' }),
  createdAt: Type.String({ title: '制章时间' }),
  createdBy: Type.String({ title: '制章人' }),
  revokedAt: Nullable(Type.String({ title: '注销时间' })),
  revokedBy: Nullable(Type.String({ title: '注销人' })),
  revokeReason: Nullable(Type.String({ title: '注销原因' })),
});

export const SealListSchema = Type.Object({
  seals: Type.Array(SealSchema),
  units: Type.Array(Type.Object({ unitId: Type.String({ title: '单位标识' }), unitName: Type.String({ title: '单位' }), hasActiveSeal: Type.Boolean({ title: '已有有效印章' }) })),
});

/** The exported file (content + seal); accepted as is by POST /api/documents/verify/export. */
export const ExportedSchema = Type.Object({
  format: Type.String({ title: '格式', description: 'egov.sealed-document/1' }),
  content: Type.Record(Type.String(), Type.Unknown(), { title: '公文内容 (规范化前的对象)' }),
  seal: Type.Object({
    algorithm: Type.String({ title: '算法' }),
    contentHash: Type.String({ title: '内容 SM3 摘要' }),
    signature: Type.String({ title: 'SM2 签名 (base64)' }),
    keyFingerprint: Type.String({ title: '公钥指纹' }),
    publicKeyPem: Type.String({ title: 'SM2 公钥 (PEM)' }),
    unitName: Type.String({ title: '印章单位' }),
    sealedAt: Type.String({ title: '用印时间' }),
    verificationCode: Type.String({ title: '验证码' }),
  }),
});
