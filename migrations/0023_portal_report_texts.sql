-- The annual disclosure report's written sections (五、存在的主要问题及改进情况; 六、其他需要报告的
-- 事项), which only the reporting agency can write; the platform fills every table from its data.
CREATE TABLE portal.report_texts (
  unit_id uuid NOT NULL,
  year integer NOT NULL CHECK (year BETWEEN 2008 AND 2100),
  section text NOT NULL CHECK (section IN ('problems', 'other')),
  body text NOT NULL CHECK (length(body) <= 20000),
  updated_by_name text NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (unit_id, year, section)
);
COMMENT ON TABLE portal.report_texts IS '年度报告中由机关撰写的文字部分 (五、存在的主要问题及改进情况; 六、其他需要报告的事项), 由政务公开专员填写并留痕';
COMMENT ON COLUMN portal.report_texts.unit_id IS '报告机关 (directory 单位标识)';
COMMENT ON COLUMN portal.report_texts.year IS '报告年度';
COMMENT ON COLUMN portal.report_texts.section IS '部分: problems 五、存在的主要问题及改进情况 / other 六、其他需要报告的事项';
COMMENT ON COLUMN portal.report_texts.body IS '正文 (纯文本, 段落以空行分隔)';
COMMENT ON COLUMN portal.report_texts.updated_by_name IS '填写人';
COMMENT ON COLUMN portal.report_texts.updated_at IS '填写时间';
