-- Data sharing and exchange platform, gateway (交换网关): the message log (metadata of every
-- message through /exchange/r1, SM3 hash-chained in commit order and SM2-signed in batches), the
-- client message ids already used (a repeated X-Road-Id is refused) and the credentials the gateway
-- presents to provider systems. Rate limits and quotas per grant live in platform.rate_limits.

CREATE TABLE exchange.messages (
  seq bigint PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  received_at timestamptz NOT NULL,
  client_xroad_id text NOT NULL,
  client_subsystem_id uuid,
  service_xroad_id text NOT NULL,
  resource_id uuid,
  endpoint_id uuid,
  method text NOT NULL,
  rest_path text NOT NULL,
  message_id text NOT NULL,
  user_id text NOT NULL,
  purpose text NOT NULL,
  issue text NOT NULL,
  subject_hash text,
  status integer NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('success', 'client_error', 'gateway_error', 'provider_error')),
  error_code text,
  forwarded boolean NOT NULL,
  request_bytes integer NOT NULL,
  response_bytes integer NOT NULL,
  duration_us integer NOT NULL,
  provider_us integer NOT NULL,
  request_hash text NOT NULL,
  response_hash text NOT NULL,
  request_body text,
  response_body text,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
COMMENT ON TABLE exchange.messages IS '消息日志: 经网关的每条消息的元数据 (时间、客户端、服务、用户、用途、状态、大小、耗时、摘要值), 按提交顺序以 SM3 哈希链相连, 分批 SM2 签名; 仅资源要求时保存完整消息体';
COMMENT ON COLUMN exchange.messages.seq IS '日志序号 (按提交顺序连续, 无空缺)';
COMMENT ON COLUMN exchange.messages.id IS '网关消息编号 (应答头 X-Road-Request-Id)';
COMMENT ON COLUMN exchange.messages.received_at IS '网关收到请求的时间';
COMMENT ON COLUMN exchange.messages.client_xroad_id IS '请求头 X-Road-Client 所称的客户端子系统 (CN-HA/类别/成员/子系统)';
COMMENT ON COLUMN exchange.messages.client_subsystem_id IS '验签通过的客户端子系统 (未通过时为空)';
COMMENT ON COLUMN exchange.messages.service_xroad_id IS '被调用的服务 (提供方子系统/服务代码) 或元服务名';
COMMENT ON COLUMN exchange.messages.resource_id IS '被调用的共享资源 (能确定时)';
COMMENT ON COLUMN exchange.messages.endpoint_id IS '匹配到的端点 (能确定时)';
COMMENT ON COLUMN exchange.messages.method IS 'HTTP 方法';
COMMENT ON COLUMN exchange.messages.rest_path IS '端点的路径模板 (不记录实际路径, 以免记下身份证号等数据主体标识)';
COMMENT ON COLUMN exchange.messages.message_id IS '客户端消息编号 (请求头 X-Road-Id, 同一客户端内唯一)';
COMMENT ON COLUMN exchange.messages.user_id IS '最终用户 (请求头 X-Road-UserId), 如经办人账号';
COMMENT ON COLUMN exchange.messages.purpose IS '使用用途 (请求头 X-Road-Purpose)';
COMMENT ON COLUMN exchange.messages.issue IS '案件或办件编号 (请求头 X-Road-Issue)';
COMMENT ON COLUMN exchange.messages.subject_hash IS '数据主体标识 (端点 subject_param 所指的身份证号或信用代码) 的带密钥 SM3 摘要, 不存原值; 用于"谁用了我的数据"';
COMMENT ON COLUMN exchange.messages.status IS '网关返回给客户端的 HTTP 状态码';
COMMENT ON COLUMN exchange.messages.outcome IS '结果: success 成功 / client_error 客户端错误 / gateway_error 网关错误 / provider_error 提供方错误';
COMMENT ON COLUMN exchange.messages.error_code IS '错误代码 (失败时)';
COMMENT ON COLUMN exchange.messages.forwarded IS '是否已转发给提供方';
COMMENT ON COLUMN exchange.messages.request_bytes IS '请求体字节数';
COMMENT ON COLUMN exchange.messages.response_bytes IS '应答体字节数';
COMMENT ON COLUMN exchange.messages.duration_us IS '网关处理总耗时 (微秒, 收到请求到应答就绪, 含提供方耗时)';
COMMENT ON COLUMN exchange.messages.provider_us IS '提供方耗时 (微秒, 转发到收齐应答)';
COMMENT ON COLUMN exchange.messages.request_hash IS '请求摘要 SM3 (应答头 X-Road-Request-Hash)';
COMMENT ON COLUMN exchange.messages.response_hash IS '应答摘要 SM3 (应答头 X-Road-Response-Hash)';
COMMENT ON COLUMN exchange.messages.request_body IS '完整请求体 (仅资源设置保存消息体时, UTF-8 文本)';
COMMENT ON COLUMN exchange.messages.response_body IS '完整应答体 (仅资源设置保存消息体时, UTF-8 文本)';
COMMENT ON COLUMN exchange.messages.prev_hash IS '前一条日志的哈希 (第一条为 64 个 0)';
COMMENT ON COLUMN exchange.messages.hash IS '本条哈希 = SM3(前一条哈希 ‖ 本条规范化内容)';
CREATE INDEX messages_received ON exchange.messages (received_at);
CREATE INDEX messages_resource ON exchange.messages (resource_id, received_at);
CREATE INDEX messages_client ON exchange.messages (client_xroad_id, received_at);
CREATE INDEX messages_subject ON exchange.messages (subject_hash) WHERE subject_hash IS NOT NULL;

CREATE TABLE exchange.message_log_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  seq bigint NOT NULL,
  hash text NOT NULL
);
COMMENT ON TABLE exchange.message_log_head IS '消息日志链头 (唯一一行): 最后一条的序号和哈希; 写日志时锁住此行, 使链的顺序即提交顺序';
COMMENT ON COLUMN exchange.message_log_head.singleton IS '恒为 true (保证只有一行)';
COMMENT ON COLUMN exchange.message_log_head.seq IS '最后一条日志的序号 (0 表示尚无日志)';
COMMENT ON COLUMN exchange.message_log_head.hash IS '最后一条日志的哈希';
INSERT INTO exchange.message_log_head (singleton, seq, hash) VALUES (true, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE exchange.message_log_seals (
  seq_from bigint PRIMARY KEY,
  seq_to bigint NOT NULL UNIQUE CHECK (seq_to >= seq_from),
  last_hash text NOT NULL,
  signature text NOT NULL,
  public_key_pem text NOT NULL,
  signed_at timestamptz NOT NULL
);
COMMENT ON TABLE exchange.message_log_seals IS '消息日志批次签名: 平台交换密钥 (SM2) 对一批日志最后一条哈希的签名, 每隔若干秒或若干条签一次';
COMMENT ON COLUMN exchange.message_log_seals.seq_from IS '本批第一条日志的序号';
COMMENT ON COLUMN exchange.message_log_seals.seq_to IS '本批最后一条日志的序号';
COMMENT ON COLUMN exchange.message_log_seals.last_hash IS '本批最后一条日志的哈希 (被签名的内容之一)';
COMMENT ON COLUMN exchange.message_log_seals.signature IS 'SM2 签名 (base64), 签名内容为 "序号\n哈希"';
COMMENT ON COLUMN exchange.message_log_seals.public_key_pem IS '签名所用平台交换密钥的公钥 (PEM)';
COMMENT ON COLUMN exchange.message_log_seals.signed_at IS '签名时间';

CREATE TABLE exchange.message_ids (
  client_subsystem_id uuid NOT NULL,
  message_id text NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (client_subsystem_id, message_id)
);
COMMENT ON TABLE exchange.message_ids IS '已使用的客户端消息编号: 同一客户端重复的 X-Road-Id 被拒绝 (防重放)';
COMMENT ON COLUMN exchange.message_ids.client_subsystem_id IS '客户端子系统';
COMMENT ON COLUMN exchange.message_ids.message_id IS '客户端消息编号 (X-Road-Id)';
COMMENT ON COLUMN exchange.message_ids.received_at IS '首次收到的时间';

CREATE TABLE exchange.provider_credentials (
  subsystem_id uuid PRIMARY KEY REFERENCES exchange.subsystems (id),
  authorization_sealed text NOT NULL,
  set_at timestamptz NOT NULL,
  set_by_name text NOT NULL
);
COMMENT ON TABLE exchange.provider_credentials IS '网关访问提供方系统所用的凭证: 转发时加在 Authorization 请求头中 (如提供方发给网关的 API 密钥)';
COMMENT ON COLUMN exchange.provider_credentials.subsystem_id IS '提供方子系统';
COMMENT ON COLUMN exchange.provider_credentials.authorization_sealed IS 'Authorization 请求头的值, 以平台 SM4 密钥加密保存';
COMMENT ON COLUMN exchange.provider_credentials.set_at IS '设置时间';
COMMENT ON COLUMN exchange.provider_credentials.set_by_name IS '设置人姓名';
