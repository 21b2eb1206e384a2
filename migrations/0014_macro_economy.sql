-- Macro-economy (宏观经济数据库): the indicator catalog and the values of each indicator by
-- region (GB/T 2260) and period (year, quarter, month). The current value of an
-- indicator/region/period lives in `observations`; every value it superseded is kept in
-- `revisions` with who recorded it, when and why, and who superseded it, when and why.
CREATE SCHEMA IF NOT EXISTS macro_economy;

CREATE TABLE macro_economy.indicators (
  code text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{1,39}$'),
  name text NOT NULL,
  unit text NOT NULL,
  frequency text NOT NULL CHECK (frequency IN ('year', 'quarter', 'month')),
  source_unit_id uuid,
  source_unit_name text NOT NULL,
  definition text NOT NULL DEFAULT '',
  decimals integer NOT NULL DEFAULT 2 CHECK (decimals BETWEEN 0 AND 6),
  is_demo boolean NOT NULL DEFAULT false,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
COMMENT ON TABLE macro_economy.indicators IS '指标目录: 宏观经济指标的代码、名称、计量单位、频度、来源部门和指标解释';
COMMENT ON COLUMN macro_economy.indicators.code IS '指标代码 (大写字母开头, 字母数字下划线), 如 GDP';
COMMENT ON COLUMN macro_economy.indicators.name IS '指标名称';
COMMENT ON COLUMN macro_economy.indicators.unit IS '计量单位, 如 亿元、万人、%';
COMMENT ON COLUMN macro_economy.indicators.frequency IS '频度: year 年度 / quarter 季度 / month 月度';
COMMENT ON COLUMN macro_economy.indicators.source_unit_id IS '来源部门 (组织目录中的单位标识)';
COMMENT ON COLUMN macro_economy.indicators.source_unit_name IS '来源部门名称 (登记时)';
COMMENT ON COLUMN macro_economy.indicators.definition IS '指标解释 (含义、口径、计算方法)';
COMMENT ON COLUMN macro_economy.indicators.decimals IS '显示的小数位数';
COMMENT ON COLUMN macro_economy.indicators.is_demo IS '是否为演示数据';
COMMENT ON COLUMN macro_economy.indicators.version IS '版本号 (每次修改加一)';
COMMENT ON COLUMN macro_economy.indicators.created_at IS '登记时间';
COMMENT ON COLUMN macro_economy.indicators.updated_at IS '最后修改时间';

CREATE TABLE macro_economy.observations (
  indicator_code text NOT NULL REFERENCES macro_economy.indicators (code),
  region_code text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
  period text NOT NULL CHECK (period ~ '^[0-9]{4}(Q[1-4]|-(0[1-9]|1[0-2]))?$'),
  value numeric NOT NULL,
  note text NOT NULL DEFAULT '',
  revision integer NOT NULL DEFAULT 1,
  reason text NOT NULL DEFAULT '',
  recorded_by_user_id uuid,
  recorded_by_name text NOT NULL,
  recorded_at timestamptz NOT NULL,
  import_job_id uuid,
  is_demo boolean NOT NULL DEFAULT false,
  PRIMARY KEY (indicator_code, region_code, period)
);
CREATE INDEX observations_period_idx ON macro_economy.observations (indicator_code, period, region_code);
COMMENT ON TABLE macro_economy.observations IS '指标数据的现行值: 每个指标、地区、时期一个值';
COMMENT ON COLUMN macro_economy.observations.indicator_code IS '指标代码';
COMMENT ON COLUMN macro_economy.observations.region_code IS '地区 (行政区划代码, GB/T 2260)';
COMMENT ON COLUMN macro_economy.observations.period IS '时期: 年 2024 / 季 2024Q1 / 月 2024-03';
COMMENT ON COLUMN macro_economy.observations.value IS '数值 (按指标的计量单位)';
COMMENT ON COLUMN macro_economy.observations.note IS '附注 (如 初步核算数、快报数)';
COMMENT ON COLUMN macro_economy.observations.revision IS '修订次数 (首次录入为 1, 每次修订加一)';
COMMENT ON COLUMN macro_economy.observations.reason IS '录入或修订原因';
COMMENT ON COLUMN macro_economy.observations.recorded_by_user_id IS '录入人账号';
COMMENT ON COLUMN macro_economy.observations.recorded_by_name IS '录入人姓名';
COMMENT ON COLUMN macro_economy.observations.recorded_at IS '录入时间';
COMMENT ON COLUMN macro_economy.observations.import_job_id IS '来自哪个导入任务 (手工录入为空)';
COMMENT ON COLUMN macro_economy.observations.is_demo IS '是否为演示数据';

CREATE TABLE macro_economy.revisions (
  id uuid PRIMARY KEY,
  indicator_code text NOT NULL,
  region_code text NOT NULL,
  period text NOT NULL,
  revision integer NOT NULL,
  value numeric NOT NULL,
  note text NOT NULL,
  reason text NOT NULL,
  recorded_by_user_id uuid,
  recorded_by_name text NOT NULL,
  recorded_at timestamptz NOT NULL,
  import_job_id uuid,
  superseded_at timestamptz NOT NULL,
  superseded_by_name text NOT NULL,
  superseded_reason text NOT NULL,
  UNIQUE (indicator_code, region_code, period, revision)
);
COMMENT ON TABLE macro_economy.revisions IS '被修订替代的历史值: 原值及其录入人、时间、原因, 以及替代它的人、时间、原因';
COMMENT ON COLUMN macro_economy.revisions.id IS '历史记录标识';
COMMENT ON COLUMN macro_economy.revisions.indicator_code IS '指标代码';
COMMENT ON COLUMN macro_economy.revisions.region_code IS '地区 (行政区划代码)';
COMMENT ON COLUMN macro_economy.revisions.period IS '时期';
COMMENT ON COLUMN macro_economy.revisions.revision IS '该值当时的修订次数';
COMMENT ON COLUMN macro_economy.revisions.value IS '被替代的数值';
COMMENT ON COLUMN macro_economy.revisions.note IS '被替代值的附注';
COMMENT ON COLUMN macro_economy.revisions.reason IS '被替代值当初的录入或修订原因';
COMMENT ON COLUMN macro_economy.revisions.recorded_by_user_id IS '被替代值的录入人账号';
COMMENT ON COLUMN macro_economy.revisions.recorded_by_name IS '被替代值的录入人姓名';
COMMENT ON COLUMN macro_economy.revisions.recorded_at IS '被替代值的录入时间';
COMMENT ON COLUMN macro_economy.revisions.import_job_id IS '被替代值来自的导入任务';
COMMENT ON COLUMN macro_economy.revisions.superseded_at IS '被替代的时间';
COMMENT ON COLUMN macro_economy.revisions.superseded_by_name IS '替代它的人 (或导入任务)';
COMMENT ON COLUMN macro_economy.revisions.superseded_reason IS '修订原因';
