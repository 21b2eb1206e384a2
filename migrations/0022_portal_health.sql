-- Portal: site health computed continuously by a worker (the inspection's single-veto rules,
-- broken internal links, messages unanswered for more than 3 months), the stored result per site
-- with the time of the check, and every change of health (a veto appearing or clearing) kept
-- for the security platform. Also: the configurable 我为政府网站找错 entry and reply deadlines
-- per message channel of a site, and closing an opinion solicitation or survey before its end date.

ALTER TABLE portal.sites ADD COLUMN error_report_url text;
COMMENT ON COLUMN portal.sites.error_report_url IS '「我为政府网站找错」入口地址 (如全国政府网站找错平台带本站标识码的地址); 为空时使用本站的找错留言表单';

ALTER TABLE portal.sites ADD COLUMN reply_days jsonb NOT NULL DEFAULT '{}'::jsonb;
COMMENT ON COLUMN portal.sites.reply_days IS '本站各留言渠道的答复期限 (工作日), 如 {"mailbox": 10}; 未设置的渠道用平台默认值 (找错 3, 咨询 5, 信箱 10, 投诉 10)';

ALTER TABLE portal.solicitations ADD COLUMN closed_at timestamptz;
ALTER TABLE portal.solicitations ADD COLUMN closed_by_name text;
COMMENT ON COLUMN portal.solicitations.closed_at IS '提前结束征集的时间 (为空表示按截止日期结束)';
COMMENT ON COLUMN portal.solicitations.closed_by_name IS '结束征集的工作人员姓名';

ALTER TABLE portal.surveys ADD COLUMN closed_at timestamptz;
ALTER TABLE portal.surveys ADD COLUMN closed_by_name text;
COMMENT ON COLUMN portal.surveys.closed_at IS '提前结束调查的时间 (为空表示按截止日期结束)';
COMMENT ON COLUMN portal.surveys.closed_by_name IS '结束调查的工作人员姓名';

CREATE TABLE portal.site_health (
  site_code text PRIMARY KEY REFERENCES portal.sites (code),
  due_at timestamptz NOT NULL,
  checked_at timestamptz,
  vetoed boolean NOT NULL DEFAULT false,
  veto_keys jsonb NOT NULL DEFAULT '[]'::jsonb,
  checks jsonb NOT NULL DEFAULT '[]'::jsonb,
  last_published_at timestamptz,
  content_version bigint,
  duration_ms integer
);
CREATE INDEX site_health_due ON portal.site_health (due_at);
COMMENT ON TABLE portal.site_health IS '网站健康检查结果: 每个网站一行, 由后台任务定期 (及发布后) 重新计算单项否决指标和错误链接';
COMMENT ON COLUMN portal.site_health.site_code IS '网站标识码';
COMMENT ON COLUMN portal.site_health.due_at IS '下次应检查的时间 (发布、撤稿、答复留言后置为当前时间, 立即重新检查)';
COMMENT ON COLUMN portal.site_health.checked_at IS '最近一次检查完成的时间 (为空表示尚未检查)';
COMMENT ON COLUMN portal.site_health.vetoed IS '是否触发任一单项否决指标';
COMMENT ON COLUMN portal.site_health.veto_keys IS '触发单项否决的指标代码 (JSON 数组: homepage, stale_columns, empty_columns, unanswered)';
COMMENT ON COLUMN portal.site_health.checks IS '各项指标的结果 (JSON 数组: 代码、名称、数值、是否否决、明细)';
COMMENT ON COLUMN portal.site_health.last_published_at IS '检查时网站最近一次发布信息的时间';
COMMENT ON COLUMN portal.site_health.content_version IS '检查时网站的内容版本号 (页面缓存版本)';
COMMENT ON COLUMN portal.site_health.duration_ms IS '本次检查耗时 (毫秒)';

CREATE TABLE portal.site_health_changes (
  id uuid PRIMARY KEY,
  site_code text NOT NULL REFERENCES portal.sites (code),
  changed_at timestamptz NOT NULL,
  check_key text NOT NULL,
  change text NOT NULL CHECK (change IN ('veto_raised', 'veto_cleared', 'issue_raised', 'issue_cleared')),
  value_before integer,
  value_after integer NOT NULL,
  details jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX site_health_changes_site ON portal.site_health_changes (site_code, changed_at DESC);
CREATE INDEX site_health_changes_time ON portal.site_health_changes (changed_at);
COMMENT ON TABLE portal.site_health_changes IS '网站健康状况变化记录: 单项否决出现或消除、扣分项 (错误链接) 出现或消除, 供安全监管平台使用';
COMMENT ON COLUMN portal.site_health_changes.id IS '记录标识 (UUIDv7)';
COMMENT ON COLUMN portal.site_health_changes.site_code IS '网站标识码';
COMMENT ON COLUMN portal.site_health_changes.changed_at IS '发现变化的检查时间';
COMMENT ON COLUMN portal.site_health_changes.check_key IS '指标代码: homepage 首页更新 / stale_columns 栏目不更新 / empty_columns 空白栏目 / unanswered 超 3 个月未答复留言 / broken_links 错误链接';
COMMENT ON COLUMN portal.site_health_changes.change IS '变化: veto_raised 出现单项否决 / veto_cleared 否决消除 / issue_raised 出现扣分问题 / issue_cleared 扣分问题消除';
COMMENT ON COLUMN portal.site_health_changes.value_before IS '变化前的数值 (首次检查为空)';
COMMENT ON COLUMN portal.site_health_changes.value_after IS '变化后的数值 (如不更新栏目数、错误链接数; 首页为未更新天数, -1 表示从未发布)';
COMMENT ON COLUMN portal.site_health_changes.details IS '变化后的明细 (JSON 数组, 最多 50 条)';
