-- Platform kernel: audit trail, transactional outbox, rate limits, secrets.
CREATE SCHEMA IF NOT EXISTS platform;

CREATE TABLE platform.secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE platform.secrets IS '平台密钥 (generated once, shared by all processes)';
COMMENT ON COLUMN platform.secrets.name IS '密钥名称, 如 session_hmac';
COMMENT ON COLUMN platform.secrets.value IS '密钥值 (base64url)';
COMMENT ON COLUMN platform.secrets.created_at IS '生成时间';

CREATE TABLE platform.audit_log (
  seq bigint PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  occurred_at timestamptz NOT NULL,
  actor_kind text NOT NULL,
  actor_user_id uuid,
  actor_name text NOT NULL,
  actor_unit_id uuid,
  actor_region_code text NOT NULL DEFAULT '',
  action text NOT NULL,
  target_type text NOT NULL,
  target_id text NOT NULL,
  target_label text,
  purpose text,
  result text NOT NULL CHECK (result IN ('success', 'denied', 'failure')),
  details text NOT NULL DEFAULT '{}',
  request_id text NOT NULL,
  ip text,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
COMMENT ON TABLE platform.audit_log IS '审计日志: 每次变更和个人信息读取一条, SM3 哈希链, 只增不改';
COMMENT ON COLUMN platform.audit_log.seq IS '链上序号, 从 1 连续递增, 缺号即被删除';
COMMENT ON COLUMN platform.audit_log.id IS '记录标识 (UUIDv7)';
COMMENT ON COLUMN platform.audit_log.occurred_at IS '发生时间';
COMMENT ON COLUMN platform.audit_log.actor_kind IS '操作者类型: staff/citizen/enterprise/service/system/anonymous';
COMMENT ON COLUMN platform.audit_log.actor_user_id IS '操作者账号标识';
COMMENT ON COLUMN platform.audit_log.actor_name IS '操作者姓名 (当时)';
COMMENT ON COLUMN platform.audit_log.actor_unit_id IS '操作者所在单位';
COMMENT ON COLUMN platform.audit_log.actor_region_code IS '操作者单位所在行政区划代码, 用于审计员按辖区查看';
COMMENT ON COLUMN platform.audit_log.action IS '操作, 如 directory.unit.create';
COMMENT ON COLUMN platform.audit_log.target_type IS '对象类型';
COMMENT ON COLUMN platform.audit_log.target_id IS '对象标识';
COMMENT ON COLUMN platform.audit_log.target_label IS '对象名称 (当时, 个人信息已脱敏)';
COMMENT ON COLUMN platform.audit_log.purpose IS '查阅个人信息时声明的用途';
COMMENT ON COLUMN platform.audit_log.result IS '结果: success 成功 / denied 拒绝 / failure 失败';
COMMENT ON COLUMN platform.audit_log.details IS '变更内容 (规范化 JSON 文本, 参与哈希)';
COMMENT ON COLUMN platform.audit_log.request_id IS '请求标识, 关联日志';
COMMENT ON COLUMN platform.audit_log.ip IS '来源 IP';
COMMENT ON COLUMN platform.audit_log.prev_hash IS '上一条记录的哈希 (首条为 64 个 0)';
COMMENT ON COLUMN platform.audit_log.hash IS 'SM3(prev_hash || 本条规范化内容)';
CREATE INDEX audit_log_occurred_idx ON platform.audit_log (occurred_at);
CREATE INDEX audit_log_target_idx ON platform.audit_log (target_type, target_id);
CREATE INDEX audit_log_actor_idx ON platform.audit_log (actor_user_id);
CREATE INDEX audit_log_action_idx ON platform.audit_log (action);

CREATE TABLE platform.outbox_events (
  id uuid PRIMARY KEY,
  type text NOT NULL,
  ordering_key text NOT NULL,
  payload jsonb NOT NULL,
  occurred_at timestamptz NOT NULL,
  request_id text NOT NULL,
  actor_user_id uuid,
  fanned_out boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE platform.outbox_events IS '事务性发件箱: 与业务变更同一事务写入的领域事件';
COMMENT ON COLUMN platform.outbox_events.id IS '事件标识 (UUIDv7, 亦作幂等键)';
COMMENT ON COLUMN platform.outbox_events.type IS '事件类型, 如 directory.unit.created';
COMMENT ON COLUMN platform.outbox_events.ordering_key IS '排序键: 同一键的事件按产生顺序处理';
COMMENT ON COLUMN platform.outbox_events.payload IS '事件内容';
COMMENT ON COLUMN platform.outbox_events.occurred_at IS '产生时间';
COMMENT ON COLUMN platform.outbox_events.request_id IS '产生事件的请求标识';
COMMENT ON COLUMN platform.outbox_events.actor_user_id IS '触发者账号';
COMMENT ON COLUMN platform.outbox_events.fanned_out IS '是否已按订阅处理器生成投递记录 (由 worker 完成)';
CREATE INDEX outbox_events_fanout_idx ON platform.outbox_events (occurred_at) WHERE NOT fanned_out;
CREATE INDEX outbox_events_type_idx ON platform.outbox_events (type, occurred_at);

CREATE TABLE platform.outbox_deliveries (
  event_id uuid NOT NULL REFERENCES platform.outbox_events(id),
  handler text NOT NULL,
  ordering_key text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'done', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error text,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (event_id, handler)
);
COMMENT ON TABLE platform.outbox_deliveries IS '事件投递: 每个事件对每个订阅处理器一行, 至少一次, 失败退避重试, 超限进入死信';
COMMENT ON COLUMN platform.outbox_deliveries.event_id IS '事件';
COMMENT ON COLUMN platform.outbox_deliveries.handler IS '处理器名称 (模块.处理器)';
COMMENT ON COLUMN platform.outbox_deliveries.ordering_key IS '冗余的排序键, 同键按序投递';
COMMENT ON COLUMN platform.outbox_deliveries.status IS 'pending 待投递 / done 已完成 / dead 死信';
COMMENT ON COLUMN platform.outbox_deliveries.attempts IS '已尝试次数';
COMMENT ON COLUMN platform.outbox_deliveries.next_attempt_at IS '下次尝试时间 (指数退避)';
COMMENT ON COLUMN platform.outbox_deliveries.last_error IS '最近一次失败原因';
COMMENT ON COLUMN platform.outbox_deliveries.updated_at IS '状态更新时间';
CREATE INDEX outbox_deliveries_due_idx ON platform.outbox_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_deliveries_dead_idx ON platform.outbox_deliveries (updated_at) WHERE status = 'dead';

CREATE TABLE platform.rate_limits (
  key text NOT NULL,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL,
  PRIMARY KEY (key, window_start)
);
COMMENT ON TABLE platform.rate_limits IS '限流计数 (固定窗口), 存库以便多进程共享';
COMMENT ON COLUMN platform.rate_limits.key IS '限流键, 如 login:ip:1.2.3.4';
COMMENT ON COLUMN platform.rate_limits.window_start IS '窗口起点';
COMMENT ON COLUMN platform.rate_limits.hits IS '窗口内次数';
