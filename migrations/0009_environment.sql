-- Pollution-source online monitoring (污染源在线监控): the registry of enterprises, outlets and
-- monitoring points (HJ 212 data loggers by MN), emission standards and limits, the readings the
-- loggers upload (real-time / minute / hour / day, partitioned by month), the hourly and daily values
-- the worker derives with the validity rules, per-point daily transmission statistics, and alarms.
-- The raw packet log and the TCP side are in 0010_environment_ingest.sql.
CREATE SCHEMA IF NOT EXISTS environment;

CREATE TABLE environment.enterprises (
  id uuid PRIMARY KEY,
  uscc text NOT NULL UNIQUE CHECK (uscc ~ '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$'),
  name text NOT NULL,
  region_code text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
  industry text NOT NULL CHECK (industry IN ('thermal_power', 'sewage_plant', 'other')),
  centralized_sewage boolean NOT NULL DEFAULT false,
  address text,
  longitude double precision CHECK (longitude BETWEEN 73 AND 136),
  latitude double precision CHECK (latitude BETWEEN 3 AND 54),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1
);
COMMENT ON TABLE environment.enterprises IS '重点排污单位 (排污企业): 以统一社会信用代码 (GB 32100) 为自然键; 法人库建成后按信用代码关联';
COMMENT ON COLUMN environment.enterprises.id IS '企业标识 (UUIDv7)';
COMMENT ON COLUMN environment.enterprises.uscc IS '统一社会信用代码 (GB 32100, 18 位, 校验码已核验)';
COMMENT ON COLUMN environment.enterprises.name IS '企业名称';
COMMENT ON COLUMN environment.enterprises.region_code IS '所在行政区划 (GB/T 2260, 6 位), 决定属地环境部门和查看权限';
COMMENT ON COLUMN environment.enterprises.industry IS '行业: thermal_power 火电厂 / sewage_plant 污水处理厂 / other 其他';
COMMENT ON COLUMN environment.enterprises.centralized_sewage IS '是否为依法设立的城乡集中式污水处理场所 (环境保护税法第十二条: 不超标排放免征)';
COMMENT ON COLUMN environment.enterprises.address IS '生产经营场所地址';
COMMENT ON COLUMN environment.enterprises.longitude IS '经度 (WGS-84, 度), 用于监控地图';
COMMENT ON COLUMN environment.enterprises.latitude IS '纬度 (WGS-84, 度), 用于监控地图';
COMMENT ON COLUMN environment.enterprises.status IS '状态: active 在产 / closed 关停';
COMMENT ON COLUMN environment.enterprises.is_demo IS '是否为演示数据 (页面上标注「演示数据」)';
COMMENT ON COLUMN environment.enterprises.created_at IS '登记时间';
COMMENT ON COLUMN environment.enterprises.updated_at IS '最后修改时间';
COMMENT ON COLUMN environment.enterprises.version IS '修改版本号 (乐观锁)';
CREATE INDEX enterprises_region_idx ON environment.enterprises (region_code);

CREATE TABLE environment.standards (
  code text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_.-]{2,64}$'),
  name text NOT NULL,
  medium text NOT NULL CHECK (medium IN ('air', 'water')),
  reference text NOT NULL,
  is_local boolean NOT NULL DEFAULT false,
  o2_reference double precision CHECK (o2_reference >= 0 AND o2_reference < 21),
  note text
);
COMMENT ON TABLE environment.standards IS '排放标准 (国家标准及河南地方标准), 参考数据, 每次启动按代码更新';
COMMENT ON COLUMN environment.standards.code IS '标准代码 (本平台内部键), 如 GB13223-2011-coal-new、GB18918-2002-1A';
COMMENT ON COLUMN environment.standards.name IS '标准名称及适用情形 (中文)';
COMMENT ON COLUMN environment.standards.medium IS '介质: air 废气 / water 废水';
COMMENT ON COLUMN environment.standards.reference IS '标准编号与条款, 如 GB 13223-2011 表 1';
COMMENT ON COLUMN environment.standards.is_local IS '是否为地方标准 (如河南省流域标准)';
COMMENT ON COLUMN environment.standards.o2_reference IS '基准氧含量 (%), 废气折算用; 废水为空';
COMMENT ON COLUMN environment.standards.note IS '说明 (未核实的限值在此注明)';

CREATE TABLE environment.standard_limits (
  standard_code text NOT NULL REFERENCES environment.standards (code),
  pollutant text NOT NULL CHECK (pollutant ~ '^[a-z][0-9]{5}$'),
  limit_max double precision CHECK (limit_max > 0),
  limit_min double precision,
  PRIMARY KEY (standard_code, pollutant)
);
COMMENT ON TABLE environment.standard_limits IS '排放标准中各污染物的限值 (废气为小时均值折算浓度 mg/m³, 废水为日均值 mg/L; pH 为上下限)';
COMMENT ON COLUMN environment.standard_limits.standard_code IS '排放标准代码';
COMMENT ON COLUMN environment.standard_limits.pollutant IS '污染物代码 (HJ 212-2017 附录 B, 如 a21026 二氧化硫)';
COMMENT ON COLUMN environment.standard_limits.limit_max IS '限值上限';
COMMENT ON COLUMN environment.standard_limits.limit_min IS '限值下限 (仅 pH 等有下限的指标)';

CREATE TABLE environment.outlets (
  id uuid PRIMARY KEY,
  enterprise_id uuid NOT NULL REFERENCES environment.enterprises (id),
  code text NOT NULL CHECK (code ~ '^[A-Za-z0-9-]{1,20}$'),
  name text NOT NULL,
  medium text NOT NULL CHECK (medium IN ('air', 'water')),
  region_code text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
  standard_code text REFERENCES environment.standards (code),
  o2_reference double precision CHECK (o2_reference >= 0 AND o2_reference < 21),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1,
  UNIQUE (enterprise_id, code),
  CHECK (medium = 'air' OR o2_reference IS NULL)
);
COMMENT ON TABLE environment.outlets IS '排放口 (废气排放口或废水排放口), 每个排放口适用一项排放标准';
COMMENT ON COLUMN environment.outlets.id IS '排放口标识 (UUIDv7)';
COMMENT ON COLUMN environment.outlets.enterprise_id IS '所属企业';
COMMENT ON COLUMN environment.outlets.code IS '排放口编号 (排污许可证编号, 如 DA001 废气 / DW001 废水)';
COMMENT ON COLUMN environment.outlets.name IS '排放口名称';
COMMENT ON COLUMN environment.outlets.medium IS '介质: air 废气 / water 废水';
COMMENT ON COLUMN environment.outlets.region_code IS '所在行政区划 (登记时取自企业), 决定查看权限';
COMMENT ON COLUMN environment.outlets.standard_code IS '适用的排放标准 (限值见 environment.outlet_limits)';
COMMENT ON COLUMN environment.outlets.o2_reference IS '基准氧含量 (%), 废气折算浓度用 (燃煤锅炉 6); 废水为空';
COMMENT ON COLUMN environment.outlets.status IS '状态: active 使用中 / closed 已封闭';
COMMENT ON COLUMN environment.outlets.is_demo IS '是否为演示数据';
COMMENT ON COLUMN environment.outlets.created_at IS '登记时间';
COMMENT ON COLUMN environment.outlets.updated_at IS '最后修改时间';
COMMENT ON COLUMN environment.outlets.version IS '修改版本号 (乐观锁)';
CREATE INDEX outlets_region_idx ON environment.outlets (region_code);

CREATE TABLE environment.outlet_limits (
  outlet_id uuid NOT NULL REFERENCES environment.outlets (id),
  pollutant text NOT NULL CHECK (pollutant ~ '^[a-z][0-9]{5}$'),
  limit_max double precision CHECK (limit_max > 0),
  limit_min double precision,
  standard_code text REFERENCES environment.standards (code),
  PRIMARY KEY (outlet_id, pollutant)
);
COMMENT ON TABLE environment.outlet_limits IS '排放口执行的各污染物限值 (由标准带出, 可按排污许可证或地方要求收严)';
COMMENT ON COLUMN environment.outlet_limits.outlet_id IS '排放口';
COMMENT ON COLUMN environment.outlet_limits.pollutant IS '污染物代码 (HJ 212-2017)';
COMMENT ON COLUMN environment.outlet_limits.limit_max IS '限值上限 (废气: 折算浓度小时均值 mg/m³; 废水: 日均值 mg/L)';
COMMENT ON COLUMN environment.outlet_limits.limit_min IS '限值下限 (pH)';
COMMENT ON COLUMN environment.outlet_limits.standard_code IS '限值来源标准 (空 = 人工设定)';

CREATE TABLE environment.points (
  id uuid PRIMARY KEY,
  outlet_id uuid NOT NULL REFERENCES environment.outlets (id),
  mn text NOT NULL UNIQUE CHECK (mn ~ '^[0-9A-F]{24}$' OR mn ~ '^[0-9A-Za-z]{14}$'),
  protocol text NOT NULL CHECK (protocol IN ('2005', '2017')),
  pw_hmac text NOT NULL,
  medium text NOT NULL CHECK (medium IN ('air', 'water')),
  region_code text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
  pollutants text[] NOT NULL,
  instrument_ranges jsonb NOT NULL DEFAULT '{}'::jsonb,
  rtd_interval_s integer NOT NULL DEFAULT 30 CHECK (rtd_interval_s BETWEEN 30 AND 3600),
  min_interval_min integer NOT NULL DEFAULT 10 CHECK (min_interval_min IN (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1
);
COMMENT ON TABLE environment.points IS '监控点 (数采仪): 以 HJ 212 设备唯一标识 MN 为自然键, 凭 MN 与访问密码 PW 认证上传';
COMMENT ON COLUMN environment.points.id IS '监控点标识 (UUIDv7)';
COMMENT ON COLUMN environment.points.outlet_id IS '所在排放口';
COMMENT ON COLUMN environment.points.mn IS '设备唯一标识 MN (2017 版 24 位十六进制 EPC-96; 2005 版 14 位)';
COMMENT ON COLUMN environment.points.protocol IS '数采仪使用的协议版本: 2017 或 2005';
COMMENT ON COLUMN environment.points.pw_hmac IS '访问密码 PW 的 HMAC-SM3 (密钥为平台密钥 environment_pw_hmac, 不存明文)';
COMMENT ON COLUMN environment.points.medium IS '介质: air 废气 / water 废水 (与排放口一致)';
COMMENT ON COLUMN environment.points.region_code IS '所在行政区划 (取自排放口), 决定查看权限';
COMMENT ON COLUMN environment.points.pollutants IS '监测的污染物和参数代码 (HJ 212-2017 附录 B)';
COMMENT ON COLUMN environment.points.instrument_ranges IS '仪器量程 {污染物代码: [下限, 上限]}, 超出量程报警';
COMMENT ON COLUMN environment.points.rtd_interval_s IS '实时数据上传间隔 RtdInterval (秒, 30–3600)';
COMMENT ON COLUMN environment.points.min_interval_min IS '分钟数据间隔 MinInterval (分钟)';
COMMENT ON COLUMN environment.points.status IS '状态: active 启用 / disabled 停用 (停用后拒绝上传)';
COMMENT ON COLUMN environment.points.is_demo IS '是否为演示数据';
COMMENT ON COLUMN environment.points.created_at IS '登记时间';
COMMENT ON COLUMN environment.points.updated_at IS '最后修改时间';
COMMENT ON COLUMN environment.points.version IS '修改版本号 (乐观锁)';
CREATE INDEX points_outlet_idx ON environment.points (outlet_id);
CREATE INDEX points_region_idx ON environment.points (region_code);

-- Readings as uploaded: one row per point, kind and data time, the values of every pollutant of the
-- upload in one jsonb object (one row per packet keeps the write path at one index entry per packet).
CREATE TABLE environment.readings (
  point_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('rtd', 'min', 'hour', 'day')),
  data_time timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  packet_id uuid NOT NULL,
  vals jsonb NOT NULL,
  PRIMARY KEY (point_id, kind, data_time)
) PARTITION BY RANGE (data_time);
COMMENT ON TABLE environment.readings IS '监测数据 (数采仪上传): 实时 2011 / 分钟 2051 / 小时 2061 / 日 2031, 按月分区; 同一监控点、类型、数据时间只存一行 (重发不重复)';
COMMENT ON COLUMN environment.readings.point_id IS '监控点';
COMMENT ON COLUMN environment.readings.kind IS '数据类型: rtd 实时 (2011) / min 分钟 (2051) / hour 小时 (2061) / day 日 (2031)';
COMMENT ON COLUMN environment.readings.data_time IS '数据时间 DataTime (实时为采样时刻, 分钟/小时/日为时段起点; 北京时间解读)';
COMMENT ON COLUMN environment.readings.received_at IS '平台接收时间 (首次)';
COMMENT ON COLUMN environment.readings.packet_id IS '原始报文标识 (报文日志, 见 0010 迁移); 拆分上传合并时为首个报文';
COMMENT ON COLUMN environment.readings.vals IS '各污染物的值 {代码: {rtd, avg, min, max, cou, zsRtd, zsAvg, zsMin, zsMax, flag, eflag}}, 代码为 2017 版';

CREATE TABLE environment.readings_default PARTITION OF environment.readings DEFAULT;
COMMENT ON TABLE environment.readings_default IS '监测数据默认分区: 尚未建月分区的数据; 建月分区时移入';
COMMENT ON COLUMN environment.readings_default.point_id IS '监控点';
COMMENT ON COLUMN environment.readings_default.kind IS '数据类型: rtd 实时 / min 分钟 / hour 小时 / day 日';
COMMENT ON COLUMN environment.readings_default.data_time IS '数据时间 DataTime';
COMMENT ON COLUMN environment.readings_default.received_at IS '平台接收时间';
COMMENT ON COLUMN environment.readings_default.packet_id IS '原始报文标识';
COMMENT ON COLUMN environment.readings_default.vals IS '各污染物的值 (jsonb)';

-- Creates the monthly partitions from p_from for p_months months (idempotent). Rows already in the
-- default partition for a new month are moved into it first. Month boundaries are Beijing time.
CREATE FUNCTION environment.ensure_reading_partitions(p_from date, p_months integer) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  m date := date_trunc('month', p_from)::date;
  lo timestamptz;
  hi timestamptz;
  part text;
  created integer := 0;
  col record;
BEGIN
  FOR i IN 1..p_months LOOP
    part := 'readings_' || to_char(m, 'YYYYMM');
    IF NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'environment' AND c.relname = part) THEN
      lo := (to_char(m, 'YYYY-MM-DD') || ' 00:00:00+08')::timestamptz;
      hi := (to_char((m + interval '1 month')::date, 'YYYY-MM-DD') || ' 00:00:00+08')::timestamptz;
      EXECUTE format('CREATE TABLE environment.%I (LIKE environment.readings INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
      EXECUTE format('WITH moved AS (DELETE FROM environment.readings_default WHERE data_time >= %L AND data_time < %L RETURNING *) INSERT INTO environment.%I SELECT * FROM moved', lo, hi, part);
      EXECUTE format('ALTER TABLE environment.readings ATTACH PARTITION environment.%I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
      EXECUTE format('COMMENT ON TABLE environment.%I IS %L', part, '监测数据月分区 ' || to_char(m, 'YYYY年MM月'));
      FOR col IN SELECT a.attname, d.description FROM pg_attribute a JOIN pg_description d ON d.objoid = a.attrelid AND d.objsubid = a.attnum
                 WHERE a.attrelid = 'environment.readings'::regclass AND a.attnum > 0 LOOP
        EXECUTE format('COMMENT ON COLUMN environment.%I.%I IS %L', part, col.attname, col.description);
      END LOOP;
      created := created + 1;
    END IF;
    m := (m + interval '1 month')::date;
  END LOOP;
  RETURN created;
END
$fn$;
COMMENT ON FUNCTION environment.ensure_reading_partitions(date, integer) IS '创建监测数据月分区 (幂等; 默认分区中该月的数据先移入新分区)';

-- Work for the aggregation worker: one row per (point, hour) touched by an upload batch. Rows are
-- never merged: the worker deletes exactly the rows it claimed, so data committed meanwhile keeps its row.
CREATE TABLE environment.aggregation_queue (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  point_id uuid NOT NULL,
  hour_start timestamptz NOT NULL,
  enqueued_at timestamptz NOT NULL
);
COMMENT ON TABLE environment.aggregation_queue IS '待汇总队列: 上传批次涉及的 (监控点, 小时), 由汇总任务领取 (SKIP LOCKED) 后重算小时值、日值和报警';
COMMENT ON COLUMN environment.aggregation_queue.id IS '序号';
COMMENT ON COLUMN environment.aggregation_queue.point_id IS '监控点';
COMMENT ON COLUMN environment.aggregation_queue.hour_start IS '需重算的小时 (起点)';
COMMENT ON COLUMN environment.aggregation_queue.enqueued_at IS '入队时间';

CREATE TABLE environment.hourly (
  point_id uuid NOT NULL,
  hour_start timestamptz NOT NULL,
  pollutant text NOT NULL,
  avg double precision,
  min double precision,
  max double precision,
  cou double precision,
  zs_avg double precision,
  flag text NOT NULL,
  valid boolean NOT NULL,
  n_values integer NOT NULL,
  source text NOT NULL CHECK (source IN ('logger', 'derived')),
  computed_at timestamptz NOT NULL,
  PRIMARY KEY (point_id, hour_start, pollutant)
);
COMMENT ON TABLE environment.hourly IS '小时值 (有效性判定后): 数采仪上传的小时数据, 或由分钟/实时数据按 HJ 212 附录 D 推算';
COMMENT ON COLUMN environment.hourly.point_id IS '监控点';
COMMENT ON COLUMN environment.hourly.hour_start IS '小时起点';
COMMENT ON COLUMN environment.hourly.pollutant IS '污染物代码 (HJ 212-2017)';
COMMENT ON COLUMN environment.hourly.avg IS '小时均值 (废水为流量加权均值)';
COMMENT ON COLUMN environment.hourly.min IS '最小值';
COMMENT ON COLUMN environment.hourly.max IS '最大值';
COMMENT ON COLUMN environment.hourly.cou IS '小时排放量 (污染物 kg; 流量 m³)';
COMMENT ON COLUMN environment.hourly.zs_avg IS '折算浓度小时均值 (废气, 按基准氧含量折算)';
COMMENT ON COLUMN environment.hourly.flag IS '数据标记 (N 正常, D 故障, F 停运, M 维护, C 校准, T 超量程, B 通讯异常, S 手工)';
COMMENT ON COLUMN environment.hourly.valid IS '是否有效小时 (废气: ≥45 个有效分钟)';
COMMENT ON COLUMN environment.hourly.n_values IS '参与计算的有效分钟 (或实时) 数据个数; 数采仪上传的小时值为 60';
COMMENT ON COLUMN environment.hourly.source IS '来源: logger 数采仪上传 / derived 平台推算';
COMMENT ON COLUMN environment.hourly.computed_at IS '计算时间';

CREATE TABLE environment.daily (
  point_id uuid NOT NULL,
  day date NOT NULL,
  pollutant text NOT NULL,
  avg double precision,
  min double precision,
  max double precision,
  cou double precision,
  zs_avg double precision,
  flag text NOT NULL,
  valid boolean NOT NULL,
  n_valid_hours integer NOT NULL,
  computed_at timestamptz NOT NULL,
  PRIMARY KEY (point_id, day, pollutant)
);
COMMENT ON TABLE environment.daily IS '日值 (由有效小时值汇总; 废气有效日 ≥20 个有效小时; 废水为流量加权日均值)';
COMMENT ON COLUMN environment.daily.point_id IS '监控点';
COMMENT ON COLUMN environment.daily.day IS '日期 (北京时间)';
COMMENT ON COLUMN environment.daily.pollutant IS '污染物代码';
COMMENT ON COLUMN environment.daily.avg IS '日均值';
COMMENT ON COLUMN environment.daily.min IS '小时均值最小值';
COMMENT ON COLUMN environment.daily.max IS '小时均值最大值';
COMMENT ON COLUMN environment.daily.cou IS '日排放量 (污染物 kg; 流量 m³), 有效小时之和';
COMMENT ON COLUMN environment.daily.zs_avg IS '折算浓度日均值 (废气)';
COMMENT ON COLUMN environment.daily.flag IS '数据标记 (按标记传递规则)';
COMMENT ON COLUMN environment.daily.valid IS '是否有效日';
COMMENT ON COLUMN environment.daily.n_valid_hours IS '有效小时数';
COMMENT ON COLUMN environment.daily.computed_at IS '计算时间';

CREATE TABLE environment.point_days (
  point_id uuid NOT NULL,
  day date NOT NULL,
  expected_hours integer NOT NULL,
  received_hours integer NOT NULL,
  valid_hours integer NOT NULL,
  computed_at timestamptz NOT NULL,
  PRIMARY KEY (point_id, day)
);
COMMENT ON TABLE environment.point_days IS '监控点每日传输统计: 传输率 = 收到小时数/应收小时数, 有效率 = 有效小时数/收到小时数, 传输有效率 = 两者之积';
COMMENT ON COLUMN environment.point_days.point_id IS '监控点';
COMMENT ON COLUMN environment.point_days.day IS '日期 (北京时间)';
COMMENT ON COLUMN environment.point_days.expected_hours IS '应收小时数 (24)';
COMMENT ON COLUMN environment.point_days.received_hours IS '收到数据的小时数';
COMMENT ON COLUMN environment.point_days.valid_hours IS '有效小时数 (全部监测的污染物均有效)';
COMMENT ON COLUMN environment.point_days.computed_at IS '计算时间';

CREATE TABLE environment.alarms (
  id uuid PRIMARY KEY,
  point_id uuid NOT NULL REFERENCES environment.points (id),
  region_code text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('exceedance', 'missing', 'constant', 'out_of_range', 'fault')),
  pollutant text,
  open_key text,
  first_data_time timestamptz NOT NULL,
  last_data_time timestamptz NOT NULL,
  occurrences integer NOT NULL DEFAULT 1,
  value double precision,
  limit_value double precision,
  message text NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
  acknowledged_by text,
  acknowledged_at timestamptz,
  resolved_by text,
  resolved_at timestamptz,
  resolution text,
  case_id uuid,
  created_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1,
  CHECK ((status = 'resolved') = (open_key IS NULL))
);
COMMENT ON TABLE environment.alarms IS '报警: 超标、数据缺失、恒值、超量程、故障标记; 待处理 → 已确认 → 已解除; 同一监控点同一类型同一污染物同时只有一条未解除报警';
COMMENT ON COLUMN environment.alarms.id IS '报警标识 (UUIDv7)';
COMMENT ON COLUMN environment.alarms.point_id IS '监控点';
COMMENT ON COLUMN environment.alarms.region_code IS '行政区划 (取自监控点), 决定查看和通知的环境部门';
COMMENT ON COLUMN environment.alarms.kind IS '类型: exceedance 超标 / missing 数据缺失 / constant 恒值 / out_of_range 超量程 / fault 故障标记';
COMMENT ON COLUMN environment.alarms.pollutant IS '污染物代码 (缺失报警为空)';
COMMENT ON COLUMN environment.alarms.open_key IS '未解除报警的去重键 (监控点:类型:污染物); 解除后为空';
COMMENT ON COLUMN environment.alarms.first_data_time IS '首次出现的数据时间';
COMMENT ON COLUMN environment.alarms.last_data_time IS '最近一次出现的数据时间';
COMMENT ON COLUMN environment.alarms.occurrences IS '出现次数 (未解除期间重复出现累加)';
COMMENT ON COLUMN environment.alarms.value IS '最近一次的监测值 (废气超标为折算浓度小时均值)';
COMMENT ON COLUMN environment.alarms.limit_value IS '限值';
COMMENT ON COLUMN environment.alarms.message IS '报警说明 (中文)';
COMMENT ON COLUMN environment.alarms.status IS '状态: open 待处理 / acknowledged 已确认 / resolved 已解除';
COMMENT ON COLUMN environment.alarms.acknowledged_by IS '确认人';
COMMENT ON COLUMN environment.alarms.acknowledged_at IS '确认时间';
COMMENT ON COLUMN environment.alarms.resolved_by IS '解除人';
COMMENT ON COLUMN environment.alarms.resolved_at IS '解除时间';
COMMENT ON COLUMN environment.alarms.resolution IS '处理情况说明';
COMMENT ON COLUMN environment.alarms.case_id IS '核查整改案件 (workflow.cases, environment.alarm_followup)';
COMMENT ON COLUMN environment.alarms.created_at IS '报警时间';
COMMENT ON COLUMN environment.alarms.version IS '修改版本号 (乐观锁)';
CREATE UNIQUE INDEX alarms_open_key_uq ON environment.alarms (open_key) WHERE open_key IS NOT NULL;
CREATE INDEX alarms_status_idx ON environment.alarms (status, created_at DESC);
CREATE INDEX alarms_point_idx ON environment.alarms (point_id, created_at DESC);
