-- Attachments (附件): metadata of files stored by SM3 digest on disk (DATA_DIR/files/ab/cd/<sm3>).
-- Owners belong to other modules (a case, a document); no foreign key, the kernel knows no module.
CREATE SCHEMA IF NOT EXISTS files;
COMMENT ON SCHEMA files IS '附件: 按 SM3 摘要存储的文件及其归属';

CREATE TABLE files.attachments (
  id uuid PRIMARY KEY,
  sm3 text NOT NULL CHECK (sm3 ~ '^[0-9a-f]{64}$'),
  size bigint NOT NULL CHECK (size > 0),
  detected_type text NOT NULL,
  original_name text NOT NULL,
  owner_type text NOT NULL,
  owner_id text NOT NULL,
  uploaded_by uuid,
  uploaded_at timestamptz NOT NULL
);
COMMENT ON TABLE files.attachments IS '附件: 一次上传一行; 相同内容只存一份文件 (按 SM3 摘要), 可被多行引用';
COMMENT ON COLUMN files.attachments.id IS '附件标识 (UUIDv7)';
COMMENT ON COLUMN files.attachments.sm3 IS '文件内容的 SM3 摘要 (十六进制), 即存储位置 files/<前2位>/<3-4位>/<摘要>';
COMMENT ON COLUMN files.attachments.size IS '文件大小 (字节)';
COMMENT ON COLUMN files.attachments.detected_type IS '按内容检测的类型: pdf, png, jpeg, gif, webp, docx, xlsx, ofd, text 等 (不看文件名)';
COMMENT ON COLUMN files.attachments.original_name IS '上传时的文件名 (已去除路径与控制字符), 下载时使用';
COMMENT ON COLUMN files.attachments.owner_type IS '归属类型, 如 workflow.case; 由该类型所属模块登记的策略决定谁能查看';
COMMENT ON COLUMN files.attachments.owner_id IS '归属对象标识 (案件、公文等)';
COMMENT ON COLUMN files.attachments.uploaded_by IS '上传人账号标识; 系统生成的附件为空';
COMMENT ON COLUMN files.attachments.uploaded_at IS '上传时间';
CREATE INDEX attachments_owner_idx ON files.attachments (owner_type, owner_id, uploaded_at);
CREATE INDEX attachments_sm3_idx ON files.attachments (sm3);
