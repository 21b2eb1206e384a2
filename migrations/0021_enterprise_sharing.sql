-- Enterprise information sharing (企业基础信息共享, 工商企注字〔2015〕228号): market regulation
-- pushes every 设立 / 变更 / 注销 of an enterprise over the exchange to the tax bureaus; a 注销
-- waits until every tax bureau responsible for the enterprise has answered 已清税.
--
-- Registries side (schema registries): the tax authorities whose clearance a deregistration needs,
-- the pending deregistration requests, each bureau's clearance answer and the tax registration
-- items tax sends back (税务机关名称, 生产经营地, 财务负责人, 核算方式).
-- Tax side (schema tax): the bureaus' receiving systems — the events received (idempotency and
-- latency), the enterprises in each bureau's intake and the clearance requests to answer.

CREATE TABLE registries.clearance_authorities (
  code text PRIMARY KEY CHECK (code ~ '^[A-Z0-9_-]{2,32}$'),
  name text NOT NULL,
  region_prefix text NOT NULL CHECK (region_prefix ~ '^[0-9]{0,6}$'),
  active boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL
);
COMMENT ON TABLE registries.clearance_authorities IS '须出具清税信息的税务机关: 注销登记前须由辖区内每个在用税务机关答复已清税';
COMMENT ON COLUMN registries.clearance_authorities.code IS '税务机关代码 (共享交换中的标识, 如 HNTAX)';
COMMENT ON COLUMN registries.clearance_authorities.name IS '税务机关名称';
COMMENT ON COLUMN registries.clearance_authorities.region_prefix IS '管辖区划前缀: 住所区划代码以此开头的企业须经其清税 (41 全省, 4101 郑州市)';
COMMENT ON COLUMN registries.clearance_authorities.active IS '是否在用 (停用后新的注销申请不再等待其答复)';
COMMENT ON COLUMN registries.clearance_authorities.updated_at IS '最后修改时间';

CREATE TABLE registries.deregistration_requests (
  id uuid PRIMARY KEY,
  uscc text NOT NULL,
  reason text NOT NULL,
  requested_on date NOT NULL,
  required_authorities jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'completed', 'superseded')),
  requested_by_name text NOT NULL,
  requested_by_unit_id uuid,
  requested_at timestamptz NOT NULL,
  closed_at timestamptz
);
COMMENT ON TABLE registries.deregistration_requests IS '注销申请: 等待税务机关清税答复的注销登记, 全部已清税后完成注销';
COMMENT ON COLUMN registries.deregistration_requests.id IS '申请标识 (UUIDv7), 随事件发往税务机关, 清税答复引用它';
COMMENT ON COLUMN registries.deregistration_requests.uscc IS '统一社会信用代码';
COMMENT ON COLUMN registries.deregistration_requests.reason IS '注销原因';
COMMENT ON COLUMN registries.deregistration_requests.requested_on IS '申请日期';
COMMENT ON COLUMN registries.deregistration_requests.required_authorities IS '须答复清税的税务机关 (申请时按住所区划确定): [{code, name}]';
COMMENT ON COLUMN registries.deregistration_requests.status IS '状态: pending 等待清税 / completed 已注销 / superseded 已被吊销或迁出取代';
COMMENT ON COLUMN registries.deregistration_requests.requested_by_name IS '受理人姓名';
COMMENT ON COLUMN registries.deregistration_requests.requested_by_unit_id IS '受理部门 (组织目录中的单位标识)';
COMMENT ON COLUMN registries.deregistration_requests.requested_at IS '受理时间';
COMMENT ON COLUMN registries.deregistration_requests.closed_at IS '完成或取代的时间';
CREATE UNIQUE INDEX deregistration_requests_one_pending ON registries.deregistration_requests (uscc) WHERE status = 'pending';
CREATE INDEX deregistration_requests_uscc ON registries.deregistration_requests (uscc, requested_at DESC);

CREATE TABLE registries.tax_clearances (
  id uuid PRIMARY KEY,
  request_id uuid NOT NULL REFERENCES registries.deregistration_requests (id),
  authority_code text NOT NULL,
  authority_name text NOT NULL,
  cleared boolean NOT NULL,
  outstanding jsonb NOT NULL DEFAULT '[]'::jsonb,
  answer_id text NOT NULL,
  answered_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  UNIQUE (request_id, answer_id)
);
COMMENT ON TABLE registries.tax_clearances IS '清税信息: 税务机关对注销申请的每次答复 (同一税务机关以最后一次答复为准)';
COMMENT ON COLUMN registries.tax_clearances.id IS '记录标识 (UUIDv7)';
COMMENT ON COLUMN registries.tax_clearances.request_id IS '注销申请';
COMMENT ON COLUMN registries.tax_clearances.authority_code IS '答复的税务机关代码';
COMMENT ON COLUMN registries.tax_clearances.authority_name IS '答复的税务机关名称';
COMMENT ON COLUMN registries.tax_clearances.cleared IS '是否已清税';
COMMENT ON COLUMN registries.tax_clearances.outstanding IS '未清事项 (未清税时列出, 如 欠缴税款、未缴销发票)';
COMMENT ON COLUMN registries.tax_clearances.answer_id IS '税务机关的答复标识 (重复投递只记一次)';
COMMENT ON COLUMN registries.tax_clearances.answered_at IS '税务机关答复时间';
COMMENT ON COLUMN registries.tax_clearances.recorded_at IS '登记机关收到并记录的时间';

CREATE TABLE registries.tax_registrations (
  uscc text NOT NULL,
  authority_code text NOT NULL,
  authority_name text NOT NULL,
  competent_authority text NOT NULL,
  business_address text NOT NULL DEFAULT '',
  finance_officer text NOT NULL DEFAULT '',
  accounting_method text NOT NULL DEFAULT '',
  answered_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (uscc, authority_code)
);
COMMENT ON TABLE registries.tax_registrations IS '税务机关反馈的税务登记信息: 主管税务机关名称、生产经营地、财务负责人、核算方式';
COMMENT ON COLUMN registries.tax_registrations.uscc IS '统一社会信用代码';
COMMENT ON COLUMN registries.tax_registrations.authority_code IS '反馈的税务机关代码';
COMMENT ON COLUMN registries.tax_registrations.authority_name IS '反馈的税务机关名称';
COMMENT ON COLUMN registries.tax_registrations.competent_authority IS '主管税务机关名称';
COMMENT ON COLUMN registries.tax_registrations.business_address IS '生产经营地';
COMMENT ON COLUMN registries.tax_registrations.finance_officer IS '财务负责人';
COMMENT ON COLUMN registries.tax_registrations.accounting_method IS '核算方式: 独立核算 / 非独立核算';
COMMENT ON COLUMN registries.tax_registrations.answered_at IS '税务机关反馈时间';
COMMENT ON COLUMN registries.tax_registrations.recorded_at IS '登记机关收到并记录的时间';

CREATE SCHEMA IF NOT EXISTS tax;

CREATE TABLE tax.bureaus (
  code text PRIMARY KEY CHECK (code ~ '^[A-Z0-9_-]{2,32}$'),
  name text NOT NULL,
  unit_id uuid NOT NULL,
  region_prefix text NOT NULL CHECK (region_prefix ~ '^[0-9]{0,6}$'),
  subsystem_id uuid NOT NULL,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL
);
COMMENT ON TABLE tax.bureaus IS '税务机关的接收系统: 订阅企业登记信息的税务局及其交换子系统';
COMMENT ON COLUMN tax.bureaus.code IS '税务机关代码 (回调地址和清税答复中的标识)';
COMMENT ON COLUMN tax.bureaus.name IS '税务机关名称';
COMMENT ON COLUMN tax.bureaus.unit_id IS '组织目录中的单位 (其工作人员处理本局的待办)';
COMMENT ON COLUMN tax.bureaus.region_prefix IS '管辖区划前缀: 只接收住所在此区划内的企业';
COMMENT ON COLUMN tax.bureaus.subsystem_id IS '本局在共享交换平台的子系统 (订阅方)';
COMMENT ON COLUMN tax.bureaus.is_demo IS '是否为演示数据';
COMMENT ON COLUMN tax.bureaus.created_at IS '接入时间';

CREATE TABLE tax.received_events (
  bureau_code text NOT NULL REFERENCES tax.bureaus (code),
  event_id text NOT NULL,
  topic text NOT NULL,
  type text NOT NULL,
  uscc text NOT NULL,
  in_jurisdiction boolean NOT NULL,
  committed_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (bureau_code, event_id)
);
COMMENT ON TABLE tax.received_events IS '税务机关收到的交换事件: 每个事件每局一行 (重复投递只处理一次), 用于计算登记到税务端的时延';
COMMENT ON COLUMN tax.received_events.bureau_code IS '接收的税务机关';
COMMENT ON COLUMN tax.received_events.event_id IS '交换事件标识 (X-Egov-Event-Id, 幂等键)';
COMMENT ON COLUMN tax.received_events.topic IS '主题资源代码';
COMMENT ON COLUMN tax.received_events.type IS '事项: registered 设立 / changed 变更 / correction 更正 / deregistration_requested 申请注销 / deregistered 注销 / revoked 吊销 / moved_out 迁出';
COMMENT ON COLUMN tax.received_events.uscc IS '统一社会信用代码';
COMMENT ON COLUMN tax.received_events.in_jurisdiction IS '企业住所是否在本局管辖区划内 (否: 确认收到但不进入待办)';
COMMENT ON COLUMN tax.received_events.committed_at IS '登记机关提交登记的时间 (事件中的登记时间, 无则为发布时间)';
COMMENT ON COLUMN tax.received_events.received_at IS '税务端保存的时间';
CREATE INDEX received_events_received ON tax.received_events (received_at);

CREATE TABLE tax.enterprises (
  id uuid PRIMARY KEY,
  bureau_code text NOT NULL REFERENCES tax.bureaus (code),
  uscc text NOT NULL,
  name text NOT NULL,
  region_code text NOT NULL,
  registry_status text NOT NULL,
  data jsonb NOT NULL,
  last_type text NOT NULL,
  last_changes jsonb,
  intake_status text NOT NULL CHECK (intake_status IN ('new', 'changed', 'accepted')),
  competent_authority text,
  business_address text,
  finance_officer text,
  accounting_method text CHECK (accounting_method IN ('独立核算', '非独立核算')),
  accepted_by_name text,
  accepted_at timestamptz,
  first_received_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (bureau_code, uscc)
);
COMMENT ON TABLE tax.enterprises IS '税务机关接收的企业: 市场监管推送的登记信息及本局的接收、主管税务机关分配';
COMMENT ON COLUMN tax.enterprises.id IS '记录标识 (UUIDv7)';
COMMENT ON COLUMN tax.enterprises.bureau_code IS '接收的税务机关';
COMMENT ON COLUMN tax.enterprises.uscc IS '统一社会信用代码';
COMMENT ON COLUMN tax.enterprises.name IS '企业名称 (最新)';
COMMENT ON COLUMN tax.enterprises.region_code IS '住所所在行政区划代码';
COMMENT ON COLUMN tax.enterprises.registry_status IS '登记状态 (市场监管): active 存续 / cancelled 注销 / revoked 吊销 / moved_out 迁出';
COMMENT ON COLUMN tax.enterprises.data IS '最近一次推送的登记信息 (名称、类型、法定代表人、注册资本、经营范围、行业、住所等)';
COMMENT ON COLUMN tax.enterprises.last_type IS '最近一次推送的事项';
COMMENT ON COLUMN tax.enterprises.last_changes IS '最近一次变更的事项: 字段 -> {from, to}';
COMMENT ON COLUMN tax.enterprises.intake_status IS '接收状态: new 新设立待接收 / changed 有变更待确认 / accepted 已接收';
COMMENT ON COLUMN tax.enterprises.competent_authority IS '主管税务机关名称 (接收时分配)';
COMMENT ON COLUMN tax.enterprises.business_address IS '生产经营地';
COMMENT ON COLUMN tax.enterprises.finance_officer IS '财务负责人';
COMMENT ON COLUMN tax.enterprises.accounting_method IS '核算方式: 独立核算 / 非独立核算';
COMMENT ON COLUMN tax.enterprises.accepted_by_name IS '确认接收的工作人员';
COMMENT ON COLUMN tax.enterprises.accepted_at IS '确认接收的时间';
COMMENT ON COLUMN tax.enterprises.first_received_at IS '首次收到的时间';
COMMENT ON COLUMN tax.enterprises.updated_at IS '最后修改时间';
CREATE INDEX enterprises_inbox ON tax.enterprises (bureau_code, intake_status, updated_at DESC);

CREATE TABLE tax.clearance_requests (
  id uuid PRIMARY KEY,
  bureau_code text NOT NULL REFERENCES tax.bureaus (code),
  request_id uuid NOT NULL,
  uscc text NOT NULL,
  name text NOT NULL,
  reason text NOT NULL,
  requested_on date NOT NULL,
  received_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'answered', 'closed')),
  cleared boolean,
  outstanding jsonb NOT NULL DEFAULT '[]'::jsonb,
  answered_by_name text,
  answered_at timestamptz,
  UNIQUE (bureau_code, request_id)
);
COMMENT ON TABLE tax.clearance_requests IS '清税待办: 市场监管转来的注销申请, 本局答复已清税或列出未清事项';
COMMENT ON COLUMN tax.clearance_requests.id IS '待办标识 (UUIDv7)';
COMMENT ON COLUMN tax.clearance_requests.bureau_code IS '答复的税务机关';
COMMENT ON COLUMN tax.clearance_requests.request_id IS '登记机关的注销申请标识';
COMMENT ON COLUMN tax.clearance_requests.uscc IS '统一社会信用代码';
COMMENT ON COLUMN tax.clearance_requests.name IS '企业名称';
COMMENT ON COLUMN tax.clearance_requests.reason IS '注销原因';
COMMENT ON COLUMN tax.clearance_requests.requested_on IS '申请日期';
COMMENT ON COLUMN tax.clearance_requests.received_at IS '收到的时间';
COMMENT ON COLUMN tax.clearance_requests.status IS '状态: pending 待答复 / answered 已答复 (未清税时可再次答复) / closed 登记机关已注销或取代';
COMMENT ON COLUMN tax.clearance_requests.cleared IS '最后一次答复是否已清税';
COMMENT ON COLUMN tax.clearance_requests.outstanding IS '未清事项';
COMMENT ON COLUMN tax.clearance_requests.answered_by_name IS '答复的工作人员';
COMMENT ON COLUMN tax.clearance_requests.answered_at IS '答复时间';
CREATE INDEX clearance_requests_inbox ON tax.clearance_requests (bureau_code, status, received_at DESC);
