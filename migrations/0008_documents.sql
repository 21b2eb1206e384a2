-- Official documents (公文处理): outgoing documents with the fields of GB/T 9704-2012, their
-- recipients, gapless document numbers per unit / prefix / year, the units' SM2 electronic seals,
-- the seal applied to each document, and the incoming records (收文) of the recipient units.
-- The steps themselves are workflow cases (schema workflow); this schema holds the documents.
CREATE SCHEMA IF NOT EXISTS documents;

CREATE TABLE documents.documents (
  id uuid PRIMARY KEY,
  sending_unit_id uuid NOT NULL,
  sending_unit_name text NOT NULL,
  region_code text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
  copy_number text CHECK (copy_number ~ '^[0-9]{6}$'),
  classification text NOT NULL DEFAULT 'none' CHECK (classification = 'none'),
  classification_period text CHECK (classification_period IS NULL),
  urgency text NOT NULL CHECK (urgency IN ('normal', 'urgent', 'very_urgent')),
  issuer_mark text NOT NULL,
  number_prefix text NOT NULL,
  number_year integer,
  number_seq integer CHECK (number_seq > 0),
  doc_number text,
  upward boolean NOT NULL DEFAULT false,
  signer_name text,
  signer_user_id uuid,
  signed_at timestamptz,
  title text NOT NULL,
  body text NOT NULL,
  attachment_note text,
  issuer_signature text NOT NULL,
  written_date date,
  note text,
  printing_unit text NOT NULL,
  printing_date date,
  case_id uuid,
  verification_code text UNIQUE,
  distributed_at timestamptz,
  is_demo boolean NOT NULL DEFAULT false,
  created_by_user_id uuid,
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1,
  CHECK ((number_seq IS NULL) = (doc_number IS NULL) AND (number_seq IS NULL) = (number_year IS NULL))
);
COMMENT ON TABLE documents.documents IS '公文 (发文): GB/T 9704-2012 规定的公文要素; 起草→核稿→签发 (编发文字号)→用印→分发, 各环节为 documents.outgoing 流程案件';
COMMENT ON COLUMN documents.documents.id IS '公文标识 (UUIDv7)';
COMMENT ON COLUMN documents.documents.sending_unit_id IS '发文机关 (directory 单位标识)';
COMMENT ON COLUMN documents.documents.sending_unit_name IS '发文机关名称 (起草时的名称)';
COMMENT ON COLUMN documents.documents.region_code IS '发文机关所在行政区划, 决定办理权限与工作日历';
COMMENT ON COLUMN documents.documents.copy_number IS '份号 (6 位阿拉伯数字, 可空)';
COMMENT ON COLUMN documents.documents.classification IS '密级: 本平台为非涉密系统, 只能为 none 非密; 秘密、机密、绝密公文在录入时即被拒绝';
COMMENT ON COLUMN documents.documents.classification_period IS '保密期限: 非密公文不标注, 恒为空';
COMMENT ON COLUMN documents.documents.urgency IS '紧急程度: normal 平件 / urgent 加急 / very_urgent 特急; 决定收文承办期限 (10 / 3 / 1 个工作日)';
COMMENT ON COLUMN documents.documents.issuer_mark IS '发文机关标志, 如「河南省人民政府文件」(版头红色大字)';
COMMENT ON COLUMN documents.documents.number_prefix IS '发文机关代字, 如「豫政」; 发文字号 = 代字〔年份〕序号号';
COMMENT ON COLUMN documents.documents.number_year IS '发文字号中的年份 (签发时的年份)';
COMMENT ON COLUMN documents.documents.number_seq IS '发文字号中的序号 (本单位本代字本年度连续编号, 不跳号不重号)';
COMMENT ON COLUMN documents.documents.doc_number IS '发文字号, 如「豫政〔2026〕12号」; 签发时编号';
COMMENT ON COLUMN documents.documents.upward IS '是否上行文 (上行文在版头标注签发人)';
COMMENT ON COLUMN documents.documents.signer_name IS '签发人姓名';
COMMENT ON COLUMN documents.documents.signer_user_id IS '签发人账号标识';
COMMENT ON COLUMN documents.documents.signed_at IS '签发时间';
COMMENT ON COLUMN documents.documents.title IS '标题';
COMMENT ON COLUMN documents.documents.body IS '正文 (纯文本, 空行分段)';
COMMENT ON COLUMN documents.documents.attachment_note IS '附件说明 (附件名称, 每行一个; 附件本身见 files.attachments, 归属类型 documents.document)';
COMMENT ON COLUMN documents.documents.issuer_signature IS '发文机关署名';
COMMENT ON COLUMN documents.documents.written_date IS '成文日期 (签发之日)';
COMMENT ON COLUMN documents.documents.note IS '附注, 如「此件公开发布」';
COMMENT ON COLUMN documents.documents.printing_unit IS '印发机关 (一般为发文机关的办公厅/室)';
COMMENT ON COLUMN documents.documents.printing_date IS '印发日期 (用印之日)';
COMMENT ON COLUMN documents.documents.case_id IS '发文流程案件 (workflow.cases, documents.outgoing)';
COMMENT ON COLUMN documents.documents.verification_code IS '印章验证码 (印在公文上, 与发文字号一起在验证页核验), 由签名的 SM3 摘要生成';
COMMENT ON COLUMN documents.documents.distributed_at IS '分发时间 (各收文单位的收文记录在同一事务中生成)';
COMMENT ON COLUMN documents.documents.is_demo IS '是否为演示数据 (页面与打印稿上标注「演示」)';
COMMENT ON COLUMN documents.documents.created_by_user_id IS '起草人账号标识';
COMMENT ON COLUMN documents.documents.created_by_name IS '起草人姓名';
COMMENT ON COLUMN documents.documents.created_at IS '起草时间';
COMMENT ON COLUMN documents.documents.updated_at IS '最后修改时间';
COMMENT ON COLUMN documents.documents.version IS '修改版本号 (乐观锁)';
CREATE UNIQUE INDEX documents_number_uq ON documents.documents (sending_unit_id, number_prefix, number_year, number_seq) WHERE number_seq IS NOT NULL;
CREATE INDEX documents_unit_idx ON documents.documents (sending_unit_id, created_at DESC);
CREATE INDEX documents_doc_number_idx ON documents.documents (doc_number) WHERE doc_number IS NOT NULL;

CREATE TABLE documents.recipients (
  document_id uuid NOT NULL REFERENCES documents.documents (id),
  unit_id uuid NOT NULL,
  unit_name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('main', 'copy')),
  position integer NOT NULL,
  PRIMARY KEY (document_id, unit_id)
);
COMMENT ON TABLE documents.recipients IS '公文的主送机关和抄送机关 (分发时每个单位生成一条收文记录)';
COMMENT ON COLUMN documents.recipients.document_id IS '公文';
COMMENT ON COLUMN documents.recipients.unit_id IS '收文单位 (directory 单位标识)';
COMMENT ON COLUMN documents.recipients.unit_name IS '单位名称 (起草时的名称, 即公文上印的名称)';
COMMENT ON COLUMN documents.recipients.kind IS 'main 主送 / copy 抄送';
COMMENT ON COLUMN documents.recipients.position IS '在主送或抄送中的排列顺序 (从 1 起)';

CREATE TABLE documents.number_sequences (
  unit_id uuid NOT NULL,
  prefix text NOT NULL,
  year integer NOT NULL,
  last_number integer NOT NULL CHECK (last_number >= 0),
  PRIMARY KEY (unit_id, prefix, year)
);
COMMENT ON TABLE documents.number_sequences IS '编号序列: 发文字号 (代字) 与收文编号 (收文) 按单位、代字、年度连续编号; 编号时锁定本行 (FOR UPDATE), 回滚不占号, 因此不跳号不重号';
COMMENT ON COLUMN documents.number_sequences.unit_id IS '单位';
COMMENT ON COLUMN documents.number_sequences.prefix IS '代字, 如「豫政」; 收文编号为「收文」';
COMMENT ON COLUMN documents.number_sequences.year IS '年度';
COMMENT ON COLUMN documents.number_sequences.last_number IS '本年度已使用的最大序号';

CREATE TABLE documents.seals (
  id uuid PRIMARY KEY,
  unit_id uuid NOT NULL,
  unit_name text NOT NULL,
  public_key_pem text NOT NULL,
  private_key_sealed text NOT NULL,
  fingerprint text NOT NULL UNIQUE,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  created_by_name text NOT NULL,
  revoked_at timestamptz,
  revoked_by_name text,
  revoke_reason text
);
COMMENT ON TABLE documents.seals IS '电子印章: 每个单位一对 SM2 密钥, 私钥以 SM4 加密保存; 注销后不能再用印, 注销前加盖的印章仍可验证';
COMMENT ON COLUMN documents.seals.id IS '印章标识';
COMMENT ON COLUMN documents.seals.unit_id IS '印章所属单位';
COMMENT ON COLUMN documents.seals.unit_name IS '单位名称 (印章上环绕的文字)';
COMMENT ON COLUMN documents.seals.public_key_pem IS 'SM2 公钥 (SPKI PEM)';
COMMENT ON COLUMN documents.seals.private_key_sealed IS 'SM2 私钥 (PKCS#8 PEM), 以平台密钥 documents_seal_sm4 做 SM4 加密后的密文';
COMMENT ON COLUMN documents.seals.fingerprint IS '公钥指纹: 公钥 DER 编码的 SM3 摘要 (十六进制)';
COMMENT ON COLUMN documents.seals.is_demo IS '是否为演示数据';
COMMENT ON COLUMN documents.seals.created_at IS '制章时间';
COMMENT ON COLUMN documents.seals.created_by_name IS '制章人';
COMMENT ON COLUMN documents.seals.revoked_at IS '注销时间 (空: 有效)';
COMMENT ON COLUMN documents.seals.revoked_by_name IS '注销人';
COMMENT ON COLUMN documents.seals.revoke_reason IS '注销原因';
CREATE UNIQUE INDEX seals_active_uq ON documents.seals (unit_id) WHERE revoked_at IS NULL;

CREATE TABLE documents.sealings (
  document_id uuid PRIMARY KEY REFERENCES documents.documents (id),
  seal_id uuid NOT NULL REFERENCES documents.seals (id),
  content_hash text NOT NULL,
  signature text NOT NULL,
  key_fingerprint text NOT NULL,
  canonical_format text NOT NULL,
  sealed_at timestamptz NOT NULL,
  sealed_by_user_id uuid,
  sealed_by_name text NOT NULL
);
COMMENT ON TABLE documents.sealings IS '用印记录: 对公文规范化内容 (全部公文要素及附件 SM3 摘要的规范 JSON) 的 SM3 摘要所做的 SM2 签名';
COMMENT ON COLUMN documents.sealings.document_id IS '公文';
COMMENT ON COLUMN documents.sealings.seal_id IS '所用印章';
COMMENT ON COLUMN documents.sealings.content_hash IS '用印时公文规范化内容的 SM3 摘要 (十六进制)';
COMMENT ON COLUMN documents.sealings.signature IS '对 content_hash 的 SM2 签名 (DER, base64)';
COMMENT ON COLUMN documents.sealings.key_fingerprint IS '签名公钥指纹 (同 seals.fingerprint)';
COMMENT ON COLUMN documents.sealings.canonical_format IS '规范化内容的格式版本, 如 egov.document/1';
COMMENT ON COLUMN documents.sealings.sealed_at IS '用印时间';
COMMENT ON COLUMN documents.sealings.sealed_by_user_id IS '用印人账号标识';
COMMENT ON COLUMN documents.sealings.sealed_by_name IS '用印人';

CREATE TABLE documents.incoming (
  id uuid PRIMARY KEY,
  document_id uuid NOT NULL REFERENCES documents.documents (id),
  recipient_unit_id uuid NOT NULL,
  recipient_unit_name text NOT NULL,
  recipient_kind text NOT NULL CHECK (recipient_kind IN ('main', 'copy')),
  region_code text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
  case_id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  received_at timestamptz,
  received_by_user_id uuid,
  received_by_name text,
  registration_number text,
  UNIQUE (document_id, recipient_unit_id)
);
COMMENT ON TABLE documents.incoming IS '收文: 分发时为每个收文单位生成一条, 办理环节 (签收登记→拟办→批示→承办→归档) 为 documents.incoming 流程案件; 签收信息即回执, 发文单位可见';
COMMENT ON COLUMN documents.incoming.id IS '收文记录标识';
COMMENT ON COLUMN documents.incoming.document_id IS '所收公文';
COMMENT ON COLUMN documents.incoming.recipient_unit_id IS '收文单位';
COMMENT ON COLUMN documents.incoming.recipient_unit_name IS '收文单位名称';
COMMENT ON COLUMN documents.incoming.recipient_kind IS 'main 主送 / copy 抄送';
COMMENT ON COLUMN documents.incoming.region_code IS '收文单位所在行政区划 (收文案件的区划)';
COMMENT ON COLUMN documents.incoming.case_id IS '收文流程案件 (workflow.cases, documents.incoming)';
COMMENT ON COLUMN documents.incoming.created_at IS '送达时间 (分发时间)';
COMMENT ON COLUMN documents.incoming.received_at IS '签收时间 (回执); 空: 尚未签收';
COMMENT ON COLUMN documents.incoming.received_by_user_id IS '签收人账号标识';
COMMENT ON COLUMN documents.incoming.received_by_name IS '签收人';
COMMENT ON COLUMN documents.incoming.registration_number IS '收文编号, 如「收文〔2026〕3号」(签收登记时按本单位年度连续编号)';
CREATE INDEX incoming_unit_idx ON documents.incoming (recipient_unit_id, created_at DESC);
CREATE INDEX incoming_document_idx ON documents.incoming (document_id);
