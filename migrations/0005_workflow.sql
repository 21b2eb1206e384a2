-- Workflow engine (办件流程引擎): definition versions, cases, their append-only history, paused
-- clocks and the timers (reminders, escalation, automatic transitions) that survive restarts.
CREATE SCHEMA IF NOT EXISTS workflow;

CREATE TABLE workflow.definitions (
  key text NOT NULL,
  version integer NOT NULL CHECK (version > 0),
  hash text NOT NULL,
  title text NOT NULL,
  shape jsonb NOT NULL,
  registered_at timestamptz NOT NULL,
  PRIMARY KEY (key, version)
);
COMMENT ON TABLE workflow.definitions IS '流程定义版本: 各模块在代码中定义的流程, 启动时登记版本号与结构摘要; 结构变化必须提高版本号';
COMMENT ON COLUMN workflow.definitions.key IS '流程标识, 如 documents.outgoing';
COMMENT ON COLUMN workflow.definitions.version IS '版本号 (正整数); 运行中的案件始终按启动时的版本办理';
COMMENT ON COLUMN workflow.definitions.hash IS '流程结构 (状态、流转、期限、字段) 规范化 JSON 的 SM3 摘要';
COMMENT ON COLUMN workflow.definitions.title IS '流程名称 (中文)';
COMMENT ON COLUMN workflow.definitions.shape IS '流程结构 (参与摘要计算的内容), 便于核对';
COMMENT ON COLUMN workflow.definitions.registered_at IS '首次登记时间';

CREATE TABLE workflow.cases (
  id uuid PRIMARY KEY,
  definition_key text NOT NULL,
  definition_version integer NOT NULL,
  title text NOT NULL,
  subject_module text NOT NULL,
  subject_id text NOT NULL,
  region_code text NOT NULL,
  state text NOT NULL,
  state_seq integer NOT NULL DEFAULT 1,
  state_entered_at timestamptz NOT NULL,
  clock_seq integer NOT NULL DEFAULT 0,
  status text NOT NULL CHECK (status IN ('open', 'correction', 'suspended', 'closed', 'withdrawn')),
  candidate_unit_id uuid,
  candidate_unit_name text,
  required_scope text,
  assignee_user_id uuid,
  assignee_name text,
  started_by_user_id uuid,
  started_by_name text NOT NULL,
  started_by_kind text NOT NULL,
  started_at timestamptz NOT NULL,
  closed_at timestamptz,
  deadline_at timestamptz,
  deadline_unit text CHECK (deadline_unit IN ('days', 'hours')),
  deadline_amount integer,
  paused_since timestamptz,
  pause_reason text,
  late boolean NOT NULL DEFAULT false,
  escalated_at timestamptz,
  escalation_unit_id uuid,
  escalation_unit_name text,
  escalation_scope text,
  handling_working_days numeric(10, 2),
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL,
  FOREIGN KEY (definition_key, definition_version) REFERENCES workflow.definitions (key, version)
);
COMMENT ON TABLE workflow.cases IS '案件 (办件): 一个业务对象 (公文、申请、信件…) 在流程中的办理实例';
COMMENT ON COLUMN workflow.cases.id IS '案件标识 (UUIDv7)';
COMMENT ON COLUMN workflow.cases.definition_key IS '流程标识';
COMMENT ON COLUMN workflow.cases.definition_version IS '启动时的流程版本, 办结前不变';
COMMENT ON COLUMN workflow.cases.title IS '案件标题 (显示在待办中)';
COMMENT ON COLUMN workflow.cases.subject_module IS '业务对象所属模块, 如 documents';
COMMENT ON COLUMN workflow.cases.subject_id IS '业务对象在该模块中的标识';
COMMENT ON COLUMN workflow.cases.region_code IS '案件所属行政区划代码 (GB/T 2260), 决定按辖区可见';
COMMENT ON COLUMN workflow.cases.state IS '当前状态 (流程定义中的状态标识)';
COMMENT ON COLUMN workflow.cases.state_seq IS '进入状态的序号, 每次流转加一; 定时任务据此判断是否过时';
COMMENT ON COLUMN workflow.cases.state_entered_at IS '进入当前状态的时间 (本环节计时起点)';
COMMENT ON COLUMN workflow.cases.clock_seq IS '计时重算序号, 每次重算期限 (进入环节、暂停、恢复) 加一; 定时任务据此判断是否过时';
COMMENT ON COLUMN workflow.cases.status IS '办理状态: open 办理中 / correction 待补正 / suspended 已中止 / closed 已办结 / withdrawn 已撤回';
COMMENT ON COLUMN workflow.cases.candidate_unit_id IS '当前办理单位 (待认领时为该单位的候选池; 办结后为最后办理单位)';
COMMENT ON COLUMN workflow.cases.candidate_unit_name IS '当前办理单位名称 (当时)';
COMMENT ON COLUMN workflow.cases.required_scope IS '在办理单位办理本环节所需的权限';
COMMENT ON COLUMN workflow.cases.assignee_user_id IS '承办人账号 (已签收或指定); 为空表示在单位候选池中待认领';
COMMENT ON COLUMN workflow.cases.assignee_name IS '承办人姓名 (当时)';
COMMENT ON COLUMN workflow.cases.started_by_user_id IS '发起人账号 (申请人或起草人), 可撤回';
COMMENT ON COLUMN workflow.cases.started_by_name IS '发起人姓名 (当时)';
COMMENT ON COLUMN workflow.cases.started_by_kind IS '发起人类型: staff/citizen/enterprise/service/system';
COMMENT ON COLUMN workflow.cases.started_at IS '发起 (受理) 时间';
COMMENT ON COLUMN workflow.cases.closed_at IS '办结或撤回时间';
COMMENT ON COLUMN workflow.cases.deadline_at IS '本环节办理期限 (已扣除暂停时间); 计时暂停中或本环节无期限时为空';
COMMENT ON COLUMN workflow.cases.deadline_unit IS '期限单位: days 工作日 / hours 工作时';
COMMENT ON COLUMN workflow.cases.deadline_amount IS '本环节期限的工作日数或工作时数';
COMMENT ON COLUMN workflow.cases.paused_since IS '计时暂停开始时间 (补正、征求意见、现场核查、专家评审)';
COMMENT ON COLUMN workflow.cases.pause_reason IS '暂停原因: correction 补正 / consultation 征求第三方意见 / inspection 现场核查 / expert_review 专家评审';
COMMENT ON COLUMN workflow.cases.late IS '是否曾超期 (任一环节超过期限); 用于统计按期办结';
COMMENT ON COLUMN workflow.cases.escalated_at IS '本环节超期督办时间';
COMMENT ON COLUMN workflow.cases.escalation_unit_id IS '超期后督办单位';
COMMENT ON COLUMN workflow.cases.escalation_unit_name IS '督办单位名称 (当时)';
COMMENT ON COLUMN workflow.cases.escalation_scope IS '督办单位中可查看并督办本案的权限';
COMMENT ON COLUMN workflow.cases.handling_working_days IS '办结用时 (工作日, 已扣除暂停), 办结时计算, 用于统计平均办理时长';
COMMENT ON COLUMN workflow.cases.data IS '案件数据 (JSON), 由流程定义的数据结构校验';
COMMENT ON COLUMN workflow.cases.version IS '乐观锁版本号, 每次变更加一; 过时的操作返回 409';
COMMENT ON COLUMN workflow.cases.updated_at IS '最后变更时间';
CREATE INDEX cases_assignee_idx ON workflow.cases (assignee_user_id) WHERE status IN ('open', 'correction', 'suspended');
CREATE INDEX cases_pool_idx ON workflow.cases (candidate_unit_id, required_scope) WHERE assignee_user_id IS NULL AND status IN ('open', 'correction', 'suspended');
CREATE INDEX cases_deadline_idx ON workflow.cases (deadline_at) WHERE status = 'open';
CREATE INDEX cases_escalation_idx ON workflow.cases (escalation_unit_id) WHERE escalation_unit_id IS NOT NULL AND status = 'open';
CREATE INDEX cases_subject_idx ON workflow.cases (subject_module, subject_id);
CREATE INDEX cases_region_idx ON workflow.cases (region_code text_pattern_ops, started_at);
CREATE INDEX cases_definition_idx ON workflow.cases (definition_key, started_at);

CREATE TABLE workflow.history (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES workflow.cases (id),
  seq integer NOT NULL,
  at timestamptz NOT NULL,
  action text NOT NULL,
  transition text,
  from_state text,
  to_state text,
  actor_kind text NOT NULL,
  actor_user_id uuid,
  actor_name text NOT NULL,
  actor_unit_id uuid,
  actor_unit_name text,
  comment text,
  fields jsonb NOT NULL DEFAULT '{}'::jsonb,
  attachment_ids jsonb NOT NULL DEFAULT '[]'::jsonb,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  UNIQUE (case_id, seq)
);
COMMENT ON TABLE workflow.history IS '案件办理记录: 谁、何时、做了什么 (流转、签收、转办、补正、中止…), 只增不改';
COMMENT ON COLUMN workflow.history.id IS '记录标识 (UUIDv7)';
COMMENT ON COLUMN workflow.history.case_id IS '案件';
COMMENT ON COLUMN workflow.history.seq IS '案件内序号, 从 1 递增';
COMMENT ON COLUMN workflow.history.at IS '发生时间';
COMMENT ON COLUMN workflow.history.action IS '操作: start/transition/claim/release/hand_over/return_for_correction/correct/suspend/resume/withdraw/remind/escalate';
COMMENT ON COLUMN workflow.history.transition IS '流转名称 (action = transition 时)';
COMMENT ON COLUMN workflow.history.from_state IS '操作前状态';
COMMENT ON COLUMN workflow.history.to_state IS '操作后状态';
COMMENT ON COLUMN workflow.history.actor_kind IS '操作者类型 (system 为定时任务)';
COMMENT ON COLUMN workflow.history.actor_user_id IS '操作者账号';
COMMENT ON COLUMN workflow.history.actor_name IS '操作者姓名 (当时)';
COMMENT ON COLUMN workflow.history.actor_unit_id IS '操作者办理时所在单位';
COMMENT ON COLUMN workflow.history.actor_unit_name IS '操作者单位名称 (当时)';
COMMENT ON COLUMN workflow.history.comment IS '办理意见或说明';
COMMENT ON COLUMN workflow.history.fields IS '本次填写的字段 (JSON)';
COMMENT ON COLUMN workflow.history.attachment_ids IS '本次提交的附件标识 (JSON 数组)';
COMMENT ON COLUMN workflow.history.details IS '其他细节 (JSON), 如转办对象、暂停原因、督办单位';
CREATE INDEX history_actor_idx ON workflow.history (actor_user_id, case_id);

CREATE FUNCTION workflow.history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'workflow.history is append-only';
END $$;
CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON workflow.history
  FOR EACH ROW EXECUTE FUNCTION workflow.history_append_only();

CREATE TABLE workflow.pauses (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES workflow.cases (id),
  state_seq integer NOT NULL,
  reason text NOT NULL CHECK (reason IN ('correction', 'consultation', 'inspection', 'expert_review')),
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  started_by_name text NOT NULL,
  ended_by_name text,
  comment text
);
COMMENT ON TABLE workflow.pauses IS '计时暂停区间: 补正、征求第三方意见、现场核查、专家评审期间不计入办理期限';
COMMENT ON COLUMN workflow.pauses.id IS '标识 (UUIDv7)';
COMMENT ON COLUMN workflow.pauses.case_id IS '案件';
COMMENT ON COLUMN workflow.pauses.state_seq IS '暂停发生在案件的第几个环节 (cases.state_seq)';
COMMENT ON COLUMN workflow.pauses.reason IS '原因: correction 补正 / consultation 征求第三方意见 / inspection 现场核查 / expert_review 专家评审';
COMMENT ON COLUMN workflow.pauses.started_at IS '暂停开始';
COMMENT ON COLUMN workflow.pauses.ended_at IS '恢复计时时间; 为空表示仍在暂停';
COMMENT ON COLUMN workflow.pauses.started_by_name IS '暂停操作者姓名';
COMMENT ON COLUMN workflow.pauses.ended_by_name IS '恢复操作者姓名 (补正时为申请人)';
COMMENT ON COLUMN workflow.pauses.comment IS '暂停说明 (如需补正的内容)';
CREATE INDEX pauses_case_idx ON workflow.pauses (case_id, state_seq);

CREATE TABLE workflow.timers (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES workflow.cases (id),
  state_seq integer NOT NULL,
  clock_seq integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('reminder', 'escalation', 'auto_transition')),
  transition text,
  due_at timestamptz NOT NULL,
  next_attempt_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'fired', 'cancelled', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  fired_at timestamptz,
  lag_ms bigint,
  created_at timestamptz NOT NULL
);
COMMENT ON TABLE workflow.timers IS '流程定时任务: 到期提醒、超期督办、自动流转; 存于数据库, 重启不丢, 多个工作进程只执行一次';
COMMENT ON COLUMN workflow.timers.id IS '标识 (UUIDv7)';
COMMENT ON COLUMN workflow.timers.case_id IS '案件';
COMMENT ON COLUMN workflow.timers.state_seq IS '为案件第几个环节设置; 案件已离开该环节时作废';
COMMENT ON COLUMN workflow.timers.clock_seq IS '按案件第几次计时重算设置 (cases.clock_seq); 不一致即过时, 作废不执行';
COMMENT ON COLUMN workflow.timers.kind IS '类型: reminder 到期提醒 / escalation 超期督办 / auto_transition 自动流转';
COMMENT ON COLUMN workflow.timers.transition IS '自动流转的流转名称 (kind = auto_transition)';
COMMENT ON COLUMN workflow.timers.due_at IS '应执行时间';
COMMENT ON COLUMN workflow.timers.next_attempt_at IS '下次尝试时间 (失败后退避重试)';
COMMENT ON COLUMN workflow.timers.status IS '状态: pending 待执行 / fired 已执行 / cancelled 已作废 / failed 多次失败';
COMMENT ON COLUMN workflow.timers.attempts IS '已尝试次数';
COMMENT ON COLUMN workflow.timers.last_error IS '最近一次失败原因';
COMMENT ON COLUMN workflow.timers.fired_at IS '实际执行时间';
COMMENT ON COLUMN workflow.timers.lag_ms IS '执行延迟 fired_at - due_at (毫秒), 用于性能基准';
COMMENT ON COLUMN workflow.timers.created_at IS '创建时间';
CREATE INDEX timers_due_idx ON workflow.timers (next_attempt_at) WHERE status = 'pending';
CREATE INDEX timers_case_idx ON workflow.timers (case_id) WHERE status = 'pending';
