-- Data sharing and exchange platform, events (事件主题): events published into topics (resources of
-- kind 'topic'), the subscriptions of member systems with their webhook addresses, and one delivery
-- per event and subscription (at-least-once, per-key order, exponential backoff, dead letters).
-- The platform's SM2 key that signs webhook bodies lives here too (private key sealed with SM4).

CREATE TABLE exchange.topic_events (
  id uuid PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  resource_id uuid NOT NULL REFERENCES exchange.resources (id),
  type text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_.-]{0,63}$'),
  ordering_key text NOT NULL CHECK (length(ordering_key) BETWEEN 1 AND 200),
  payload jsonb NOT NULL,
  published_at timestamptz NOT NULL,
  publisher_subsystem_id uuid REFERENCES exchange.subsystems (id),
  client_message_id text,
  actor_user_id uuid,
  actor_name text NOT NULL,
  request_id text NOT NULL,
  relayed_at timestamptz
);
COMMENT ON TABLE exchange.topic_events IS '主题事件: 发布到事件主题的事件, 与发布方的业务变更在同一事务中写入 (业务提交则事件存在)';
COMMENT ON COLUMN exchange.topic_events.id IS '事件标识 (UUID), 也是投递时的幂等键 X-Egov-Event-Id 和 NATS 消息编号';
COMMENT ON COLUMN exchange.topic_events.seq IS '写入顺序号 (同一排序键的事件按它投递)';
COMMENT ON COLUMN exchange.topic_events.resource_id IS '事件主题 (资源形态为 topic 的共享资源)';
COMMENT ON COLUMN exchange.topic_events.type IS '事件类型代码, 如 registered 设立 / changed 变更';
COMMENT ON COLUMN exchange.topic_events.ordering_key IS '排序键 (如统一社会信用代码): 同一订阅内同一排序键的事件按发布顺序投递';
COMMENT ON COLUMN exchange.topic_events.payload IS '事件内容 (JSON)';
COMMENT ON COLUMN exchange.topic_events.published_at IS '发布时间';
COMMENT ON COLUMN exchange.topic_events.publisher_subsystem_id IS '通过接口发布时的发布方子系统 (平台内部发布为空)';
COMMENT ON COLUMN exchange.topic_events.client_message_id IS '通过接口发布时的客户端消息编号 X-Road-Id (同一子系统重发同一编号不重复发布)';
COMMENT ON COLUMN exchange.topic_events.actor_user_id IS '发布人账号 (系统发布为空)';
COMMENT ON COLUMN exchange.topic_events.actor_name IS '发布人或发布系统的名称';
COMMENT ON COLUMN exchange.topic_events.request_id IS '发布时的请求标识 (追溯用)';
COMMENT ON COLUMN exchange.topic_events.relayed_at IS '已转发到 NATS JetStream 的时间 (只在配置 NATS 时使用; 空表示尚未转发)';
CREATE INDEX topic_events_unrelayed ON exchange.topic_events (seq) WHERE relayed_at IS NULL;
CREATE UNIQUE INDEX topic_events_client_message ON exchange.topic_events (publisher_subsystem_id, client_message_id) WHERE client_message_id IS NOT NULL;
CREATE INDEX topic_events_resource ON exchange.topic_events (resource_id, seq);

CREATE TABLE exchange.subscriptions (
  id uuid PRIMARY KEY,
  resource_id uuid NOT NULL REFERENCES exchange.resources (id),
  subscriber_subsystem_id uuid NOT NULL REFERENCES exchange.subsystems (id),
  webhook_url text NOT NULL CHECK (webhook_url ~ '^https?://'),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'cancelled')),
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL,
  paused_at timestamptz,
  cancelled_at timestamptz
);
COMMENT ON TABLE exchange.subscriptions IS '事件订阅: 有授权的子系统订阅事件主题, 事件以签名的 HTTP POST 推送到其回调地址';
COMMENT ON COLUMN exchange.subscriptions.id IS '订阅标识 (UUID)';
COMMENT ON COLUMN exchange.subscriptions.resource_id IS '订阅的事件主题';
COMMENT ON COLUMN exchange.subscriptions.subscriber_subsystem_id IS '订阅方子系统 (须持有该主题的有效授权)';
COMMENT ON COLUMN exchange.subscriptions.webhook_url IS '回调地址 (接收事件的 HTTP 地址)';
COMMENT ON COLUMN exchange.subscriptions.status IS '状态: active 推送中 / paused 已暂停 (事件积存, 恢复后按序推送) / cancelled 已退订';
COMMENT ON COLUMN exchange.subscriptions.created_by_name IS '办理订阅的人员姓名';
COMMENT ON COLUMN exchange.subscriptions.created_at IS '订阅时间 (此后发布的事件才推送给该订阅)';
COMMENT ON COLUMN exchange.subscriptions.paused_at IS '暂停时间';
COMMENT ON COLUMN exchange.subscriptions.cancelled_at IS '退订时间';
CREATE UNIQUE INDEX subscriptions_live ON exchange.subscriptions (resource_id, subscriber_subsystem_id, webhook_url) WHERE status <> 'cancelled';
CREATE INDEX subscriptions_resource ON exchange.subscriptions (resource_id) WHERE status <> 'cancelled';

CREATE TABLE exchange.deliveries (
  id uuid PRIMARY KEY,
  event_id uuid NOT NULL REFERENCES exchange.topic_events (id),
  subscription_id uuid NOT NULL REFERENCES exchange.subscriptions (id),
  ordering_key text NOT NULL,
  event_seq bigint NOT NULL,
  event_published_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  lease_until timestamptz,
  claim_token uuid,
  via_database boolean NOT NULL DEFAULT false,
  last_error text,
  last_status_code integer,
  first_attempted_at timestamptz,
  last_attempted_at timestamptz,
  acknowledged_at timestamptz,
  replayed_count integer NOT NULL DEFAULT 0,
  UNIQUE (event_id, subscription_id)
);
COMMENT ON TABLE exchange.deliveries IS '事件投递: 每个事件对每个订阅一条, 至少投递一次; 失败按指数退避重试, 多次失败成为死信, 由运维人员查看和重新投递';
COMMENT ON COLUMN exchange.deliveries.id IS '投递标识 (UUID)';
COMMENT ON COLUMN exchange.deliveries.event_id IS '投递的事件';
COMMENT ON COLUMN exchange.deliveries.subscription_id IS '投递的订阅';
COMMENT ON COLUMN exchange.deliveries.ordering_key IS '事件的排序键 (冗余保存, 用于按序投递)';
COMMENT ON COLUMN exchange.deliveries.event_seq IS '事件的写入顺序号 (冗余保存, 用于按序投递)';
COMMENT ON COLUMN exchange.deliveries.event_published_at IS '事件的发布时间 (冗余保存, 用于统计发布到确认的时延)';
COMMENT ON COLUMN exchange.deliveries.status IS '状态: pending 待投递 / delivered 已确认 (订阅方应答 2xx) / dead 死信 / cancelled 已退订不再投递';
COMMENT ON COLUMN exchange.deliveries.attempts IS '已尝试投递的次数';
COMMENT ON COLUMN exchange.deliveries.next_attempt_at IS '下次尝试的时间 (退避)';
COMMENT ON COLUMN exchange.deliveries.lease_until IS '投递进程占用到此时间 (进程中断后过期, 由其他进程重新投递)';
COMMENT ON COLUMN exchange.deliveries.claim_token IS '占用该投递的那一次领取的标识 (结果只由它记录; 占用过期后被其他进程重新领取则旧结果作废)';
COMMENT ON COLUMN exchange.deliveries.via_database IS '配置 NATS 时仍由数据库投递 (重新投递的死信)';
COMMENT ON COLUMN exchange.deliveries.last_error IS '最近一次失败的原因';
COMMENT ON COLUMN exchange.deliveries.last_status_code IS '最近一次订阅方应答的 HTTP 状态码 (无应答为空)';
COMMENT ON COLUMN exchange.deliveries.first_attempted_at IS '第一次尝试投递的时间';
COMMENT ON COLUMN exchange.deliveries.last_attempted_at IS '最近一次尝试投递的时间';
COMMENT ON COLUMN exchange.deliveries.acknowledged_at IS '订阅方确认 (应答 2xx) 并已记录的时间';
COMMENT ON COLUMN exchange.deliveries.replayed_count IS '死信被重新投递的次数';
CREATE INDEX deliveries_due ON exchange.deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_key ON exchange.deliveries (subscription_id, ordering_key, event_seq) WHERE status = 'pending';
CREATE INDEX deliveries_dead ON exchange.deliveries (event_seq) WHERE status = 'dead';
CREATE INDEX deliveries_acknowledged ON exchange.deliveries (acknowledged_at) WHERE status = 'delivered';
CREATE INDEX deliveries_subscription ON exchange.deliveries (subscription_id, status);

CREATE TABLE exchange.signing_keys (
  id text PRIMARY KEY,
  algorithm text NOT NULL CHECK (algorithm = 'SM2-SM3'),
  public_key_pem text NOT NULL,
  private_key_sealed text NOT NULL,
  created_at timestamptz NOT NULL
);
COMMENT ON TABLE exchange.signing_keys IS '平台交换签名密钥: 对推送给订阅方的事件内容做 SM2 签名, 公钥在 /exchange/keys 公开';
COMMENT ON COLUMN exchange.signing_keys.id IS '密钥编号';
COMMENT ON COLUMN exchange.signing_keys.algorithm IS '签名算法: SM2-SM3';
COMMENT ON COLUMN exchange.signing_keys.public_key_pem IS 'SM2 公钥 (PEM)';
COMMENT ON COLUMN exchange.signing_keys.private_key_sealed IS 'SM2 私钥 (PEM), 以平台 SM4 密钥加密保存';
COMMENT ON COLUMN exchange.signing_keys.created_at IS '生成时间';
