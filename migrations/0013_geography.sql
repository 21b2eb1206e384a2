-- Natural resources and spatial geography (自然资源和空间地理基础信息库): layers of features
-- (administrative boundaries, land-use parcels, forests, water bodies, points of interest) with
-- GeoJSON geometry in CGCS2000/WGS84 longitude-latitude and attributes, and the import log.
-- No PostGIS (PGlite has none): each feature keeps its bounding box in plain columns so the
-- database can prefilter with a B-tree; the exact spatial tests run in the application.
CREATE SCHEMA IF NOT EXISTS geography;

CREATE TABLE geography.layers (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_-]{1,49}$'),
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('admin_boundary', 'land_use', 'forest', 'water', 'poi', 'other')),
  description text NOT NULL DEFAULT '',
  source text NOT NULL DEFAULT '',
  owner_unit_id uuid,
  owner_unit_name text NOT NULL,
  region_code text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
  is_schematic boolean NOT NULL DEFAULT false,
  is_demo boolean NOT NULL DEFAULT false,
  feature_count integer NOT NULL DEFAULT 0,
  max_width double precision NOT NULL DEFAULT 0,
  max_height double precision NOT NULL DEFAULT 0,
  version integer NOT NULL DEFAULT 1,
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
COMMENT ON TABLE geography.layers IS '图层: 一类空间要素 (行政区划界线、土地利用图斑、森林、水体、兴趣点等) 的集合';
COMMENT ON COLUMN geography.layers.id IS '图层标识 (UUIDv7)';
COMMENT ON COLUMN geography.layers.code IS '图层代码 (小写字母开头, 字母数字下划线短横线), 接口中使用';
COMMENT ON COLUMN geography.layers.name IS '图层名称';
COMMENT ON COLUMN geography.layers.kind IS '图层类别: admin_boundary 行政区划 / land_use 土地利用 / forest 森林 / water 水体 / poi 兴趣点 / other 其他';
COMMENT ON COLUMN geography.layers.description IS '说明';
COMMENT ON COLUMN geography.layers.source IS '数据来源 (提供部门、测绘成果名称或“示意”)';
COMMENT ON COLUMN geography.layers.owner_unit_id IS '维护单位标识 (组织目录中的单位)';
COMMENT ON COLUMN geography.layers.owner_unit_name IS '维护单位名称 (创建时)';
COMMENT ON COLUMN geography.layers.region_code IS '维护单位所在行政区划代码 (GB/T 2260), 据此限定谁可修改';
COMMENT ON COLUMN geography.layers.is_schematic IS '是否为示意性数据 (非测绘成果, 不得用于测量和界线认定)';
COMMENT ON COLUMN geography.layers.is_demo IS '是否为演示数据';
COMMENT ON COLUMN geography.layers.feature_count IS '要素数量';
COMMENT ON COLUMN geography.layers.max_width IS '本图层要素外包矩形的最大经度跨度 (度), 用于外包矩形预筛选的下界';
COMMENT ON COLUMN geography.layers.max_height IS '本图层要素外包矩形的最大纬度跨度 (度), 用于外包矩形预筛选的下界';
COMMENT ON COLUMN geography.layers.version IS '版本号 (每次修改或导入加一)';
COMMENT ON COLUMN geography.layers.created_by_name IS '创建人姓名';
COMMENT ON COLUMN geography.layers.created_at IS '创建时间';
COMMENT ON COLUMN geography.layers.updated_at IS '最后修改时间';

CREATE TABLE geography.features (
  id uuid PRIMARY KEY,
  layer_id uuid NOT NULL REFERENCES geography.layers (id) ON DELETE CASCADE,
  feature_key text NOT NULL,
  name text NOT NULL DEFAULT '',
  region_code text CHECK (region_code ~ '^[0-9]{6}$'),
  geometry_type text NOT NULL CHECK (geometry_type IN ('Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon')),
  geometry jsonb NOT NULL,
  properties jsonb NOT NULL DEFAULT '{}'::jsonb,
  min_lng double precision NOT NULL,
  min_lat double precision NOT NULL,
  max_lng double precision NOT NULL,
  max_lat double precision NOT NULL,
  label_x double precision NOT NULL,
  label_y double precision NOT NULL,
  area_km2 double precision,
  vertex_count integer NOT NULL,
  version integer NOT NULL DEFAULT 1,
  import_id uuid,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (layer_id, feature_key),
  CHECK (min_lng <= max_lng AND min_lat <= max_lat AND min_lng >= -180 AND max_lng <= 180 AND min_lat >= -90 AND max_lat <= 90)
);
CREATE INDEX features_bbox_idx ON geography.features (layer_id, min_lng, min_lat);
CREATE INDEX features_region_idx ON geography.features (region_code) WHERE region_code IS NOT NULL;
COMMENT ON TABLE geography.features IS '空间要素: 一个几何对象 (GeoJSON, CGCS2000/WGS84 经纬度) 及其属性';
COMMENT ON COLUMN geography.features.id IS '要素标识 (UUIDv7)';
COMMENT ON COLUMN geography.features.layer_id IS '所属图层';
COMMENT ON COLUMN geography.features.feature_key IS '图层内要素编号 (行政区划为区划代码, 图斑为图斑编号等); 重复导入按此更新';
COMMENT ON COLUMN geography.features.name IS '要素名称';
COMMENT ON COLUMN geography.features.region_code IS '行政区划代码 (GB/T 2260; 行政区划图层为本区划, 其他图层可空)';
COMMENT ON COLUMN geography.features.geometry_type IS '几何类型 (GeoJSON: Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon)';
COMMENT ON COLUMN geography.features.geometry IS '几何对象 (GeoJSON, 经纬度, CGCS2000 按 WGS84 处理)';
COMMENT ON COLUMN geography.features.properties IS '属性 (键值对)';
COMMENT ON COLUMN geography.features.min_lng IS '外包矩形最小经度';
COMMENT ON COLUMN geography.features.min_lat IS '外包矩形最小纬度';
COMMENT ON COLUMN geography.features.max_lng IS '外包矩形最大经度';
COMMENT ON COLUMN geography.features.max_lat IS '外包矩形最大纬度';
COMMENT ON COLUMN geography.features.label_x IS '标注点经度 (面内一点, 用于地图标注)';
COMMENT ON COLUMN geography.features.label_y IS '标注点纬度';
COMMENT ON COLUMN geography.features.area_km2 IS '近似面积 (平方千米, 面要素)';
COMMENT ON COLUMN geography.features.vertex_count IS '坐标点数量';
COMMENT ON COLUMN geography.features.version IS '版本号 (每次被导入更新加一)';
COMMENT ON COLUMN geography.features.import_id IS '最后一次写入本要素的导入批次';
COMMENT ON COLUMN geography.features.is_demo IS '是否为演示数据';
COMMENT ON COLUMN geography.features.created_at IS '创建时间';
COMMENT ON COLUMN geography.features.updated_at IS '最后修改时间';

CREATE TABLE geography.imports (
  id uuid PRIMARY KEY,
  layer_id uuid NOT NULL REFERENCES geography.layers (id) ON DELETE CASCADE,
  format text NOT NULL CHECK (format IN ('geojson', 'shapefile')),
  file_name text,
  mode text NOT NULL CHECK (mode IN ('upsert', 'replace')),
  source_crs text NOT NULL CHECK (source_crs IN ('wgs84', 'cgcs2000', 'gcj02')),
  status text NOT NULL CHECK (status IN ('done', 'failed')),
  feature_count integer NOT NULL,
  inserted integer NOT NULL DEFAULT 0,
  updated integer NOT NULL DEFAULT 0,
  deleted integer NOT NULL DEFAULT 0,
  errors jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_by_user_id uuid,
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX imports_layer_idx ON geography.imports (layer_id, created_at DESC);
COMMENT ON TABLE geography.imports IS '要素导入记录 (成功的批次和被拒绝的批次; 被拒绝的批次不写入任何要素)';
COMMENT ON COLUMN geography.imports.id IS '导入批次标识';
COMMENT ON COLUMN geography.imports.layer_id IS '目标图层';
COMMENT ON COLUMN geography.imports.format IS '文件格式: geojson / shapefile';
COMMENT ON COLUMN geography.imports.file_name IS '上传的文件名';
COMMENT ON COLUMN geography.imports.mode IS '方式: upsert 按要素编号新增或更新 / replace 替换图层全部要素';
COMMENT ON COLUMN geography.imports.source_crs IS '文件坐标系: wgs84 / cgcs2000 / gcj02 (gcj02 导入时转换为 WGS84)';
COMMENT ON COLUMN geography.imports.status IS '结果: done 已导入 / failed 有错误, 未导入任何要素';
COMMENT ON COLUMN geography.imports.feature_count IS '文件中的要素数';
COMMENT ON COLUMN geography.imports.inserted IS '新增要素数';
COMMENT ON COLUMN geography.imports.updated IS '更新要素数';
COMMENT ON COLUMN geography.imports.deleted IS '删除要素数 (替换方式)';
COMMENT ON COLUMN geography.imports.errors IS '逐要素问题清单 (要素序号、位置、说明; 最多保存 1000 条)';
COMMENT ON COLUMN geography.imports.created_by_user_id IS '导入人账号';
COMMENT ON COLUMN geography.imports.created_by_name IS '导入人姓名';
COMMENT ON COLUMN geography.imports.created_at IS '导入时间';
