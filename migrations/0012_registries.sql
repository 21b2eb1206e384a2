-- Base registries (基础信息库): the population registry (人口基础信息库) and the legal-entity
-- registry (法人单位基础信息库), with history, the read access log ("who used my data") and data
-- quality issues. Regions are validated against the directory module through its API (no foreign
-- key across schemas). Layout for 100M+ persons: see docs/OPERATIONS.md (registries section).
CREATE SCHEMA IF NOT EXISTS registries;
COMMENT ON SCHEMA registries IS '基础信息库: 人口、法人单位、访问记录和数据质量';

-- Persons: hash-partitioned by the resident ID number (16 partitions; ~6M rows each at 100M).
-- Every lookup by ID touches exactly one partition; the same key distributes the table on Citus.
CREATE TABLE registries.persons (
  id_number text NOT NULL CHECK (id_number ~ '^[0-9]{17}[0-9X]$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  former_names text[] NOT NULL DEFAULT '{}',
  sex text NOT NULL CHECK (sex IN ('male', 'female')),
  ethnicity text NOT NULL CHECK (ethnicity ~ '^[0-9]{2}$'),
  birth_date date NOT NULL,
  region_code text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
  address text NOT NULL DEFAULT '',
  household_id text,
  relation_to_head text,
  education text,
  marital_status text,
  status text NOT NULL DEFAULT 'normal' CHECK (status IN ('normal', 'deceased', 'moved_out')),
  status_date date,
  moved_to text,
  source_unit_id uuid,
  source_name text NOT NULL,
  source_at timestamptz NOT NULL,
  field_sources jsonb NOT NULL DEFAULT '{}'::jsonb,
  version integer NOT NULL DEFAULT 1,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (id_number)
) PARTITION BY HASH (id_number);
COMMENT ON TABLE registries.persons IS '人口基础信息: 以公民身份号码为主键, 按号码哈希分区';
COMMENT ON COLUMN registries.persons.id_number IS '公民身份号码 (GB 11643, 18 位, 校验码大写 X)';
COMMENT ON COLUMN registries.persons.name IS '姓名';
COMMENT ON COLUMN registries.persons.former_names IS '曾用名 (按时间先后)';
COMMENT ON COLUMN registries.persons.sex IS '性别: male 男, female 女 (须与身份号码第 17 位奇偶一致)';
COMMENT ON COLUMN registries.persons.ethnicity IS '民族代码 (GB/T 3304, 两位数字)';
COMMENT ON COLUMN registries.persons.birth_date IS '出生日期 (须与身份号码第 7-14 位一致)';
COMMENT ON COLUMN registries.persons.region_code IS '户籍地行政区划代码 (GB/T 2260, 须为组织目录中的区划)';
COMMENT ON COLUMN registries.persons.address IS '户籍地址';
COMMENT ON COLUMN registries.persons.household_id IS '户号 (同一户的成员相同)';
COMMENT ON COLUMN registries.persons.relation_to_head IS '与户主关系代码 (GB/T 4761), 02 为户主';
COMMENT ON COLUMN registries.persons.education IS '学历代码 (GB/T 4658 大类)';
COMMENT ON COLUMN registries.persons.marital_status IS '婚姻状况代码 (GB/T 2261.2)';
COMMENT ON COLUMN registries.persons.status IS '人员状态: normal 正常, deceased 死亡, moved_out 迁出';
COMMENT ON COLUMN registries.persons.status_date IS '死亡或迁出日期';
COMMENT ON COLUMN registries.persons.moved_to IS '迁往地 (迁出时登记)';
COMMENT ON COLUMN registries.persons.source_unit_id IS '来源部门 (组织目录中的单位标识): 数据由其提供并负责更正';
COMMENT ON COLUMN registries.persons.source_name IS '来源部门名称';
COMMENT ON COLUMN registries.persons.source_at IS '整条记录最近一次由来源部门整体提供 (导入或登记) 的时间';
COMMENT ON COLUMN registries.persons.field_sources IS '此后单独变更的字段: 字段名 -> {来源部门, 部门名称, 时间}; 未列出的字段以 source_* 为准';
COMMENT ON COLUMN registries.persons.version IS '版本号, 每次变更加 1 (乐观锁)';
COMMENT ON COLUMN registries.persons.is_demo IS '演示或合成数据 (由合成数据生成器产生), 页面上标注 演示数据';
COMMENT ON COLUMN registries.persons.created_at IS '入库时间';
COMMENT ON COLUMN registries.persons.updated_at IS '最近变更时间';
CREATE TABLE registries.persons_p00 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 0);
COMMENT ON TABLE registries.persons_p00 IS '人口基础信息分区 00 (按公民身份号码哈希, 余数 0)';
CREATE TABLE registries.persons_p01 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 1);
COMMENT ON TABLE registries.persons_p01 IS '人口基础信息分区 01 (按公民身份号码哈希, 余数 1)';
CREATE TABLE registries.persons_p02 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 2);
COMMENT ON TABLE registries.persons_p02 IS '人口基础信息分区 02 (按公民身份号码哈希, 余数 2)';
CREATE TABLE registries.persons_p03 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 3);
COMMENT ON TABLE registries.persons_p03 IS '人口基础信息分区 03 (按公民身份号码哈希, 余数 3)';
CREATE TABLE registries.persons_p04 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 4);
COMMENT ON TABLE registries.persons_p04 IS '人口基础信息分区 04 (按公民身份号码哈希, 余数 4)';
CREATE TABLE registries.persons_p05 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 5);
COMMENT ON TABLE registries.persons_p05 IS '人口基础信息分区 05 (按公民身份号码哈希, 余数 5)';
CREATE TABLE registries.persons_p06 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 6);
COMMENT ON TABLE registries.persons_p06 IS '人口基础信息分区 06 (按公民身份号码哈希, 余数 6)';
CREATE TABLE registries.persons_p07 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 7);
COMMENT ON TABLE registries.persons_p07 IS '人口基础信息分区 07 (按公民身份号码哈希, 余数 7)';
CREATE TABLE registries.persons_p08 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 8);
COMMENT ON TABLE registries.persons_p08 IS '人口基础信息分区 08 (按公民身份号码哈希, 余数 8)';
CREATE TABLE registries.persons_p09 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 9);
COMMENT ON TABLE registries.persons_p09 IS '人口基础信息分区 09 (按公民身份号码哈希, 余数 9)';
CREATE TABLE registries.persons_p10 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 10);
COMMENT ON TABLE registries.persons_p10 IS '人口基础信息分区 10 (按公民身份号码哈希, 余数 10)';
CREATE TABLE registries.persons_p11 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 11);
COMMENT ON TABLE registries.persons_p11 IS '人口基础信息分区 11 (按公民身份号码哈希, 余数 11)';
CREATE TABLE registries.persons_p12 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 12);
COMMENT ON TABLE registries.persons_p12 IS '人口基础信息分区 12 (按公民身份号码哈希, 余数 12)';
CREATE TABLE registries.persons_p13 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 13);
COMMENT ON TABLE registries.persons_p13 IS '人口基础信息分区 13 (按公民身份号码哈希, 余数 13)';
CREATE TABLE registries.persons_p14 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 14);
COMMENT ON TABLE registries.persons_p14 IS '人口基础信息分区 14 (按公民身份号码哈希, 余数 14)';
CREATE TABLE registries.persons_p15 PARTITION OF registries.persons FOR VALUES WITH (MODULUS 16, REMAINDER 15);
COMMENT ON TABLE registries.persons_p15 IS '人口基础信息分区 15 (按公民身份号码哈希, 余数 15)';
CREATE INDEX persons_name_region_idx ON registries.persons (name, region_code);
CREATE INDEX persons_household_idx ON registries.persons (household_id) WHERE household_id IS NOT NULL;

CREATE TABLE registries.person_events (
  id uuid PRIMARY KEY,
  id_number text NOT NULL,
  type text NOT NULL,
  occurred_on date,
  changes jsonb NOT NULL DEFAULT '{}'::jsonb,
  note text,
  source_unit_id uuid,
  source_name text NOT NULL,
  actor_user_id uuid,
  actor_name text NOT NULL,
  request_id text NOT NULL,
  recorded_at timestamptz NOT NULL
);
COMMENT ON TABLE registries.person_events IS '人口变动历史: 出生、死亡、迁入、迁出、更名、分户、合户、更正, 每次一行 (保留变更前后的值)';
COMMENT ON COLUMN registries.person_events.id IS '事件标识 (UUIDv7)';
COMMENT ON COLUMN registries.person_events.id_number IS '公民身份号码';
COMMENT ON COLUMN registries.person_events.type IS '事件类型: birth, death, move_in, move_out, name_change, household_split, household_merge, correction, import';
COMMENT ON COLUMN registries.person_events.occurred_on IS '事件发生日期 (如死亡日期、迁出日期)';
COMMENT ON COLUMN registries.person_events.changes IS '变更的字段: 字段名 -> {from, to}';
COMMENT ON COLUMN registries.person_events.note IS '说明 (更正原因等)';
COMMENT ON COLUMN registries.person_events.source_unit_id IS '来源部门';
COMMENT ON COLUMN registries.person_events.source_name IS '来源部门名称';
COMMENT ON COLUMN registries.person_events.actor_user_id IS '经办人账号标识';
COMMENT ON COLUMN registries.person_events.actor_name IS '经办人姓名';
COMMENT ON COLUMN registries.person_events.request_id IS '请求标识 (与审计日志对应)';
COMMENT ON COLUMN registries.person_events.recorded_at IS '登记时间';
CREATE INDEX person_events_person_idx ON registries.person_events (id_number, recorded_at DESC);

-- Legal entities (法人单位)
CREATE TABLE registries.entities (
  uscc text PRIMARY KEY CHECK (length(uscc) = 18),
  uscc_valid boolean NOT NULL,
  uscc_problem text,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  entity_type text NOT NULL,
  legal_rep_name text NOT NULL,
  legal_rep_id_number text CHECK (legal_rep_id_number IS NULL OR legal_rep_id_number ~ '^[0-9]{17}[0-9X]$'),
  registered_capital numeric(20, 2),
  currency text NOT NULL DEFAULT 'CNY' CHECK (currency ~ '^[A-Z]{3}$'),
  established_on date NOT NULL,
  business_scope text NOT NULL DEFAULT '',
  industry_code text NOT NULL CHECK (industry_code ~ '^[0-9]{2}$'),
  region_code text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
  address text NOT NULL DEFAULT '',
  authority_name text NOT NULL,
  authority_unit_id uuid,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'cancelled', 'moved_out')),
  status_date date,
  status_reason text,
  source_unit_id uuid,
  source_name text NOT NULL,
  source_at timestamptz NOT NULL,
  field_sources jsonb NOT NULL DEFAULT '{}'::jsonb,
  version integer NOT NULL DEFAULT 1,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
COMMENT ON TABLE registries.entities IS '法人单位基础信息: 以统一社会信用代码为主键; 未通过校验的存量代码保留并标记';
COMMENT ON COLUMN registries.entities.uscc IS '统一社会信用代码 (GB 32100, 18 位)';
COMMENT ON COLUMN registries.entities.uscc_valid IS '代码是否通过 GB 32100 校验; 否则为存量问题代码, 列入数据质量问题';
COMMENT ON COLUMN registries.entities.uscc_problem IS '校验未通过的原因';
COMMENT ON COLUMN registries.entities.name IS '名称';
COMMENT ON COLUMN registries.entities.entity_type IS '主体类型代码 (见模块代码表)';
COMMENT ON COLUMN registries.entities.legal_rep_name IS '法定代表人 (负责人、经营者) 姓名';
COMMENT ON COLUMN registries.entities.legal_rep_id_number IS '法定代表人公民身份号码 (关联人口基础信息)';
COMMENT ON COLUMN registries.entities.registered_capital IS '注册资本 (万元)';
COMMENT ON COLUMN registries.entities.currency IS '注册资本币种 (ISO 4217)';
COMMENT ON COLUMN registries.entities.established_on IS '成立日期';
COMMENT ON COLUMN registries.entities.business_scope IS '经营范围';
COMMENT ON COLUMN registries.entities.industry_code IS '行业代码 (GB/T 4754-2017 大类, 两位数字; 门类由大类推出)';
COMMENT ON COLUMN registries.entities.region_code IS '登记住所所在行政区划代码 (GB/T 2260)';
COMMENT ON COLUMN registries.entities.address IS '住所';
COMMENT ON COLUMN registries.entities.authority_name IS '登记机关名称';
COMMENT ON COLUMN registries.entities.authority_unit_id IS '登记机关 (组织目录中的单位标识)';
COMMENT ON COLUMN registries.entities.status IS '登记状态: active 存续(在业), revoked 吊销, cancelled 注销, moved_out 迁出';
COMMENT ON COLUMN registries.entities.status_date IS '吊销、注销或迁出日期';
COMMENT ON COLUMN registries.entities.status_reason IS '吊销、注销或迁出原因';
COMMENT ON COLUMN registries.entities.source_unit_id IS '来源部门';
COMMENT ON COLUMN registries.entities.source_name IS '来源部门名称';
COMMENT ON COLUMN registries.entities.source_at IS '整条记录最近一次由来源部门整体提供的时间';
COMMENT ON COLUMN registries.entities.field_sources IS '此后单独变更的字段: 字段名 -> {来源部门, 部门名称, 时间}';
COMMENT ON COLUMN registries.entities.version IS '版本号, 每次变更加 1';
COMMENT ON COLUMN registries.entities.is_demo IS '演示或合成数据';
COMMENT ON COLUMN registries.entities.created_at IS '入库时间';
COMMENT ON COLUMN registries.entities.updated_at IS '最近变更时间';
CREATE INDEX entities_name_region_idx ON registries.entities (name, region_code);
CREATE INDEX entities_legal_rep_idx ON registries.entities (legal_rep_id_number) WHERE legal_rep_id_number IS NOT NULL;

CREATE TABLE registries.entity_changes (
  id uuid PRIMARY KEY,
  uscc text NOT NULL,
  type text NOT NULL,
  occurred_on date,
  changes jsonb NOT NULL DEFAULT '{}'::jsonb,
  note text,
  source_unit_id uuid,
  source_name text NOT NULL,
  actor_user_id uuid,
  actor_name text NOT NULL,
  request_id text NOT NULL,
  recorded_at timestamptz NOT NULL
);
COMMENT ON TABLE registries.entity_changes IS '法人变更历史: 设立、变更、注销、吊销、迁出、更正, 每次一行';
COMMENT ON COLUMN registries.entity_changes.id IS '记录标识 (UUIDv7)';
COMMENT ON COLUMN registries.entity_changes.uscc IS '统一社会信用代码';
COMMENT ON COLUMN registries.entity_changes.type IS '类型: registered, changed, deregistered, revoked, moved_out, correction, import';
COMMENT ON COLUMN registries.entity_changes.occurred_on IS '核准日期';
COMMENT ON COLUMN registries.entity_changes.changes IS '变更事项: 字段名 -> {from, to}';
COMMENT ON COLUMN registries.entity_changes.note IS '说明';
COMMENT ON COLUMN registries.entity_changes.source_unit_id IS '来源部门';
COMMENT ON COLUMN registries.entity_changes.source_name IS '来源部门名称';
COMMENT ON COLUMN registries.entity_changes.actor_user_id IS '经办人账号标识';
COMMENT ON COLUMN registries.entity_changes.actor_name IS '经办人姓名';
COMMENT ON COLUMN registries.entity_changes.request_id IS '请求标识';
COMMENT ON COLUMN registries.entity_changes.recorded_at IS '登记时间';
CREATE INDEX entity_changes_uscc_idx ON registries.entity_changes (uscc, recorded_at DESC);

CREATE TABLE registries.annual_reports (
  uscc text NOT NULL,
  year integer NOT NULL CHECK (year BETWEEN 1990 AND 2100),
  submitted_on date NOT NULL,
  employees integer CHECK (employees >= 0),
  revenue numeric(20, 2),
  total_assets numeric(20, 2),
  operating_status text NOT NULL DEFAULT '开业',
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (uscc, year)
);
COMMENT ON TABLE registries.annual_reports IS '年度报告: 每个主体每年一份';
COMMENT ON COLUMN registries.annual_reports.uscc IS '统一社会信用代码';
COMMENT ON COLUMN registries.annual_reports.year IS '报告年度';
COMMENT ON COLUMN registries.annual_reports.submitted_on IS '报送日期';
COMMENT ON COLUMN registries.annual_reports.employees IS '从业人数';
COMMENT ON COLUMN registries.annual_reports.revenue IS '营业总收入 (万元)';
COMMENT ON COLUMN registries.annual_reports.total_assets IS '资产总额 (万元)';
COMMENT ON COLUMN registries.annual_reports.operating_status IS '经营状态 (开业、歇业、清算等)';
COMMENT ON COLUMN registries.annual_reports.recorded_at IS '登记时间';

CREATE TABLE registries.abnormal_entries (
  id uuid PRIMARY KEY,
  uscc text NOT NULL,
  reason text NOT NULL,
  listed_on date NOT NULL,
  listed_by text NOT NULL,
  removed_on date,
  removal_reason text,
  recorded_at timestamptz NOT NULL
);
COMMENT ON TABLE registries.abnormal_entries IS '经营异常名录: 列入与移出';
COMMENT ON COLUMN registries.abnormal_entries.id IS '记录标识';
COMMENT ON COLUMN registries.abnormal_entries.uscc IS '统一社会信用代码';
COMMENT ON COLUMN registries.abnormal_entries.reason IS '列入原因';
COMMENT ON COLUMN registries.abnormal_entries.listed_on IS '列入日期';
COMMENT ON COLUMN registries.abnormal_entries.listed_by IS '作出决定的机关';
COMMENT ON COLUMN registries.abnormal_entries.removed_on IS '移出日期';
COMMENT ON COLUMN registries.abnormal_entries.removal_reason IS '移出原因';
COMMENT ON COLUMN registries.abnormal_entries.recorded_at IS '登记时间';
CREATE INDEX abnormal_entries_uscc_idx ON registries.abnormal_entries (uscc, listed_on DESC);

-- Access log: every read of a person or entity record (who, which unit/system, when, purpose).
CREATE TABLE registries.access_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  accessed_at timestamptz NOT NULL,
  record_type text NOT NULL CHECK (record_type IN ('person', 'entity')),
  record_key text NOT NULL,
  actor_kind text NOT NULL,
  actor_user_id uuid,
  actor_name text NOT NULL,
  unit_id uuid,
  unit_name text NOT NULL DEFAULT '',
  channel text NOT NULL,
  purpose text,
  full_view boolean NOT NULL,
  request_id text NOT NULL
);
COMMENT ON TABLE registries.access_log IS '访问记录: 每次查询到一条人口或法人记录写一行 ("谁使用了我的数据")';
COMMENT ON COLUMN registries.access_log.id IS '序号';
COMMENT ON COLUMN registries.access_log.accessed_at IS '访问时间';
COMMENT ON COLUMN registries.access_log.record_type IS '记录类型: person 人口, entity 法人';
COMMENT ON COLUMN registries.access_log.record_key IS '公民身份号码或统一社会信用代码';
COMMENT ON COLUMN registries.access_log.actor_kind IS '访问者类型: staff 工作人员, service 业务系统, system 系统';
COMMENT ON COLUMN registries.access_log.actor_user_id IS '访问者账号标识 (业务系统为其服务账号)';
COMMENT ON COLUMN registries.access_log.actor_name IS '访问者姓名或业务系统名称';
COMMENT ON COLUMN registries.access_log.unit_id IS '访问者所在单位';
COMMENT ON COLUMN registries.access_log.unit_name IS '访问者所在单位名称';
COMMENT ON COLUMN registries.access_log.channel IS '途径: api 接口, batch 批量接口, page 工作台页面, search 检索结果';
COMMENT ON COLUMN registries.access_log.purpose IS '访问者说明的用途';
COMMENT ON COLUMN registries.access_log.full_view IS '是否查看了未脱敏的完整信息';
COMMENT ON COLUMN registries.access_log.request_id IS '请求标识';
CREATE INDEX access_log_record_idx ON registries.access_log (record_type, record_key, accessed_at DESC);

-- Data quality issues, assigned to the source department.
CREATE TABLE registries.quality_issues (
  id uuid PRIMARY KEY,
  record_type text NOT NULL CHECK (record_type IN ('person', 'entity')),
  record_key text NOT NULL,
  rule text NOT NULL,
  message text NOT NULL,
  source_unit_id uuid,
  source_name text NOT NULL,
  region_code text NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
  detected_at timestamptz NOT NULL,
  resolved_at timestamptz,
  resolved_by_name text,
  resolution_note text
);
COMMENT ON TABLE registries.quality_issues IS '数据质量问题: 重复、不一致、代码不在代码表中等, 交来源部门处理';
COMMENT ON COLUMN registries.quality_issues.id IS '问题标识';
COMMENT ON COLUMN registries.quality_issues.record_type IS '记录类型: person 或 entity';
COMMENT ON COLUMN registries.quality_issues.record_key IS '公民身份号码或统一社会信用代码';
COMMENT ON COLUMN registries.quality_issues.rule IS '检查规则代码 (见模块 QUALITY_RULES)';
COMMENT ON COLUMN registries.quality_issues.message IS '问题说明';
COMMENT ON COLUMN registries.quality_issues.source_unit_id IS '负责处理的来源部门';
COMMENT ON COLUMN registries.quality_issues.source_name IS '来源部门名称';
COMMENT ON COLUMN registries.quality_issues.region_code IS '记录所属区划 (辖区可见性)';
COMMENT ON COLUMN registries.quality_issues.status IS '状态: open 待处理, resolved 已处理, dismissed 已核实无误';
COMMENT ON COLUMN registries.quality_issues.detected_at IS '发现时间';
COMMENT ON COLUMN registries.quality_issues.resolved_at IS '处理时间';
COMMENT ON COLUMN registries.quality_issues.resolved_by_name IS '处理人';
COMMENT ON COLUMN registries.quality_issues.resolution_note IS '处理说明';
CREATE UNIQUE INDEX quality_issues_open_uq ON registries.quality_issues (record_type, record_key, rule) WHERE status = 'open';
CREATE INDEX quality_issues_unit_idx ON registries.quality_issues (source_unit_id, status, detected_at DESC);
