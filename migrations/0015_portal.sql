-- Government website group (政府网站集约化平台): sites keyed by the 网站标识码, column trees,
-- articles with versions (publishing steps are workflow cases), the disclosure catalogue fields,
-- disclosure on request (依申请公开) with its statutory clock, interaction (letters, solicitations,
-- surveys), figures typed in for the annual report, and the per-site render version that purges
-- page caches.
CREATE SCHEMA IF NOT EXISTS portal;

CREATE TABLE portal.sites (
  code text PRIMARY KEY CHECK (code ~ '^([0-9]{10}|bm[0-9]{8})$'),
  name text NOT NULL,
  host text UNIQUE,
  level text NOT NULL CHECK (level IN ('province', 'city', 'county', 'department')),
  region_code text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
  parent_code text REFERENCES portal.sites (code),
  sponsor_unit_id uuid,
  sponsor_name text NOT NULL,
  organizer_name text,
  party_label text,
  icp_number text,
  police_number text,
  contact_phone text,
  contact_email text,
  address text,
  theme text NOT NULL DEFAULT 'red' CHECK (theme IN ('red', 'blue', 'green')),
  disclosure_guide text NOT NULL DEFAULT '',
  content_version bigint NOT NULL DEFAULT 1,
  content_changed_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
COMMENT ON TABLE portal.sites IS '政府网站: 以网站标识码为键 (6 位行政区划代码 + 4 位顺序号; 部门网站 bm + 8 位数字)';
COMMENT ON COLUMN portal.sites.code IS '网站标识码 (10 位)';
COMMENT ON COLUMN portal.sites.name IS '网站名称';
COMMENT ON COLUMN portal.sites.host IS '域名 (按主机名访问), 如 www.henan.gov.cn; 演示时也可按路径 /sites/{标识码}/ 访问';
COMMENT ON COLUMN portal.sites.level IS '网站层级: province 省级门户 / city 市级门户 / county 县级门户 / department 部门网站';
COMMENT ON COLUMN portal.sites.region_code IS '所属行政区划代码 (GB/T 2260), 决定编辑权限范围和工作日历';
COMMENT ON COLUMN portal.sites.parent_code IS '上级网站标识码 (市级门户的上级为省级门户; 用于信息转载)';
COMMENT ON COLUMN portal.sites.sponsor_unit_id IS '主办单位 (directory 单位标识)';
COMMENT ON COLUMN portal.sites.sponsor_name IS '网站主办单位名称 (页脚)';
COMMENT ON COLUMN portal.sites.organizer_name IS '承办单位名称 (页脚)';
COMMENT ON COLUMN portal.sites.party_label IS '党政机关网站标识编号 (页脚党政机关标识)';
COMMENT ON COLUMN portal.sites.icp_number IS 'ICP 备案号 (页脚)';
COMMENT ON COLUMN portal.sites.police_number IS '公安机关备案号 (页脚)';
COMMENT ON COLUMN portal.sites.contact_phone IS '联系电话 (页脚)';
COMMENT ON COLUMN portal.sites.contact_email IS '联系邮箱 (页脚)';
COMMENT ON COLUMN portal.sites.address IS '通信地址 (页脚)';
COMMENT ON COLUMN portal.sites.theme IS '页面主题色: red 红 / blue 蓝 / green 绿';
COMMENT ON COLUMN portal.sites.disclosure_guide IS '政府信息公开指南正文 (每行一段)';
COMMENT ON COLUMN portal.sites.content_version IS '内容版本号: 每次发布、撤稿、改栏目时加一; 各进程的页面缓存以它为键, 即发布即清除缓存';
COMMENT ON COLUMN portal.sites.content_changed_at IS '内容最后变化时间 (Last-Modified)';
COMMENT ON COLUMN portal.sites.status IS '状态: active 运行 / closed 已关停';
COMMENT ON COLUMN portal.sites.is_demo IS '演示数据';
COMMENT ON COLUMN portal.sites.created_at IS '创建时间';
COMMENT ON COLUMN portal.sites.updated_at IS '最后修改时间';

CREATE TABLE portal.columns (
  id uuid PRIMARY KEY,
  site_code text NOT NULL REFERENCES portal.sites (code),
  parent_id uuid REFERENCES portal.columns (id),
  slug text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('news', 'notices', 'policies', 'interpretation', 'disclosure', 'services', 'interaction', 'overview', 'other')),
  update_days integer CHECK (update_days IS NULL OR update_days > 0),
  position integer NOT NULL DEFAULT 0,
  in_nav boolean NOT NULL DEFAULT true,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  UNIQUE (site_code, slug)
);
CREATE INDEX columns_site ON portal.columns (site_code, position);
COMMENT ON TABLE portal.columns IS '栏目: 每个网站一棵栏目树, 栏目有类型和应更新周期';
COMMENT ON COLUMN portal.columns.id IS '栏目标识 (UUIDv7)';
COMMENT ON COLUMN portal.columns.site_code IS '所属网站标识码';
COMMENT ON COLUMN portal.columns.parent_id IS '上级栏目 (空为一级栏目)';
COMMENT ON COLUMN portal.columns.slug IS '栏目路径名 (小写字母、数字、连字符), 用于地址 /sites/{标识码}/{路径名}/';
COMMENT ON COLUMN portal.columns.name IS '栏目名称';
COMMENT ON COLUMN portal.columns.type IS '栏目类型: news 动态要闻 / notices 通知公告 / policies 政策文件 / interpretation 政策解读 / disclosure 政务公开 / services 办事服务 / interaction 互动交流 / overview 概况信息 / other 其他';
COMMENT ON COLUMN portal.columns.update_days IS '应更新周期 (天): 超过即为不更新栏目 (动态 14 天, 通知公告和政策文件 180 天); 空为不要求更新';
COMMENT ON COLUMN portal.columns.position IS '同级排序';
COMMENT ON COLUMN portal.columns.in_nav IS '是否显示在网站导航中';
COMMENT ON COLUMN portal.columns.is_demo IS '演示数据';
COMMENT ON COLUMN portal.columns.created_at IS '创建时间';

CREATE TABLE portal.articles (
  id uuid PRIMARY KEY,
  site_code text NOT NULL REFERENCES portal.sites (code),
  column_id uuid NOT NULL REFERENCES portal.columns (id),
  region_code text NOT NULL,
  status text NOT NULL CHECK (status IN ('draft', 'reviewing', 'scheduled', 'published', 'withdrawn')),
  title text NOT NULL,
  current_version integer NOT NULL DEFAULT 1,
  live_version integer,
  live_title text,
  live_summary text,
  live_body text,
  live_author text,
  live_source text,
  publish_at timestamptz,
  published_at timestamptz,
  first_published_at timestamptz,
  withdrawn_at timestamptz,
  withdraw_reason text,
  case_id uuid,
  kind text NOT NULL DEFAULT 'article' CHECK (kind IN ('article', 'policy', 'rule', 'normative', 'interpretation')),
  index_no text UNIQUE,
  doc_number text,
  category text,
  created_date date,
  validity text NOT NULL DEFAULT 'effective' CHECK (validity IN ('effective', 'amended', 'repealed', 'lapsed')),
  validity_note text,
  validity_changed_at timestamptz,
  late_disclosure boolean NOT NULL DEFAULT false,
  disclosure_working_days integer,
  source_article_id uuid REFERENCES portal.articles (id),
  shared boolean NOT NULL DEFAULT false,
  search_text text,
  search_vector tsvector,
  is_demo boolean NOT NULL DEFAULT false,
  created_by_user_id uuid,
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX articles_column_live ON portal.articles (column_id, published_at DESC) WHERE live_version IS NOT NULL;
CREATE INDEX articles_site_live ON portal.articles (site_code, published_at DESC) WHERE live_version IS NOT NULL;
CREATE INDEX articles_site_status ON portal.articles (site_code, status, updated_at DESC);
CREATE INDEX articles_scheduled ON portal.articles (publish_at) WHERE status = 'scheduled';
CREATE INDEX articles_search ON portal.articles USING gin (search_vector);
COMMENT ON TABLE portal.articles IS '文章 (信息): 在线内容 (live_*) 与草稿版本分开, 修改已发布文章不影响线上; 发布环节为 portal.article 流程案件';
COMMENT ON COLUMN portal.articles.id IS '文章标识 (UUIDv7)';
COMMENT ON COLUMN portal.articles.site_code IS '所属网站标识码';
COMMENT ON COLUMN portal.articles.column_id IS '所属栏目';
COMMENT ON COLUMN portal.articles.region_code IS '网站所属行政区划 (编辑权限范围)';
COMMENT ON COLUMN portal.articles.status IS '最近一轮编辑的状态: draft 草稿 / reviewing 待审核 / scheduled 定时发布 / published 已发布 / withdrawn 已撤稿 (修改已发布文章时线上版本照常显示)';
COMMENT ON COLUMN portal.articles.title IS '最新版本的标题 (工作台列表用)';
COMMENT ON COLUMN portal.articles.current_version IS '最新版本号 (portal.article_versions)';
COMMENT ON COLUMN portal.articles.live_version IS '线上版本号 (空: 不在网站上显示, 即从未发布或已撤稿)';
COMMENT ON COLUMN portal.articles.live_title IS '线上标题';
COMMENT ON COLUMN portal.articles.live_summary IS '线上摘要 (内容概述)';
COMMENT ON COLUMN portal.articles.live_body IS '线上正文 (每行一段; [文字](地址) 为链接)';
COMMENT ON COLUMN portal.articles.live_author IS '线上作者';
COMMENT ON COLUMN portal.articles.live_source IS '线上来源 (如 河南省人民政府网)';
COMMENT ON COLUMN portal.articles.publish_at IS '定时发布时间 (空为审核通过即发布)';
COMMENT ON COLUMN portal.articles.published_at IS '本版本发布时间 (发布日期)';
COMMENT ON COLUMN portal.articles.first_published_at IS '首次发布时间';
COMMENT ON COLUMN portal.articles.withdrawn_at IS '撤稿时间';
COMMENT ON COLUMN portal.articles.withdraw_reason IS '撤稿原因';
COMMENT ON COLUMN portal.articles.case_id IS '当前 (最近) 的发布流程案件';
COMMENT ON COLUMN portal.articles.kind IS '信息种类: article 一般信息 / policy 政策文件 / rule 规章 / normative 行政规范性文件 / interpretation 政策解读 (年报表二按种类统计)';
COMMENT ON COLUMN portal.articles.index_no IS '索引号 (政务公开目录, 网站标识码/年份-序号), 进入公开目录的信息在首次发布时编号';
COMMENT ON COLUMN portal.articles.doc_number IS '文号 (发文字号), 如 豫政〔2026〕3号';
COMMENT ON COLUMN portal.articles.category IS '主题分类 (公开目录)';
COMMENT ON COLUMN portal.articles.created_date IS '生成日期 (信息形成或变更的日期; 20 个工作日内应公开)';
COMMENT ON COLUMN portal.articles.validity IS '效力状态: effective 有效 / amended 已修改 / repealed 已废止 / lapsed 已失效 (在原文上标注)';
COMMENT ON COLUMN portal.articles.validity_note IS '效力说明 (如 由某文件修改)';
COMMENT ON COLUMN portal.articles.validity_changed_at IS '效力状态变更时间';
COMMENT ON COLUMN portal.articles.late_disclosure IS '超期公开: 发布日期晚于生成日期 20 个工作日以上';
COMMENT ON COLUMN portal.articles.disclosure_working_days IS '生成日期到首次发布日期的工作日数';
COMMENT ON COLUMN portal.articles.source_article_id IS '转载或引用的原文 (省级门户向市级门户转载、资源库引用)';
COMMENT ON COLUMN portal.articles.shared IS '是否共享到统一信息资源库, 供其他网站引用';
COMMENT ON COLUMN portal.articles.search_text IS '检索词串 (分词词语与汉字二元组, 以空格分隔)';
COMMENT ON COLUMN portal.articles.search_vector IS '全文检索向量 (simple 配置; 标题权重 A, 正文 B)';
COMMENT ON COLUMN portal.articles.is_demo IS '演示数据 (页面标注演示内容)';
COMMENT ON COLUMN portal.articles.created_by_user_id IS '创建人账号';
COMMENT ON COLUMN portal.articles.created_by_name IS '创建人姓名';
COMMENT ON COLUMN portal.articles.created_at IS '创建时间';
COMMENT ON COLUMN portal.articles.updated_at IS '最后修改时间';
COMMENT ON COLUMN portal.articles.version IS '乐观锁版本';

CREATE TABLE portal.article_versions (
  article_id uuid NOT NULL REFERENCES portal.articles (id),
  version integer NOT NULL,
  title text NOT NULL,
  summary text NOT NULL DEFAULT '',
  body text NOT NULL,
  author text NOT NULL DEFAULT '',
  source text NOT NULL DEFAULT '',
  saved_by_user_id uuid,
  saved_by_name text NOT NULL,
  saved_at timestamptz NOT NULL,
  PRIMARY KEY (article_id, version)
);
COMMENT ON TABLE portal.article_versions IS '文章版本: 每次保存的内容; 审核通过的版本成为线上内容';
COMMENT ON COLUMN portal.article_versions.article_id IS '文章标识';
COMMENT ON COLUMN portal.article_versions.version IS '版本号 (从 1 起)';
COMMENT ON COLUMN portal.article_versions.title IS '标题';
COMMENT ON COLUMN portal.article_versions.summary IS '摘要';
COMMENT ON COLUMN portal.article_versions.body IS '正文';
COMMENT ON COLUMN portal.article_versions.author IS '作者';
COMMENT ON COLUMN portal.article_versions.source IS '来源';
COMMENT ON COLUMN portal.article_versions.saved_by_user_id IS '保存人账号';
COMMENT ON COLUMN portal.article_versions.saved_by_name IS '保存人姓名';
COMMENT ON COLUMN portal.article_versions.saved_at IS '保存时间';

CREATE TABLE portal.index_sequences (
  site_code text NOT NULL REFERENCES portal.sites (code),
  year integer NOT NULL,
  last_seq integer NOT NULL,
  PRIMARY KEY (site_code, year)
);
COMMENT ON TABLE portal.index_sequences IS '索引号序列: 每个网站每年连续编号';
COMMENT ON COLUMN portal.index_sequences.site_code IS '网站标识码';
COMMENT ON COLUMN portal.index_sequences.year IS '年份';
COMMENT ON COLUMN portal.index_sequences.last_seq IS '已用的最大序号';

CREATE TABLE portal.info_requests (
  id uuid PRIMARY KEY,
  receipt_no text NOT NULL UNIQUE,
  site_code text NOT NULL REFERENCES portal.sites (code),
  unit_id uuid NOT NULL,
  unit_name text NOT NULL,
  region_code text NOT NULL,
  applicant_user_id uuid NOT NULL,
  applicant_type text NOT NULL CHECK (applicant_type IN ('person', 'commercial', 'research', 'public_interest', 'legal_service', 'other_org')),
  applicant_name text NOT NULL,
  applicant_id_masked text,
  contact_phone text NOT NULL,
  contact_address text,
  description text NOT NULL,
  purpose text,
  delivery text NOT NULL CHECK (delivery IN ('online', 'email', 'post', 'pickup')),
  received_at timestamptz NOT NULL,
  clock_start_at timestamptz NOT NULL,
  correction_due_at timestamptz NOT NULL,
  correction_requested_at timestamptz,
  correction_late boolean NOT NULL DEFAULT false,
  corrected_at timestamptz,
  extended boolean NOT NULL DEFAULT false,
  extension_approved_by text,
  extension_reason text,
  extended_at timestamptz,
  pauses jsonb NOT NULL DEFAULT '[]'::jsonb,
  reply_due_at timestamptz,
  status text NOT NULL CHECK (status IN ('handling', 'correction', 'consulting', 'replied', 'withdrawn')),
  outcome text CHECK (outcome IN ('disclosed', 'partial', 'not_disclosed', 'cannot_provide', 'not_processed', 'other')),
  outcome_reason text,
  reply_text text,
  replied_at timestamptz,
  replied_on_time boolean,
  fee_method text CHECK (fee_method IN ('per_application', 'per_page')),
  fee_amount integer NOT NULL DEFAULT 0,
  case_id uuid,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX info_requests_applicant ON portal.info_requests (applicant_user_id, received_at DESC);
CREATE INDEX info_requests_unit ON portal.info_requests (unit_id, received_at);
COMMENT ON TABLE portal.info_requests IS '依申请公开申请: 法定期限由本模块按工作日历计算 (补正重新起算、延期 20 个工作日、征求第三方意见不计入); 办理环节为 portal.info_request 流程案件';
COMMENT ON COLUMN portal.info_requests.id IS '申请标识 (UUIDv7)';
COMMENT ON COLUMN portal.info_requests.receipt_no IS '申请回执编号, 如 YSQ-4100000001-2026-000012';
COMMENT ON COLUMN portal.info_requests.site_code IS '提交申请的网站';
COMMENT ON COLUMN portal.info_requests.unit_id IS '受理机关 (directory 单位标识)';
COMMENT ON COLUMN portal.info_requests.unit_name IS '受理机关名称';
COMMENT ON COLUMN portal.info_requests.region_code IS '受理机关所在行政区划 (工作日历、权限范围)';
COMMENT ON COLUMN portal.info_requests.applicant_user_id IS '申请人账号 (须登录申请; 不接受匿名申请)';
COMMENT ON COLUMN portal.info_requests.applicant_type IS '申请人类型 (年报表三的列): person 自然人 / commercial 商业企业 / research 科研机构 / public_interest 社会公益组织 / legal_service 法律服务机构 / other_org 其他';
COMMENT ON COLUMN portal.info_requests.applicant_name IS '申请人姓名或名称';
COMMENT ON COLUMN portal.info_requests.applicant_id_masked IS '申请人身份证件号码 (脱敏)';
COMMENT ON COLUMN portal.info_requests.contact_phone IS '联系电话';
COMMENT ON COLUMN portal.info_requests.contact_address IS '通信地址';
COMMENT ON COLUMN portal.info_requests.description IS '所需政府信息的名称、文号或便于查询的其他特征性描述';
COMMENT ON COLUMN portal.info_requests.purpose IS '用途说明 (选填)';
COMMENT ON COLUMN portal.info_requests.delivery IS '获取方式: online 网上 / email 电子邮件 / post 邮寄 / pickup 当面领取';
COMMENT ON COLUMN portal.info_requests.received_at IS '收到申请时间 (网上申请为双方确认之日, 即提交并生成回执之时)';
COMMENT ON COLUMN portal.info_requests.clock_start_at IS '答复期限起算时间 (收到申请; 补正后为收到补正之时)';
COMMENT ON COLUMN portal.info_requests.correction_due_at IS '补正告知期限 (收到申请后 7 个工作日)';
COMMENT ON COLUMN portal.info_requests.correction_requested_at IS '一次性告知补正的时间';
COMMENT ON COLUMN portal.info_requests.correction_late IS '补正告知超过 7 个工作日';
COMMENT ON COLUMN portal.info_requests.corrected_at IS '收到补正的时间';
COMMENT ON COLUMN portal.info_requests.extended IS '是否经批准延长答复期限 (不超过 20 个工作日)';
COMMENT ON COLUMN portal.info_requests.extension_approved_by IS '批准延期的负责人';
COMMENT ON COLUMN portal.info_requests.extension_reason IS '延期理由 (告知申请人)';
COMMENT ON COLUMN portal.info_requests.extended_at IS '批准延期时间';
COMMENT ON COLUMN portal.info_requests.pauses IS '征求第三方或其他机关意见的时段 [{from, to, party, dueAt}], 不计入答复期限';
COMMENT ON COLUMN portal.info_requests.reply_due_at IS '答复期限 (征求意见期间为空)';
COMMENT ON COLUMN portal.info_requests.status IS '状态: handling 办理中 / correction 待补正 / consulting 征求意见中 / replied 已答复 / withdrawn 申请人撤回';
COMMENT ON COLUMN portal.info_requests.outcome IS '答复类型 (年报表三): disclosed 予以公开 / partial 部分公开 / not_disclosed 不予公开 / cannot_provide 无法提供 / not_processed 不予处理 / other 其他处理';
COMMENT ON COLUMN portal.info_requests.outcome_reason IS '答复细项代码, 如 not_disclosed 的 state_secret (国家秘密)';
COMMENT ON COLUMN portal.info_requests.reply_text IS '答复内容';
COMMENT ON COLUMN portal.info_requests.replied_at IS '答复时间';
COMMENT ON COLUMN portal.info_requests.replied_on_time IS '是否在法定期限内答复';
COMMENT ON COLUMN portal.info_requests.fee_method IS '信息处理费计收方式 (国办函〔2020〕109号): per_application 按件 / per_page 按量';
COMMENT ON COLUMN portal.info_requests.fee_amount IS '信息处理费 (元)';
COMMENT ON COLUMN portal.info_requests.case_id IS '办理流程案件';
COMMENT ON COLUMN portal.info_requests.is_demo IS '演示数据';
COMMENT ON COLUMN portal.info_requests.created_at IS '创建时间';
COMMENT ON COLUMN portal.info_requests.updated_at IS '最后修改时间';

CREATE TABLE portal.messages (
  id uuid PRIMARY KEY,
  site_code text NOT NULL REFERENCES portal.sites (code),
  channel text NOT NULL CHECK (channel IN ('mailbox', 'consultation', 'complaint', 'error_report')),
  unit_id uuid NOT NULL,
  unit_name text NOT NULL,
  region_code text NOT NULL,
  author_user_id uuid,
  author_name text NOT NULL,
  contact text NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  page_url text,
  received_at timestamptz NOT NULL,
  reply_due_at timestamptz NOT NULL,
  reply_text text,
  replied_at timestamptz,
  replied_by_name text,
  replied_unit_name text,
  replied_on_time boolean,
  publish_consent boolean NOT NULL DEFAULT false,
  published boolean NOT NULL DEFAULT false,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL
);
CREATE INDEX messages_site ON portal.messages (site_code, received_at DESC);
CREATE INDEX messages_unit ON portal.messages (unit_id, received_at DESC);
CREATE INDEX messages_author ON portal.messages (author_user_id, received_at DESC);
COMMENT ON TABLE portal.messages IS '互动交流留言: 领导信箱、咨询、投诉、我为政府网站找错; 转办到负责部门, 按渠道设答复期限';
COMMENT ON COLUMN portal.messages.id IS '留言标识 (UUIDv7)';
COMMENT ON COLUMN portal.messages.site_code IS '提交留言的网站';
COMMENT ON COLUMN portal.messages.channel IS '渠道: mailbox 领导信箱 / consultation 咨询 / complaint 投诉 / error_report 我为政府网站找错';
COMMENT ON COLUMN portal.messages.unit_id IS '负责答复的部门 (directory 单位标识)';
COMMENT ON COLUMN portal.messages.unit_name IS '负责答复的部门名称';
COMMENT ON COLUMN portal.messages.region_code IS '负责部门所在行政区划';
COMMENT ON COLUMN portal.messages.author_user_id IS '留言人账号 (找错可匿名)';
COMMENT ON COLUMN portal.messages.author_name IS '留言人姓名或称呼';
COMMENT ON COLUMN portal.messages.contact IS '联系方式 (不公开)';
COMMENT ON COLUMN portal.messages.title IS '标题';
COMMENT ON COLUMN portal.messages.body IS '留言内容';
COMMENT ON COLUMN portal.messages.page_url IS '找错: 出错页面地址';
COMMENT ON COLUMN portal.messages.received_at IS '受理日期';
COMMENT ON COLUMN portal.messages.reply_due_at IS '答复期限 (按渠道的工作日数)';
COMMENT ON COLUMN portal.messages.reply_text IS '答复内容';
COMMENT ON COLUMN portal.messages.replied_at IS '答复日期';
COMMENT ON COLUMN portal.messages.replied_by_name IS '答复人';
COMMENT ON COLUMN portal.messages.replied_unit_name IS '答复部门';
COMMENT ON COLUMN portal.messages.replied_on_time IS '是否按期答复';
COMMENT ON COLUMN portal.messages.publish_consent IS '留言人同意公开';
COMMENT ON COLUMN portal.messages.published IS '已在网站公开 (受理日期、答复日期、答复部门、答复内容)';
COMMENT ON COLUMN portal.messages.is_demo IS '演示数据';
COMMENT ON COLUMN portal.messages.created_at IS '创建时间';

CREATE TABLE portal.solicitations (
  id uuid PRIMARY KEY,
  site_code text NOT NULL REFERENCES portal.sites (code),
  title text NOT NULL,
  draft_text text NOT NULL,
  opens_on date NOT NULL,
  closes_on date NOT NULL,
  feedback_summary text,
  feedback_published_at timestamptz,
  is_demo boolean NOT NULL DEFAULT false,
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL
);
COMMENT ON TABLE portal.solicitations IS '意见征集: 政策草案公开征求意见, 征集结束后发布意见采纳情况';
COMMENT ON COLUMN portal.solicitations.id IS '征集标识 (UUIDv7)';
COMMENT ON COLUMN portal.solicitations.site_code IS '所属网站';
COMMENT ON COLUMN portal.solicitations.title IS '征集标题';
COMMENT ON COLUMN portal.solicitations.draft_text IS '征求意见稿正文';
COMMENT ON COLUMN portal.solicitations.opens_on IS '开始日期';
COMMENT ON COLUMN portal.solicitations.closes_on IS '截止日期';
COMMENT ON COLUMN portal.solicitations.feedback_summary IS '意见采纳情况说明 (反馈)';
COMMENT ON COLUMN portal.solicitations.feedback_published_at IS '反馈发布时间';
COMMENT ON COLUMN portal.solicitations.is_demo IS '演示数据';
COMMENT ON COLUMN portal.solicitations.created_by_name IS '发起人';
COMMENT ON COLUMN portal.solicitations.created_at IS '创建时间';

CREATE TABLE portal.solicitation_comments (
  id uuid PRIMARY KEY,
  solicitation_id uuid NOT NULL REFERENCES portal.solicitations (id),
  author_user_id uuid NOT NULL,
  author_name text NOT NULL,
  body text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  moderated_by_name text,
  moderated_at timestamptz,
  created_at timestamptz NOT NULL
);
CREATE INDEX solicitation_comments_s ON portal.solicitation_comments (solicitation_id, created_at);
COMMENT ON TABLE portal.solicitation_comments IS '意见征集的意见: 审核通过后公开显示';
COMMENT ON COLUMN portal.solicitation_comments.id IS '意见标识 (UUIDv7)';
COMMENT ON COLUMN portal.solicitation_comments.solicitation_id IS '所属征集';
COMMENT ON COLUMN portal.solicitation_comments.author_user_id IS '提出人账号';
COMMENT ON COLUMN portal.solicitation_comments.author_name IS '提出人 (公开时只显示姓氏)';
COMMENT ON COLUMN portal.solicitation_comments.body IS '意见内容';
COMMENT ON COLUMN portal.solicitation_comments.status IS '审核状态: pending 待审核 / approved 公开 / rejected 不予公开';
COMMENT ON COLUMN portal.solicitation_comments.moderated_by_name IS '审核人';
COMMENT ON COLUMN portal.solicitation_comments.moderated_at IS '审核时间';
COMMENT ON COLUMN portal.solicitation_comments.created_at IS '提交时间';

CREATE TABLE portal.surveys (
  id uuid PRIMARY KEY,
  site_code text NOT NULL REFERENCES portal.sites (code),
  title text NOT NULL,
  questions jsonb NOT NULL,
  opens_on date NOT NULL,
  closes_on date NOT NULL,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL
);
COMMENT ON TABLE portal.surveys IS '网上调查: 单选题问卷, 结果公开';
COMMENT ON COLUMN portal.surveys.id IS '调查标识 (UUIDv7)';
COMMENT ON COLUMN portal.surveys.site_code IS '所属网站';
COMMENT ON COLUMN portal.surveys.title IS '调查标题';
COMMENT ON COLUMN portal.surveys.questions IS '题目 [{text, options: [..]}]';
COMMENT ON COLUMN portal.surveys.opens_on IS '开始日期';
COMMENT ON COLUMN portal.surveys.closes_on IS '截止日期';
COMMENT ON COLUMN portal.surveys.is_demo IS '演示数据';
COMMENT ON COLUMN portal.surveys.created_at IS '创建时间';

CREATE TABLE portal.survey_responses (
  survey_id uuid NOT NULL REFERENCES portal.surveys (id),
  respondent text NOT NULL,
  answers jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (survey_id, respondent)
);
COMMENT ON TABLE portal.survey_responses IS '调查答卷: 每位访客 (账号或匿名会话) 一份';
COMMENT ON COLUMN portal.survey_responses.survey_id IS '所属调查';
COMMENT ON COLUMN portal.survey_responses.respondent IS '答卷人 (账号标识, 或匿名会话的 SM3 摘要)';
COMMENT ON COLUMN portal.survey_responses.answers IS '各题所选项序号 [0, 2, …]';
COMMENT ON COLUMN portal.survey_responses.created_at IS '提交时间';

CREATE TABLE portal.report_inputs (
  unit_id uuid NOT NULL,
  year integer NOT NULL,
  key text NOT NULL,
  value numeric NOT NULL CHECK (value >= 0),
  updated_by_name text NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (unit_id, year, key)
);
COMMENT ON TABLE portal.report_inputs IS '年度报告中本平台没有数据来源的数字 (行政许可、处罚、收费、复议诉讼), 由政务公开专员填报并留痕';
COMMENT ON COLUMN portal.report_inputs.unit_id IS '报告机关 (directory 单位标识)';
COMMENT ON COLUMN portal.report_inputs.year IS '报告年度';
COMMENT ON COLUMN portal.report_inputs.key IS '指标键, 如 licensing、penalty、reconsideration.upheld';
COMMENT ON COLUMN portal.report_inputs.value IS '数值';
COMMENT ON COLUMN portal.report_inputs.updated_by_name IS '填报人';
COMMENT ON COLUMN portal.report_inputs.updated_at IS '填报时间';
