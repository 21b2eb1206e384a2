-- Bulk imports (批量导入): one job per uploaded CSV/XLSX file, processed in batches. Each batch is
-- all-or-nothing: its rows, its `batches` row and the job's progress commit in ONE transaction, so a
-- crashed import resumes after the last committed batch. A batch with a bad row stores none of its
-- rows; every bad row is kept in `row_errors` (the downloadable error report).
CREATE SCHEMA IF NOT EXISTS imports;
COMMENT ON SCHEMA imports IS '批量导入: 导入任务、批次与逐行问题';

CREATE TABLE imports.jobs (
  id uuid PRIMARY KEY,
  kind text NOT NULL,
  label text NOT NULL,
  scope text NOT NULL,
  file_name text NOT NULL,
  file_path text NOT NULL,
  file_format text NOT NULL CHECK (file_format IN ('csv', 'xlsx')),
  file_encoding text NOT NULL DEFAULT 'utf-8' CHECK (file_encoding IN ('utf-8', 'gb18030')),
  file_size bigint NOT NULL CHECK (file_size >= 0),
  file_sm3 text NOT NULL,
  options jsonb NOT NULL DEFAULT '{}'::jsonb,
  batch_size integer NOT NULL CHECK (batch_size BETWEEN 1 AND 1000000),
  status text NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'completed_with_errors', 'failed', 'cancelled')),
  runner text,
  estimated_rows bigint,
  next_row bigint NOT NULL DEFAULT 2,
  next_byte bigint,
  batches_committed integer NOT NULL DEFAULT 0,
  batches_failed integer NOT NULL DEFAULT 0,
  rows_read bigint NOT NULL DEFAULT 0,
  rows_inserted bigint NOT NULL DEFAULT 0,
  rows_updated bigint NOT NULL DEFAULT 0,
  rows_unchanged bigint NOT NULL DEFAULT 0,
  rows_failed bigint NOT NULL DEFAULT 0,
  error_count bigint NOT NULL DEFAULT 0,
  last_error text,
  created_by uuid,
  created_by_name text NOT NULL,
  unit_id uuid,
  region_prefix text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  started_at timestamptz,
  heartbeat_at timestamptz,
  finished_at timestamptz,
  resumed_count integer NOT NULL DEFAULT 0
);
COMMENT ON TABLE imports.jobs IS '导入任务: 一个上传文件一行; 进度页和命令行进度条轮询本表';
COMMENT ON COLUMN imports.jobs.id IS '任务标识 (UUIDv7)';
COMMENT ON COLUMN imports.jobs.kind IS '导入类型 (由模块定义), 如 registries.persons';
COMMENT ON COLUMN imports.jobs.label IS '导入类型的中文名称, 如 人口基础信息导入';
COMMENT ON COLUMN imports.jobs.scope IS '查看和继续此任务所需的权限范围 (导入类型定义的 scope)';
COMMENT ON COLUMN imports.jobs.file_name IS '上传时的文件名';
COMMENT ON COLUMN imports.jobs.file_path IS '文件在服务器上的位置 (DATA_DIR/imports 下), 续传时重新读取';
COMMENT ON COLUMN imports.jobs.file_format IS '文件格式: csv 或 xlsx';
COMMENT ON COLUMN imports.jobs.file_encoding IS 'CSV 编码: utf-8 (可带 BOM) 或 gb18030 (Excel 中文版默认)';
COMMENT ON COLUMN imports.jobs.file_size IS '文件大小 (字节)';
COMMENT ON COLUMN imports.jobs.file_sm3 IS '文件内容的 SM3 摘要 (大文件取前 64 MB), 续传前核对文件未被替换';
COMMENT ON COLUMN imports.jobs.options IS '导入类型的选项 (如 来源部门), JSON';
COMMENT ON COLUMN imports.jobs.batch_size IS '每批行数; 每批一个事务, 全部成功或全部不写入';
COMMENT ON COLUMN imports.jobs.status IS '状态: pending 待处理, running 处理中, completed 完成, completed_with_errors 完成但有未导入的批次, failed 失败 (文件不可用), cancelled 已取消';
COMMENT ON COLUMN imports.jobs.runner IS '正在处理本任务的进程标识 (主机:进程号:随机数); 心跳超时后其他进程可接手';
COMMENT ON COLUMN imports.jobs.estimated_rows IS '估计的数据行数 (按文件大小和已读行推算, 用于进度百分比)';
COMMENT ON COLUMN imports.jobs.next_row IS '下一批的第一行行号 (第 1 行为表头, 与 Excel 一致); 续传从此行开始';
COMMENT ON COLUMN imports.jobs.next_byte IS 'UTF-8 CSV 中下一批开始处的字节偏移, 续传时直接定位 (其他格式为空, 按行号跳过)';
COMMENT ON COLUMN imports.jobs.batches_committed IS '已提交的批次数';
COMMENT ON COLUMN imports.jobs.batches_failed IS '因存在问题行而整批未写入的批次数';
COMMENT ON COLUMN imports.jobs.rows_read IS '已处理 (提交或拒绝) 的数据行数';
COMMENT ON COLUMN imports.jobs.rows_inserted IS '新增的行数';
COMMENT ON COLUMN imports.jobs.rows_updated IS '更新的行数 (按主键已存在且内容有变化)';
COMMENT ON COLUMN imports.jobs.rows_unchanged IS '内容相同而未改动的行数 (重复导入同一文件时全部计入此项)';
COMMENT ON COLUMN imports.jobs.rows_failed IS '未写入的行数 (所在批次有问题行)';
COMMENT ON COLUMN imports.jobs.error_count IS '逐行问题总数 (见 imports.row_errors)';
COMMENT ON COLUMN imports.jobs.last_error IS '任务级错误 (文件无法读取、表头错误等)';
COMMENT ON COLUMN imports.jobs.created_by IS '发起人账号标识; 命令行导入为空';
COMMENT ON COLUMN imports.jobs.created_by_name IS '发起人姓名 (或 命令行)';
COMMENT ON COLUMN imports.jobs.unit_id IS '发起人所在单位 (持有导入权限的单位)';
COMMENT ON COLUMN imports.jobs.region_prefix IS '发起人单位的辖区前缀; 同一辖区持有该权限的人员也可查看进度';
COMMENT ON COLUMN imports.jobs.created_at IS '创建时间';
COMMENT ON COLUMN imports.jobs.started_at IS '开始处理时间';
COMMENT ON COLUMN imports.jobs.heartbeat_at IS '处理进程最近一次报告进度的时间';
COMMENT ON COLUMN imports.jobs.finished_at IS '结束时间';
COMMENT ON COLUMN imports.jobs.resumed_count IS '中断后续传的次数';
CREATE INDEX jobs_kind_created_idx ON imports.jobs (kind, created_at DESC);
CREATE INDEX jobs_running_idx ON imports.jobs (heartbeat_at) WHERE status IN ('pending', 'running');

CREATE TABLE imports.batches (
  job_id uuid NOT NULL REFERENCES imports.jobs (id) ON DELETE CASCADE,
  batch_no integer NOT NULL,
  first_row bigint NOT NULL,
  last_row bigint NOT NULL,
  status text NOT NULL CHECK (status IN ('committed', 'failed')),
  rows integer NOT NULL,
  inserted integer NOT NULL DEFAULT 0,
  updated integer NOT NULL DEFAULT 0,
  error_count integer NOT NULL DEFAULT 0,
  duration_ms integer NOT NULL DEFAULT 0,
  finished_at timestamptz NOT NULL,
  PRIMARY KEY (job_id, batch_no)
);
COMMENT ON TABLE imports.batches IS '导入批次: 与该批数据在同一事务中写入, 因此本表是续传的依据';
COMMENT ON COLUMN imports.batches.job_id IS '所属任务';
COMMENT ON COLUMN imports.batches.batch_no IS '批次序号 (从 1 开始)';
COMMENT ON COLUMN imports.batches.first_row IS '本批第一行行号 (第 1 行为表头)';
COMMENT ON COLUMN imports.batches.last_row IS '本批最后一行行号';
COMMENT ON COLUMN imports.batches.status IS 'committed 已写入, failed 有问题行而整批未写入';
COMMENT ON COLUMN imports.batches.rows IS '本批数据行数';
COMMENT ON COLUMN imports.batches.inserted IS '本批新增行数';
COMMENT ON COLUMN imports.batches.updated IS '本批更新行数';
COMMENT ON COLUMN imports.batches.error_count IS '本批逐行问题数';
COMMENT ON COLUMN imports.batches.duration_ms IS '本批校验和写入耗时 (毫秒)';
COMMENT ON COLUMN imports.batches.finished_at IS '本批完成时间';

CREATE TABLE imports.row_errors (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id uuid NOT NULL REFERENCES imports.jobs (id) ON DELETE CASCADE,
  batch_no integer NOT NULL,
  row_no bigint NOT NULL,
  column_name text NOT NULL DEFAULT '',
  message text NOT NULL,
  value text
);
COMMENT ON TABLE imports.row_errors IS '逐行问题: 导入文件中每一处不合格的数据 (可下载为 CSV 问题清单)';
COMMENT ON COLUMN imports.row_errors.id IS '序号';
COMMENT ON COLUMN imports.row_errors.job_id IS '所属任务';
COMMENT ON COLUMN imports.row_errors.batch_no IS '所在批次';
COMMENT ON COLUMN imports.row_errors.row_no IS '行号 (第 1 行为表头, 与 Excel 一致)';
COMMENT ON COLUMN imports.row_errors.column_name IS '列名 (中文表头); 整行问题为空';
COMMENT ON COLUMN imports.row_errors.message IS '问题说明 (中文)';
COMMENT ON COLUMN imports.row_errors.value IS '该单元格的原值 (截断到 200 字符)';
CREATE INDEX row_errors_job_idx ON imports.row_errors (job_id, row_no);
