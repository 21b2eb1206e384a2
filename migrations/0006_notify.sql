-- Notifications (消息通知): in-app messages, per-user channel preferences, email/SMS deliveries.
-- Recipients are account ids of the identity module; no foreign key, the kernel knows no module.
CREATE SCHEMA IF NOT EXISTS notify;
COMMENT ON SCHEMA notify IS '消息通知: 站内消息、接收偏好、邮件与短信投递';

CREATE TABLE notify.messages (
  id uuid PRIMARY KEY,
  recipient_id uuid NOT NULL,
  template text NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  link text CHECK (link IS NULL OR (link LIKE '/%' AND link NOT LIKE '//%')),
  mandatory boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  read_at timestamptz,
  request_id text NOT NULL
);
COMMENT ON TABLE notify.messages IS '站内消息: 每个接收人一条, 标题与正文在发送时按模板生成';
COMMENT ON COLUMN notify.messages.id IS '消息标识 (UUIDv7)';
COMMENT ON COLUMN notify.messages.recipient_id IS '接收人账号标识 (identity.users.id)';
COMMENT ON COLUMN notify.messages.template IS '通知模板代码, 如 case.assigned';
COMMENT ON COLUMN notify.messages.title IS '标题 (已按模板生成)';
COMMENT ON COLUMN notify.messages.body IS '正文 (纯文本, 已按模板生成)';
COMMENT ON COLUMN notify.messages.link IS '相关页面的站内路径 (以 / 开头), 如待办事项页';
COMMENT ON COLUMN notify.messages.mandatory IS '依法必须送达: 接收人不能退订其邮件、短信通道';
COMMENT ON COLUMN notify.messages.created_at IS '发送时间';
COMMENT ON COLUMN notify.messages.read_at IS '阅读时间; 空表示未读';
COMMENT ON COLUMN notify.messages.request_id IS '产生该消息的请求或事件编号, 便于与审计日志对照';
CREATE INDEX messages_recipient_idx ON notify.messages (recipient_id, created_at DESC, id DESC);
CREATE INDEX messages_unread_idx ON notify.messages (recipient_id) WHERE read_at IS NULL;

CREATE TABLE notify.preferences (
  user_id uuid NOT NULL,
  template text NOT NULL,
  email boolean NOT NULL,
  sms boolean NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, template)
);
COMMENT ON TABLE notify.preferences IS '接收偏好: 每个账号、每个模板选择的可选通道 (站内消息总会送达; 依法必须送达的模板不受此限)';
COMMENT ON COLUMN notify.preferences.user_id IS '账号标识';
COMMENT ON COLUMN notify.preferences.template IS '通知模板代码';
COMMENT ON COLUMN notify.preferences.email IS '是否接收电子邮件';
COMMENT ON COLUMN notify.preferences.sms IS '是否接收短信';
COMMENT ON COLUMN notify.preferences.updated_at IS '最后修改时间';

CREATE TABLE notify.deliveries (
  message_id uuid NOT NULL REFERENCES notify.messages(id),
  channel text NOT NULL CHECK (channel IN ('email', 'sms')),
  status text NOT NULL CHECK (status IN ('queued', 'sent', 'skipped')),
  queued_at timestamptz NOT NULL,
  sent_at timestamptz,
  address text,
  detail text,
  PRIMARY KEY (message_id, channel)
);
COMMENT ON TABLE notify.deliveries IS '邮件、短信投递: 随消息排队, 由事件处理器在提交后发送 (重试与死信见事件投递)';
COMMENT ON COLUMN notify.deliveries.message_id IS '站内消息';
COMMENT ON COLUMN notify.deliveries.channel IS '通道: email 电子邮件 / sms 短信';
COMMENT ON COLUMN notify.deliveries.status IS 'queued 待发送 / sent 已发送 / skipped 未发送 (无地址或通道未配置, 见 detail)';
COMMENT ON COLUMN notify.deliveries.queued_at IS '排队时间';
COMMENT ON COLUMN notify.deliveries.sent_at IS '发送或放弃的时间';
COMMENT ON COLUMN notify.deliveries.address IS '发送地址 (脱敏: 邮箱保留域名, 手机号保留前三后四)';
COMMENT ON COLUMN notify.deliveries.detail IS '未发送的原因';
