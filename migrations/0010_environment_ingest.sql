-- 0010: HJ 212 ingest — the raw packet log (every packet received, accepted or refused, for audit and
-- replay) and the data loggers' TCP sessions. Written by src/modules/environment/ingest/.
CREATE SCHEMA IF NOT EXISTS environment;

CREATE TABLE environment.packets (
  id uuid PRIMARY KEY,
  received_at timestamptz NOT NULL,
  session_id uuid,
  peer text NOT NULL,
  mn text,
  st text,
  cn text,
  qn text,
  flag smallint,
  pnum integer,
  pno integer,
  data_time text,
  point_id uuid,
  status text NOT NULL CHECK (status IN ('accepted', 'rejected', 'partial')),
  reason_code text,
  reason text,
  reply text,
  raw bytea NOT NULL,
  CHECK ((status = 'rejected') = (reason_code IS NOT NULL))
);
COMMENT ON TABLE environment.packets IS 'HJ 212 原始数据包日志: 数采仪上传的每一个数据包 (含被拒收的包及原因), 按接收原样保存, 用于审计与重放';
COMMENT ON COLUMN environment.packets.id IS '数据包标识 (UUIDv7, 按接收时间有序)';
COMMENT ON COLUMN environment.packets.received_at IS '接收时间 (平台时钟)';
COMMENT ON COLUMN environment.packets.session_id IS '所属 TCP 会话 (environment.logger_sessions.id)';
COMMENT ON COLUMN environment.packets.peer IS '对端地址 (IP:端口)';
COMMENT ON COLUMN environment.packets.mn IS '设备唯一标识 MN (数采仪编码); 无法解析时为空';
COMMENT ON COLUMN environment.packets.st IS '系统编码 ST (31 大气污染源, 32 地表水污染源, 91 系统交互等)';
COMMENT ON COLUMN environment.packets.cn IS '命令编码 CN (2011 实时数据, 2051 分钟数据, 2061 小时数据, 2031 日数据, 8013 心跳等)';
COMMENT ON COLUMN environment.packets.qn IS '请求编码 QN (2017 版在数据段, 2005 版可能在 CP 中或缺失)';
COMMENT ON COLUMN environment.packets.flag IS '拆分包及应答标志 Flag; 2005 版常缺失';
COMMENT ON COLUMN environment.packets.pnum IS '拆分包的总包数 PNUM; 未拆分为空';
COMMENT ON COLUMN environment.packets.pno IS '拆分包的包号 PNO; 未拆分为空';
COMMENT ON COLUMN environment.packets.data_time IS 'CP 中的数据时间 DataTime (原样, 14 或 17 位)';
COMMENT ON COLUMN environment.packets.point_id IS '经 MN 与 PW 认证的监测点 (environment.points.id); 未通过认证为空';
COMMENT ON COLUMN environment.packets.status IS '处理结果: accepted 已接收, rejected 已拒收, partial 拆分包的一部分 (待其余部分到齐后合并入库)';
COMMENT ON COLUMN environment.packets.reason_code IS '拒收原因代码 (crc_mismatch、frame_length、mn_unknown、pw_wrong、st_invalid 等); 接收时为空';
COMMENT ON COLUMN environment.packets.reason IS '拒收原因 (中文说明)';
COMMENT ON COLUMN environment.packets.reply IS '平台的应答 (如 9014、9011 QnRtn=4); 无应答为空';
COMMENT ON COLUMN environment.packets.raw IS '原始字节 (从包头 ## 到 CRC, 不含回车换行); 现场数采仪会发送 NUL 等控制字节, 故按字节保存';
-- Indexes kept deliberately few: every index is paid on each of ≥ 20k rows/s. The primary key (id) serves
-- readings.packet_id and the reassembly's UPDATE by id; BRIN on received_at (almost free for an append-only,
-- time-ordered log) serves time-window scans, retention and replay, also per logger (mn filtered within the
-- window); the two partial indexes hold only refused and waiting split packets (no entry for accepted ones).
-- No btree on (mn, received_at): it cost ~11 % of the database CPU of a batch (bench, 2026-11-28).
CREATE INDEX packets_received_brin ON environment.packets USING brin (received_at);
CREATE INDEX packets_rejected_idx ON environment.packets (received_at) WHERE status = 'rejected';
CREATE INDEX packets_partial_idx ON environment.packets (mn, cn, pnum, data_time) WHERE status = 'partial';

CREATE TABLE environment.logger_sessions (
  id uuid PRIMARY KEY,
  peer text NOT NULL,
  listener text NOT NULL,
  opened_at timestamptz NOT NULL,
  last_packet_at timestamptz,
  closed_at timestamptz,
  close_reason text,
  mn text,
  point_id uuid,
  packets bigint NOT NULL DEFAULT 0,
  rejected bigint NOT NULL DEFAULT 0,
  bytes_in bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE environment.logger_sessions IS '数采仪 TCP 会话: 自第一个数据包起记录, 断开时补记原因; 仅连接而不发包的会话不记录';
COMMENT ON COLUMN environment.logger_sessions.id IS '会话标识 (UUIDv7)';
COMMENT ON COLUMN environment.logger_sessions.peer IS '对端地址 (IP:端口)';
COMMENT ON COLUMN environment.logger_sessions.listener IS '接收进程 (主机名:进程号:监听端口)';
COMMENT ON COLUMN environment.logger_sessions.opened_at IS '连接建立时间';
COMMENT ON COLUMN environment.logger_sessions.last_packet_at IS '最近一次收到数据包的时间';
COMMENT ON COLUMN environment.logger_sessions.closed_at IS '断开时间; 为空表示仍连接或进程异常退出 (以 last_packet_at 判断)';
COMMENT ON COLUMN environment.logger_sessions.close_reason IS '断开原因: peer 对端关闭, idle 空闲超时, limit 超出限制, error 网络错误, shutdown 平台停止';
COMMENT ON COLUMN environment.logger_sessions.mn IS '会话中最近一次认证通过的设备唯一标识 MN (未通过认证时为收到的 MN)';
COMMENT ON COLUMN environment.logger_sessions.point_id IS '认证通过的监测点 (environment.points.id)';
COMMENT ON COLUMN environment.logger_sessions.packets IS '已入库的数据包数 (含拒收)';
COMMENT ON COLUMN environment.logger_sessions.rejected IS '其中拒收的数据包数';
COMMENT ON COLUMN environment.logger_sessions.bytes_in IS '已入库数据包的字节数';
CREATE INDEX logger_sessions_mn_idx ON environment.logger_sessions (mn, opened_at);
CREATE INDEX logger_sessions_open_idx ON environment.logger_sessions (opened_at) WHERE closed_at IS NULL;
