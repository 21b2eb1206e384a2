-- Identity and access (身份与权限): accounts, roles as sets of scopes, assignments, sessions, API keys.
CREATE SCHEMA IF NOT EXISTS identity;

CREATE TABLE identity.users (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('staff', 'citizen', 'enterprise', 'service')),
  login_name text NOT NULL UNIQUE,
  display_name text NOT NULL,
  id_number text UNIQUE CHECK (id_number ~ '^[0-9]{17}[0-9X]$'),
  uscc text UNIQUE CHECK (uscc ~ '^[0-9A-HJ-NP-RTUWXY]{18}$'),
  phone text,
  email text,
  home_unit_id uuid REFERENCES directory.units(id),
  password_hash text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  totp_secret_sealed text,
  totp_enabled boolean NOT NULL DEFAULT false,
  totp_last_step bigint,
  password_changed_at timestamptz,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
COMMENT ON TABLE identity.users IS '账号: 工作人员、自然人、法人与业务系统服务账号';
COMMENT ON COLUMN identity.users.id IS '账号标识 (UUIDv7)';
COMMENT ON COLUMN identity.users.kind IS '类型: staff 工作人员 / citizen 自然人 / enterprise 法人 / service 服务账号';
COMMENT ON COLUMN identity.users.login_name IS '登录名 (工作人员为用户名, 自然人为身份号码, 法人为信用代码)';
COMMENT ON COLUMN identity.users.display_name IS '姓名或单位名称';
COMMENT ON COLUMN identity.users.id_number IS '公民身份号码 (GB 11643, 校验位已核验; 个人信息, 默认脱敏显示)';
COMMENT ON COLUMN identity.users.uscc IS '统一社会信用代码 (GB 32100, 校验位已核验)';
COMMENT ON COLUMN identity.users.phone IS '手机号码 (个人信息, 默认脱敏显示)';
COMMENT ON COLUMN identity.users.email IS '电子邮箱';
COMMENT ON COLUMN identity.users.home_unit_id IS '工作人员或服务账号所属单位, 决定哪些管理员可管理该账号';
COMMENT ON COLUMN identity.users.password_hash IS 'argon2id 口令摘要; 服务账号为空';
COMMENT ON COLUMN identity.users.status IS 'active 正常 / disabled 已停用';
COMMENT ON COLUMN identity.users.failed_logins IS '连续登录失败次数';
COMMENT ON COLUMN identity.users.locked_until IS '锁定截止时间 (连续失败后)';
COMMENT ON COLUMN identity.users.totp_secret_sealed IS 'TOTP 密钥, SM4 加密保存';
COMMENT ON COLUMN identity.users.totp_enabled IS '是否已启用动态口令 (管理员必须启用)';
COMMENT ON COLUMN identity.users.totp_last_step IS '最近一次使用的 TOTP 时间步, 防止同一口令重放';
COMMENT ON COLUMN identity.users.password_changed_at IS '口令最近修改时间';
COMMENT ON COLUMN identity.users.is_demo IS '是否为演示账号';
COMMENT ON COLUMN identity.users.created_at IS '创建时间';
COMMENT ON COLUMN identity.users.updated_at IS '最后修改时间';

CREATE TABLE identity.roles (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  mlps_admin text CHECK (mlps_admin IN ('system', 'security', 'audit')),
  requires_mfa boolean NOT NULL DEFAULT false,
  builtin boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
COMMENT ON TABLE identity.roles IS '角色: 一组权限范围 (scope)';
COMMENT ON COLUMN identity.roles.id IS '角色标识';
COMMENT ON COLUMN identity.roles.code IS '角色代码';
COMMENT ON COLUMN identity.roles.name IS '角色名称';
COMMENT ON COLUMN identity.roles.description IS '说明';
COMMENT ON COLUMN identity.roles.mlps_admin IS '等保“三员”之一: system 系统管理员 / security 安全管理员 / audit 审计管理员; 一个账号至多担任其一';
COMMENT ON COLUMN identity.roles.requires_mfa IS '担任该角色须启用双因素认证';
COMMENT ON COLUMN identity.roles.builtin IS '内置角色 (不可删除)';
COMMENT ON COLUMN identity.roles.created_at IS '创建时间';
COMMENT ON COLUMN identity.roles.updated_at IS '最后修改时间';

CREATE TABLE identity.role_scopes (
  role_id uuid NOT NULL REFERENCES identity.roles(id) ON DELETE CASCADE,
  scope text NOT NULL,
  PRIMARY KEY (role_id, scope)
);
COMMENT ON TABLE identity.role_scopes IS '角色包含的权限范围';
COMMENT ON COLUMN identity.role_scopes.role_id IS '角色';
COMMENT ON COLUMN identity.role_scopes.scope IS '权限范围名称, 如 directory.unit.write';

CREATE TABLE identity.assignments (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES identity.users(id),
  role_id uuid NOT NULL REFERENCES identity.roles(id),
  unit_id uuid NOT NULL REFERENCES directory.units(id),
  created_at timestamptz NOT NULL,
  created_by uuid,
  UNIQUE (user_id, role_id, unit_id)
);
COMMENT ON TABLE identity.assignments IS '岗位授权: (账号, 角色, 单位), 权限以单位所在区划及下辖区划为界';
COMMENT ON COLUMN identity.assignments.id IS '授权标识';
COMMENT ON COLUMN identity.assignments.user_id IS '账号';
COMMENT ON COLUMN identity.assignments.role_id IS '角色';
COMMENT ON COLUMN identity.assignments.unit_id IS '所在单位';
COMMENT ON COLUMN identity.assignments.created_at IS '授权时间';
COMMENT ON COLUMN identity.assignments.created_by IS '授权人';
CREATE INDEX assignments_user_idx ON identity.assignments (user_id);

CREATE TABLE identity.sessions (
  id uuid PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES identity.users(id),
  second_factor_done boolean NOT NULL,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ip text,
  user_agent text,
  revoked_at timestamptz
);
COMMENT ON TABLE identity.sessions IS '服务端会话; Cookie 中只存随机令牌, 库中存其 SM3 摘要';
COMMENT ON COLUMN identity.sessions.id IS '会话标识';
COMMENT ON COLUMN identity.sessions.token_hash IS '会话令牌的 SM3 摘要';
COMMENT ON COLUMN identity.sessions.user_id IS '账号';
COMMENT ON COLUMN identity.sessions.second_factor_done IS '本会话是否已通过动态口令验证; 账号需要双因素而未验证时会话不具任何权限';
COMMENT ON COLUMN identity.sessions.created_at IS '登录时间';
COMMENT ON COLUMN identity.sessions.last_seen_at IS '最近活动时间 (空闲超时据此计算)';
COMMENT ON COLUMN identity.sessions.expires_at IS '绝对过期时间';
COMMENT ON COLUMN identity.sessions.ip IS '登录 IP';
COMMENT ON COLUMN identity.sessions.user_agent IS '浏览器标识';
COMMENT ON COLUMN identity.sessions.revoked_at IS '注销或被强制下线的时间';
CREATE INDEX sessions_user_idx ON identity.sessions (user_id);

CREATE TABLE identity.api_keys (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES identity.users(id),
  name text NOT NULL,
  key_prefix text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz
);
COMMENT ON TABLE identity.api_keys IS '业务系统服务账号的 API 密钥; 明文只在创建时显示一次';
COMMENT ON COLUMN identity.api_keys.id IS '密钥标识';
COMMENT ON COLUMN identity.api_keys.user_id IS '所属服务账号';
COMMENT ON COLUMN identity.api_keys.name IS '用途说明';
COMMENT ON COLUMN identity.api_keys.key_prefix IS '密钥前缀 (便于识别, 不足以使用)';
COMMENT ON COLUMN identity.api_keys.key_hash IS '密钥的 SM3 摘要';
COMMENT ON COLUMN identity.api_keys.created_at IS '创建时间';
COMMENT ON COLUMN identity.api_keys.expires_at IS '过期时间';
COMMENT ON COLUMN identity.api_keys.revoked_at IS '吊销时间';
COMMENT ON COLUMN identity.api_keys.last_used_at IS '最近使用时间';
