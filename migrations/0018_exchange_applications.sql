-- Exchange: the answer deadline of access applications (有条件共享: 10 working days from the
-- application, computed by the workflow engine from the working-day calendar) kept on the
-- application, so lists and the dashboard count open and overdue applications without reading the
-- engine's tables; and whether the data authority answered in the provider's place after the deadline.
ALTER TABLE exchange.applications ADD COLUMN answer_due_at timestamptz;
ALTER TABLE exchange.applications ADD COLUMN decided_by_authority boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN exchange.applications.answer_due_at IS '答复期限 (有条件共享: 申请后 10 个工作日, 按工作日历计算; 无条件共享为空)';
COMMENT ON COLUMN exchange.applications.decided_by_authority IS '是否由数据主管部门在提供方超期未答复时代为答复';
CREATE INDEX applications_pending_due ON exchange.applications (answer_due_at) WHERE status = 'pending';
