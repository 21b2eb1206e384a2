-- Data sharing and exchange platform (数据共享交换平台), core: the members and their systems
-- (subsystems) with X-Road identifiers INSTANCE/CLASS/MEMBER/SUBSYSTEM, their credentials, groups of
-- subsystems, the resource catalog (政务信息资源目录, per the 2017 compilation guide) with the
-- endpoints of API resources, access applications for 有条件共享 resources and the grants that
-- the gateway checks. The message log, event delivery and the tax flow have their own migrations.
CREATE SCHEMA IF NOT EXISTS exchange;

CREATE TABLE exchange.members (
  id uuid PRIMARY KEY,
  member_class text NOT NULL CHECK (member_class IN ('GOV', 'COM', 'NGO')),
  member_code text NOT NULL CHECK (member_code ~ '^[0-9A-Z]{4,32}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 2 AND 200),
  unit_id uuid,
  region_code text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  UNIQUE (member_class, member_code)
);
COMMENT ON TABLE exchange.members IS '交换成员: 接入共享交换平台的机构 (政务部门、企业等), 对应 X-Road 标识的 CLASS/MEMBER 部分';
COMMENT ON COLUMN exchange.members.id IS '成员标识 (UUID)';
COMMENT ON COLUMN exchange.members.member_class IS '成员类别: GOV 政务部门 / COM 企业 / NGO 社会组织';
COMMENT ON COLUMN exchange.members.member_code IS '成员代码: 统一社会信用代码或组织目录中的单位代码';
COMMENT ON COLUMN exchange.members.name IS '成员名称';
COMMENT ON COLUMN exchange.members.unit_id IS '对应组织目录中的单位 (政务部门必填)';
COMMENT ON COLUMN exchange.members.region_code IS '所在行政区划代码 (GB/T 2260), 决定哪些管理员可见';
COMMENT ON COLUMN exchange.members.is_demo IS '是否为演示数据';
COMMENT ON COLUMN exchange.members.created_at IS '接入时间';

CREATE TABLE exchange.subsystems (
  id uuid PRIMARY KEY,
  member_id uuid NOT NULL REFERENCES exchange.members (id),
  code text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 2 AND 200),
  description text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at timestamptz NOT NULL,
  UNIQUE (member_id, code)
);
COMMENT ON TABLE exchange.subsystems IS '成员的信息系统 (子系统): 调用服务和提供服务的主体, X-Road 标识 INSTANCE/CLASS/MEMBER/SUBSYSTEM';
COMMENT ON COLUMN exchange.subsystems.id IS '子系统标识 (UUID)';
COMMENT ON COLUMN exchange.subsystems.member_id IS '所属成员';
COMMENT ON COLUMN exchange.subsystems.code IS '子系统代码 (成员内唯一, 字母数字下划线连字符)';
COMMENT ON COLUMN exchange.subsystems.name IS '系统名称';
COMMENT ON COLUMN exchange.subsystems.description IS '系统说明';
COMMENT ON COLUMN exchange.subsystems.status IS '状态: active 启用 / disabled 停用 (停用后不能调用也不能提供服务)';
COMMENT ON COLUMN exchange.subsystems.created_at IS '登记时间';

CREATE TABLE exchange.credentials (
  id uuid PRIMARY KEY,
  subsystem_id uuid NOT NULL REFERENCES exchange.subsystems (id),
  kind text NOT NULL CHECK (kind IN ('hmac_sm3', 'sm2')),
  key_id text NOT NULL UNIQUE CHECK (key_id ~ '^[A-Za-z0-9_-]{8,64}$'),
  secret_sealed text,
  public_key_pem text,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_used_at timestamptz,
  CHECK ((kind = 'hmac_sm3' AND secret_sealed IS NOT NULL AND public_key_pem IS NULL) OR (kind = 'sm2' AND public_key_pem IS NOT NULL AND secret_sealed IS NULL))
);
COMMENT ON TABLE exchange.credentials IS '子系统的接入凭证: 网关用它验证请求签名 (HMAC-SM3 共享密钥或 SM2 公钥)';
COMMENT ON COLUMN exchange.credentials.id IS '凭证标识 (UUID)';
COMMENT ON COLUMN exchange.credentials.subsystem_id IS '所属子系统';
COMMENT ON COLUMN exchange.credentials.kind IS '签名方式: hmac_sm3 共享密钥 / sm2 公钥';
COMMENT ON COLUMN exchange.credentials.key_id IS '密钥编号 (请求签名头中的 keyId)';
COMMENT ON COLUMN exchange.credentials.secret_sealed IS 'HMAC 密钥, 以平台 SM4 密钥加密保存 (明文只在签发时显示一次)';
COMMENT ON COLUMN exchange.credentials.public_key_pem IS 'SM2 公钥 (PEM)';
COMMENT ON COLUMN exchange.credentials.created_at IS '签发时间';
COMMENT ON COLUMN exchange.credentials.revoked_at IS '吊销时间 (吊销后签名不再被接受)';
COMMENT ON COLUMN exchange.credentials.last_used_at IS '最近一次验证通过的时间 (按分钟更新)';
CREATE INDEX credentials_subsystem ON exchange.credentials (subsystem_id);

CREATE TABLE exchange.groups (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]{1,63}$'),
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL
);
COMMENT ON TABLE exchange.groups IS '子系统分组: 可以整组授权 (例如 全省税务系统)';
COMMENT ON COLUMN exchange.groups.id IS '分组标识 (UUID)';
COMMENT ON COLUMN exchange.groups.code IS '分组代码';
COMMENT ON COLUMN exchange.groups.name IS '分组名称';
COMMENT ON COLUMN exchange.groups.description IS '分组说明';
COMMENT ON COLUMN exchange.groups.created_at IS '创建时间';

CREATE TABLE exchange.group_members (
  group_id uuid NOT NULL REFERENCES exchange.groups (id),
  subsystem_id uuid NOT NULL REFERENCES exchange.subsystems (id),
  added_at timestamptz NOT NULL,
  PRIMARY KEY (group_id, subsystem_id)
);
COMMENT ON TABLE exchange.group_members IS '分组成员: 哪些子系统属于哪个分组';
COMMENT ON COLUMN exchange.group_members.group_id IS '分组';
COMMENT ON COLUMN exchange.group_members.subsystem_id IS '子系统';
COMMENT ON COLUMN exchange.group_members.added_at IS '加入时间';
CREATE INDEX group_members_subsystem ON exchange.group_members (subsystem_id);

CREATE TABLE exchange.resources (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Za-z/-]{3,64}$'),
  catalog_type text NOT NULL CHECK (catalog_type IN ('base', 'thematic', 'department')),
  classification text NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 2 AND 200),
  provider_subsystem_id uuid NOT NULL REFERENCES exchange.subsystems (id),
  abstract text NOT NULL DEFAULT '',
  format text NOT NULL,
  items jsonb NOT NULL DEFAULT '[]'::jsonb,
  kind text NOT NULL CHECK (kind IN ('api', 'topic', 'dataset')),
  service_code text NOT NULL CHECK (service_code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$'),
  share_type text NOT NULL CHECK (share_type IN ('unconditional', 'conditional', 'none')),
  share_condition text NOT NULL DEFAULT '',
  share_method text NOT NULL DEFAULT '',
  legal_basis text NOT NULL DEFAULT '',
  open_type text NOT NULL DEFAULT 'closed' CHECK (open_type IN ('open', 'conditional', 'closed')),
  update_cycle text NOT NULL DEFAULT '',
  published_on date NOT NULL,
  related_codes text[] NOT NULL DEFAULT '{}',
  base_url text,
  openapi jsonb,
  log_bodies boolean NOT NULL DEFAULT false,
  timeout_ms integer NOT NULL DEFAULT 10000 CHECK (timeout_ms BETWEEN 100 AND 120000),
  rate_per_minute integer CHECK (rate_per_minute > 0),
  daily_quota integer CHECK (daily_quota > 0),
  status text NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'withdrawn')),
  is_demo boolean NOT NULL DEFAULT false,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (provider_subsystem_id, service_code),
  CHECK (share_type = 'unconditional' OR length(legal_basis) > 0),
  CHECK (kind <> 'api' OR base_url IS NOT NULL)
);
COMMENT ON TABLE exchange.resources IS '政务信息资源目录: 按《政务信息资源目录编制指南(试行)》的核心元数据登记的共享资源 (接口服务、事件主题、批量数据集)';
COMMENT ON COLUMN exchange.resources.id IS '资源标识 (UUID)';
COMMENT ON COLUMN exchange.resources.code IS '信息资源代码 (分类码 + 顺序码)';
COMMENT ON COLUMN exchange.resources.catalog_type IS '目录类型: base 基础 / thematic 主题 / department 部门';
COMMENT ON COLUMN exchange.resources.classification IS '信息资源分类 (类/项/目/细目), 如 基础信息资源/人口';
COMMENT ON COLUMN exchange.resources.name IS '信息资源名称';
COMMENT ON COLUMN exchange.resources.provider_subsystem_id IS '信息资源提供方 (提供服务的子系统; 提供方代码取其成员代码)';
COMMENT ON COLUMN exchange.resources.abstract IS '信息资源摘要';
COMMENT ON COLUMN exchange.resources.format IS '信息资源格式, 如 JSON 接口、CSV 数据集';
COMMENT ON COLUMN exchange.resources.items IS '信息项: [{name 信息项名称, type 数据类型, description 说明}]';
COMMENT ON COLUMN exchange.resources.kind IS '资源形态: api 接口服务 / topic 事件主题 / dataset 批量数据集';
COMMENT ON COLUMN exchange.resources.service_code IS '服务代码: 网关地址 /exchange/r1/{提供方子系统}/{服务代码} 中的服务部分';
COMMENT ON COLUMN exchange.resources.share_type IS '共享类型: unconditional 无条件共享 / conditional 有条件共享 / none 不予共享';
COMMENT ON COLUMN exchange.resources.share_condition IS '共享条件 (有条件共享时说明)';
COMMENT ON COLUMN exchange.resources.share_method IS '共享方式, 如 接口调用、事件订阅、数据集下载';
COMMENT ON COLUMN exchange.resources.legal_basis IS '有条件共享或不予共享的法律、行政法规或政策依据';
COMMENT ON COLUMN exchange.resources.open_type IS '开放属性: open 无条件开放 / conditional 有条件开放 / closed 不予开放';
COMMENT ON COLUMN exchange.resources.update_cycle IS '更新周期, 如 实时、每日、每月';
COMMENT ON COLUMN exchange.resources.published_on IS '发布日期';
COMMENT ON COLUMN exchange.resources.related_codes IS '关联资源代码';
COMMENT ON COLUMN exchange.resources.base_url IS '接口服务的提供方地址 (网关转发的目标), 仅 api 形态';
COMMENT ON COLUMN exchange.resources.openapi IS '接口服务的 OpenAPI 3 描述';
COMMENT ON COLUMN exchange.resources.log_bodies IS '消息日志是否保存完整请求和响应体 (默认只保存元数据和摘要值)';
COMMENT ON COLUMN exchange.resources.timeout_ms IS '网关等待提供方应答的超时 (毫秒)';
COMMENT ON COLUMN exchange.resources.rate_per_minute IS '每个授权每分钟的默认调用上限 (授权可单独规定)';
COMMENT ON COLUMN exchange.resources.daily_quota IS '每个授权每日的默认调用配额 (授权可单独规定)';
COMMENT ON COLUMN exchange.resources.status IS '状态: published 已发布 / withdrawn 已撤销';
COMMENT ON COLUMN exchange.resources.is_demo IS '是否为演示数据';
COMMENT ON COLUMN exchange.resources.version IS '版本号 (每次修改加一)';
COMMENT ON COLUMN exchange.resources.created_at IS '登记时间';
COMMENT ON COLUMN exchange.resources.updated_at IS '最后修改时间';
CREATE INDEX resources_provider ON exchange.resources (provider_subsystem_id);

CREATE TABLE exchange.endpoints (
  id uuid PRIMARY KEY,
  resource_id uuid NOT NULL REFERENCES exchange.resources (id),
  method text NOT NULL CHECK (method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
  path_template text NOT NULL CHECK (path_template ~ '^/'),
  operation_id text NOT NULL,
  summary text NOT NULL DEFAULT '',
  subject_param text,
  UNIQUE (resource_id, method, path_template),
  UNIQUE (resource_id, operation_id)
);
COMMENT ON TABLE exchange.endpoints IS '接口服务的方法 (端点): 可以按端点授权';
COMMENT ON COLUMN exchange.endpoints.id IS '端点标识 (UUID)';
COMMENT ON COLUMN exchange.endpoints.resource_id IS '所属资源';
COMMENT ON COLUMN exchange.endpoints.method IS 'HTTP 方法';
COMMENT ON COLUMN exchange.endpoints.path_template IS '路径模板, 如 /persons/{idNumber}';
COMMENT ON COLUMN exchange.endpoints.operation_id IS 'OpenAPI operationId';
COMMENT ON COLUMN exchange.endpoints.summary IS '方法说明';
COMMENT ON COLUMN exchange.endpoints.subject_param IS '标识数据主体的路径参数 (如 idNumber), 网关据此记录"谁用了我的数据"';

CREATE TABLE exchange.applications (
  id uuid PRIMARY KEY,
  resource_id uuid NOT NULL REFERENCES exchange.resources (id),
  endpoint_ids uuid[] NOT NULL DEFAULT '{}',
  client_subsystem_id uuid NOT NULL REFERENCES exchange.subsystems (id),
  purpose text NOT NULL CHECK (length(purpose) BETWEEN 4 AND 1000),
  legal_basis text NOT NULL DEFAULT '',
  requested_by uuid,
  requested_by_name text NOT NULL,
  requested_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'refused', 'withdrawn')),
  case_id uuid,
  decided_at timestamptz,
  decided_by_name text,
  decision_reason text,
  grant_id uuid
);
COMMENT ON TABLE exchange.applications IS '共享申请: 对资源的使用申请; 有条件共享的申请由提供方在 10 个工作日内答复 (办件)';
COMMENT ON COLUMN exchange.applications.id IS '申请标识 (UUID)';
COMMENT ON COLUMN exchange.applications.resource_id IS '申请的资源';
COMMENT ON COLUMN exchange.applications.endpoint_ids IS '申请的端点 (空表示整个资源)';
COMMENT ON COLUMN exchange.applications.client_subsystem_id IS '申请使用的子系统';
COMMENT ON COLUMN exchange.applications.purpose IS '使用用途';
COMMENT ON COLUMN exchange.applications.legal_basis IS '申请依据 (有条件共享必填)';
COMMENT ON COLUMN exchange.applications.requested_by IS '申请人账号';
COMMENT ON COLUMN exchange.applications.requested_by_name IS '申请人姓名 (申请时)';
COMMENT ON COLUMN exchange.applications.requested_at IS '申请时间';
COMMENT ON COLUMN exchange.applications.status IS '状态: pending 待答复 / approved 已同意 / refused 不同意 / withdrawn 已撤回';
COMMENT ON COLUMN exchange.applications.case_id IS '对应的办件 (有条件共享)';
COMMENT ON COLUMN exchange.applications.decided_at IS '答复时间';
COMMENT ON COLUMN exchange.applications.decided_by_name IS '答复人姓名';
COMMENT ON COLUMN exchange.applications.decision_reason IS '答复意见 (不同意时须说明理由)';
COMMENT ON COLUMN exchange.applications.grant_id IS '同意后生成的授权';
CREATE INDEX applications_resource ON exchange.applications (resource_id, status);
CREATE INDEX applications_client ON exchange.applications (client_subsystem_id, status);

CREATE TABLE exchange.grants (
  id uuid PRIMARY KEY,
  resource_id uuid NOT NULL REFERENCES exchange.resources (id),
  endpoint_id uuid REFERENCES exchange.endpoints (id),
  subsystem_id uuid REFERENCES exchange.subsystems (id),
  group_id uuid REFERENCES exchange.groups (id),
  purpose text NOT NULL,
  application_id uuid REFERENCES exchange.applications (id),
  rate_per_minute integer CHECK (rate_per_minute > 0),
  daily_quota integer CHECK (daily_quota > 0),
  granted_by_name text NOT NULL,
  granted_at timestamptz NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  revoked_by_name text,
  revoke_reason text,
  CHECK ((subsystem_id IS NULL) <> (group_id IS NULL))
);
COMMENT ON TABLE exchange.grants IS '访问授权: 某个子系统或分组可以调用某个资源 (或其中一个端点), 可设有效期, 可吊销';
COMMENT ON COLUMN exchange.grants.id IS '授权标识 (UUID)';
COMMENT ON COLUMN exchange.grants.resource_id IS '授权的资源';
COMMENT ON COLUMN exchange.grants.endpoint_id IS '授权的端点 (空表示资源的全部端点)';
COMMENT ON COLUMN exchange.grants.subsystem_id IS '被授权的子系统 (与分组二选一)';
COMMENT ON COLUMN exchange.grants.group_id IS '被授权的分组 (与子系统二选一)';
COMMENT ON COLUMN exchange.grants.purpose IS '授权用途';
COMMENT ON COLUMN exchange.grants.application_id IS '来源的共享申请';
COMMENT ON COLUMN exchange.grants.rate_per_minute IS '每分钟调用上限 (空则取资源的默认值)';
COMMENT ON COLUMN exchange.grants.daily_quota IS '每日调用配额 (空则取资源的默认值)';
COMMENT ON COLUMN exchange.grants.granted_by_name IS '授权人姓名';
COMMENT ON COLUMN exchange.grants.granted_at IS '授权时间';
COMMENT ON COLUMN exchange.grants.expires_at IS '到期时间 (空表示长期有效)';
COMMENT ON COLUMN exchange.grants.revoked_at IS '吊销时间';
COMMENT ON COLUMN exchange.grants.revoked_by_name IS '吊销人姓名';
COMMENT ON COLUMN exchange.grants.revoke_reason IS '吊销理由';
CREATE INDEX grants_subsystem ON exchange.grants (subsystem_id, resource_id) WHERE revoked_at IS NULL;
CREATE INDEX grants_group ON exchange.grants (group_id, resource_id) WHERE revoked_at IS NULL;
CREATE INDEX grants_resource ON exchange.grants (resource_id);
