-- Working-day calendar (工作日历): local overrides of the statutory schedule, years declared
-- complete by an administrator, and working hours per region. The statutory holidays and adjusted
-- working days themselves come from the chinese-days data package, not from these tables.
CREATE SCHEMA IF NOT EXISTS calendar;

CREATE TABLE calendar.day_overrides (
  region_code text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
  region_prefix text NOT NULL CHECK (region_prefix ~ '^[0-9]{2,6}$' AND starts_with(region_code, region_prefix)),
  date date NOT NULL,
  kind text NOT NULL CHECK (kind IN ('workday', 'holiday')),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
  reason text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
  created_by uuid,
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_by uuid,
  updated_by_name text NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (region_code, date)
);
COMMENT ON TABLE calendar.day_overrides IS '工作日历的地方调整: 某区划 (含下辖区划) 某日改为工作日或休息日, 优先于法定节假日数据; 下级区划的调整优先于上级';
COMMENT ON COLUMN calendar.day_overrides.region_code IS '适用的行政区划代码 (GB/T 2260); 对该区划及其全部下辖区划生效';
COMMENT ON COLUMN calendar.day_overrides.region_prefix IS '下辖区划代码的公共前缀 (省 2 位, 地级 4 位, 县级 6 位), 由服务层按区划代码计算, 用于前缀匹配';
COMMENT ON COLUMN calendar.day_overrides.date IS '日期 (北京时间的自然日)';
COMMENT ON COLUMN calendar.day_overrides.kind IS 'workday 上班 (如调休上班) / holiday 休息 (如地方假日)';
COMMENT ON COLUMN calendar.day_overrides.name IS '名称, 如 "2027 年春节" 或 "郑州市地方假日"';
COMMENT ON COLUMN calendar.day_overrides.reason IS '依据或原因, 如国务院办公厅通知的文号';
COMMENT ON COLUMN calendar.day_overrides.created_by IS '录入者账号 (系统操作时为空)';
COMMENT ON COLUMN calendar.day_overrides.created_by_name IS '录入者姓名';
COMMENT ON COLUMN calendar.day_overrides.created_at IS '录入时间';
COMMENT ON COLUMN calendar.day_overrides.updated_by IS '最后修改者账号 (系统操作时为空)';
COMMENT ON COLUMN calendar.day_overrides.updated_by_name IS '最后修改者姓名';
COMMENT ON COLUMN calendar.day_overrides.updated_at IS '最后修改时间';
CREATE INDEX day_overrides_prefix_idx ON calendar.day_overrides (region_prefix, date);

CREATE TABLE calendar.known_years (
  region_code text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
  region_prefix text NOT NULL CHECK (region_prefix ~ '^[0-9]{2,6}$' AND starts_with(region_code, region_prefix)),
  year integer NOT NULL CHECK (year BETWEEN 1949 AND 2200),
  declared_by uuid,
  declared_by_name text NOT NULL,
  declared_at timestamptz NOT NULL,
  note text NOT NULL CHECK (char_length(note) BETWEEN 1 AND 500),
  PRIMARY KEY (region_code, year)
);
COMMENT ON TABLE calendar.known_years IS '管理员声明已完整录入节假日安排的年份 (数据包未收录的年份, 如国务院办公厅通知发布后补录), 对该区划及下辖区划生效; 未收录也未声明的年份不能计算工作日';
COMMENT ON COLUMN calendar.known_years.region_code IS '适用的行政区划代码 (GB/T 2260)';
COMMENT ON COLUMN calendar.known_years.region_prefix IS '下辖区划代码的公共前缀, 由服务层按区划代码计算';
COMMENT ON COLUMN calendar.known_years.year IS '年份';
COMMENT ON COLUMN calendar.known_years.declared_by IS '声明者账号 (系统操作时为空)';
COMMENT ON COLUMN calendar.known_years.declared_by_name IS '声明者姓名';
COMMENT ON COLUMN calendar.known_years.declared_at IS '声明时间';
COMMENT ON COLUMN calendar.known_years.note IS '说明, 如所依据通知的名称和文号';
CREATE INDEX known_years_prefix_idx ON calendar.known_years (region_prefix, year);

CREATE TABLE calendar.working_hours (
  region_code text PRIMARY KEY CHECK (region_code ~ '^[0-9]{6}$'),
  region_prefix text NOT NULL CHECK (region_prefix ~ '^[0-9]{2,6}$' AND starts_with(region_code, region_prefix)),
  periods text NOT NULL CHECK (periods ~ '^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}(,[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2})*$'),
  set_by uuid,
  set_by_name text NOT NULL,
  set_at timestamptz NOT NULL,
  note text NOT NULL DEFAULT ''
);
COMMENT ON TABLE calendar.working_hours IS '各区划的工作时间 (按工作时计算期限时使用); 未设置时为 09:00-12:00, 13:00-17:00 (北京时间); 下级区划的设置优先于上级';
COMMENT ON COLUMN calendar.working_hours.region_code IS '适用的行政区划代码 (GB/T 2260), 对该区划及下辖区划生效';
COMMENT ON COLUMN calendar.working_hours.region_prefix IS '下辖区划代码的公共前缀, 由服务层按区划代码计算';
COMMENT ON COLUMN calendar.working_hours.periods IS '每个工作日的工作时段 (北京时间), 按时间先后以逗号分隔, 如 09:00-12:00,13:00-17:00';
COMMENT ON COLUMN calendar.working_hours.set_by IS '设置者账号 (系统操作时为空)';
COMMENT ON COLUMN calendar.working_hours.set_by_name IS '设置者姓名';
COMMENT ON COLUMN calendar.working_hours.set_at IS '设置时间';
COMMENT ON COLUMN calendar.working_hours.note IS '说明 (如夏令作息的依据)';
