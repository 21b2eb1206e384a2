/**
 * Workbench pages of the spatial geography module: layers with a map of the administrative
 * boundaries, one layer (map + feature list), spatial query (region at a point, nearest features),
 * new layer, import (GeoJSON or shapefile; multipart, CSRF checked here before any file is read,
 * as the kernel's hook runs before multipart bodies are parsed). Maps are drawn by ECharts from
 * the stored GeoJSON (no tile server); schematic layers say so under the map.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import { badge, button, checkbox, errorSummary, field, form, pagination, select, table, textarea } from '../../../platform/ui/components.ts';
import { chart } from '../../../platform/ui/chart.ts';
import { hasScope } from '../../../platform/context.ts';
import { AppError, isAppError, type FieldProblem } from '../../../platform/errors.ts';
import { safeEqual } from '../../../platform/crypto/index.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { IMPORT_LIMIT_BYTES, IMPORT_MODES, IMPORT_MODE_LABELS, LAYER_KINDS, LAYER_KIND_LABELS, PREFECTURE_LAYER, SCHEMATIC_NOTE, SCOPES, type ImportMode, type LayerKind } from '../model.ts';
import { LayerBody, LayerParams, ListFeaturesQuery } from '../schemas.ts';
import { createLayer, getLayer, listLayers, loadLayer, type LayerView } from '../services/layers.ts';
import { importFeatures, type ImportResult } from '../services/import.ts';
import { shapefileToGeoJson } from '../services/shapefile.ts';
import { layerGeoJson, listFeatures, nearestFeatures, regionAt, type FeatureView } from '../services/queries.ts';
import { COORDINATE_SYSTEM_LABELS, toStorage, type CoordinateSystem } from '../gcj02.ts';

const BASE = '/workbench/geography';
const crumbs = (...rest: { label: string; href?: string }[]) => [{ label: '工作台', href: '/workbench' }, { label: '空间地理', href: BASE }, ...rest];
const MAP_FEATURE_LIMIT = 3000;
const CRS_OPTIONS = (Object.keys(COORDINATE_SYSTEM_LABELS) as CoordinateSystem[]).map((c) => ({ value: c, label: COORDINATE_SYSTEM_LABELS[c] }));

const layerBadges = (l: Pick<LayerView, 'isSchematic' | 'isDemo'>): SafeHtml => html`${l.isSchematic ? html` ${badge('示意', 'warn')}` : ''}${l.isDemo ? html` ${badge('演示数据', 'demo')}` : ''}`;
const fmt = (n: number, d = 5) => Number(n.toFixed(d)).toString();

function errorMap(fields: FieldProblem[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const f of fields) m[f.field] = m[f.field] ? `${m[f.field]}; ${f.message}` : f.message;
  return m;
}

/** A map of an administrative layer with optional points on it (ECharts geo + scatter). */
async function regionMap(req: FastifyRequest, opts: { id: string; title: string; layerCode?: string; points?: { name: string; value: [number, number] }[]; highlight?: string }): Promise<SafeHtml> {
  const code = opts.layerCode ?? PREFECTURE_LAYER;
  const layer = await loadLayer(req.ctx, code);
  if (!layer) return html`<p class="muted">尚无行政区划图层, 无法绘制地图。</p>`;
  const fc = await layerGeoJson(req.ctx, { layerCode: code, limit: MAP_FEATURE_LIMIT });
  const mapName = `egov-${code}`;
  const names = fc.features.map((f) => String((f as { properties: { name?: unknown } }).properties.name ?? ''));
  return chart({
    id: opts.id,
    title: opts.title,
    height: 'large',
    maps: { [mapName]: { type: 'FeatureCollection', features: fc.features } },
    option: {
      tooltip: { trigger: 'item' },
      geo: {
        map: mapName,
        roam: true,
        label: { show: true, fontSize: 11 },
        itemStyle: { areaColor: '#eef3f8', borderColor: '#5b6b7c' },
        emphasis: { itemStyle: { areaColor: '#cfe0f1' } },
        ...(opts.highlight ? { regions: [{ name: opts.highlight, itemStyle: { areaColor: '#ffd98a' } }] } : {}),
      },
      series: opts.points?.length ? [{ type: 'scatter', coordinateSystem: 'geo', symbolSize: 9, data: opts.points, label: { show: true, position: 'right', formatter: '{b}' } }] : [],
    },
    table: table({
      caption: `${layer.name} 的区域`,
      rows: names.map((n, i) => ({ n, key: String((fc.features[i] as { id?: unknown }).id ?? '') })),
      columns: [{ header: '编号', cell: (r) => r.key }, { header: '名称', cell: (r) => r.n }],
    }),
    note: layer.is_schematic ? html`${badge('示意', 'warn')} ${SCHEMATIC_NOTE}: 界线按政府驻地生成, 仅供演示, 不得用于测量和界线认定。` : undefined,
  });
}

/** A map of any layer: areas and lines as the map itself, points over the administrative map. */
async function layerMap(req: FastifyRequest, layer: LayerView): Promise<SafeHtml> {
  const fc = await layerGeoJson(req.ctx, { layerCode: layer.code, limit: MAP_FEATURE_LIMIT });
  const isPoint = (f: unknown) => /Point$/.test(String((f as { geometry: { type: string } }).geometry.type));
  const points = fc.features.filter(isPoint);
  const shapes = fc.features.filter((f) => !isPoint(f));
  const note = html`${layer.isSchematic ? html`${badge('示意', 'warn')} ${SCHEMATIC_NOTE}。` : ''}${layer.isDemo ? html` ${badge('演示数据', 'demo')} 演示数据, 非调查成果。` : ''}${fc.truncated ? html` 地图只绘制前 ${MAP_FEATURE_LIMIT} 个要素。` : ''}`;
  const tableHtml = table({
    caption: `${layer.name} 地图中的要素`,
    rows: fc.features as { id: string; geometry: { type: string }; properties: { name?: string } }[],
    columns: [{ header: '编号', cell: (f) => f.id }, { header: '名称', cell: (f) => f.properties.name ?? '' }, { header: '几何类型', cell: (f) => f.geometry.type }],
  });
  if (shapes.length === 0) {
    const base = await loadLayer(req.ctx, PREFECTURE_LAYER);
    if (!base) return tableHtml;
    const baseFc = await layerGeoJson(req.ctx, { layerCode: PREFECTURE_LAYER });
    return chart({
      id: 'layer-map',
      title: `${layer.name} (底图: ${base.name})`,
      height: 'large',
      maps: { 'egov-base': baseFc },
      option: {
        tooltip: { trigger: 'item' },
        geo: { map: 'egov-base', roam: true, itemStyle: { areaColor: '#f3f5f7', borderColor: '#8a97a5' } },
        series: [{
          type: 'scatter',
          coordinateSystem: 'geo',
          symbolSize: 8,
          data: (points as { geometry: { type: string; coordinates: number[] | number[][] }; properties: { name?: string } }[]).map((p) => ({
            name: p.properties.name ?? '',
            value: p.geometry.type === 'Point' ? (p.geometry.coordinates as number[]) : (p.geometry.coordinates as number[][])[0],
          })),
          label: { show: points.length <= 50, position: 'right', formatter: '{b}' },
        }],
      },
      table: tableHtml,
      note: html`${note}${base.is_schematic ? html` 底图为${SCHEMATIC_NOTE}。` : ''}`,
    });
  }
  return chart({
    id: 'layer-map',
    title: layer.name,
    height: 'large',
    maps: { 'egov-layer': { type: 'FeatureCollection', features: shapes } },
    option: {
      tooltip: { trigger: 'item' },
      geo: { map: 'egov-layer', roam: true, label: { show: shapes.length <= 60, fontSize: 11 }, itemStyle: { areaColor: layer.kind === 'water' ? '#cde3f6' : layer.kind === 'forest' ? '#d4ecd0' : '#eef3f8', borderColor: '#5b6b7c' } },
      series: points.length
        ? [{ type: 'scatter', coordinateSystem: 'geo', symbolSize: 8, data: (points as { geometry: { coordinates: number[] }; properties: { name?: string } }[]).map((p) => ({ name: p.properties.name ?? '', value: p.geometry.coordinates })) }]
        : [],
    },
    table: tableHtml,
    note,
  });
}

async function renderHome(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const layers = await listLayers(req.ctx);
  const canManage = hasScope(req.ctx.actor, SCOPES.layerManage);
  return reply.page({
    title: '自然资源和空间地理',
    breadcrumbs: crumbs(),
    body: html`<p>全省自然资源和空间地理基础信息: 图层、要素和空间查询。坐标为 CGCS2000 经纬度 (本平台按 WGS84 处理, 两者差异在厘米级); 可与国内网络地图使用的 GCJ-02 相互转换。</p>
      <p class="actions"><a class="btn btn-primary" href="${BASE}/query">空间查询</a>${canManage ? html` <a class="btn btn-secondary" href="${BASE}/layers/new">新建图层</a>` : ''}</p>
      ${table<LayerView>({
        caption: `图层 (共 ${layers.length} 个)`,
        rows: layers,
        empty: '尚无图层。',
        columns: [
          { header: '图层', cell: (l) => html`<a href="${BASE}/layers/${l.code}">${l.name}</a>${layerBadges(l)}` },
          { header: '代码', cell: (l) => html`<code>${l.code}</code>` },
          { header: '类别', cell: (l) => l.kindLabel },
          { header: '要素数', cell: (l) => l.featureCount, className: 'num' },
          { header: '维护单位', cell: (l) => l.ownerUnitName },
          { header: '来源', cell: (l) => l.source || '—' },
        ],
      })}
      ${await regionMap(req, { id: 'admin-map', title: '河南省地级行政区' })}`,
  });
}

async function renderLayer(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { code } = parseInput(LayerParams, req.params);
  const layer = await getLayer(req.ctx, { code });
  let q: { q?: string; page?: number } = {};
  let errors: FieldProblem[] = [];
  try {
    q = parseInput(ListFeaturesQuery, req.query);
  } catch (err) {
    if (!isAppError(err)) throw err;
    errors = err.fields;
  }
  const list = await listFeatures(req.ctx, { layerCode: code, q: q.q, page: q.page });
  const canManage = hasScope(req.ctx.actor, SCOPES.layerManage);
  return reply.page({
    title: layer.name,
    breadcrumbs: crumbs({ label: layer.name }),
    status: errors.length ? 400 : 200,
    body: html`<dl class="meta">
        <dt>代码</dt><dd><code>${layer.code}</code></dd>
        <dt>类别</dt><dd>${layer.kindLabel}${layerBadges(layer)}</dd>
        <dt>说明</dt><dd>${layer.description || '—'}</dd>
        <dt>来源</dt><dd>${layer.source || '—'}</dd>
        <dt>维护单位</dt><dd>${layer.ownerUnitName}</dd>
        <dt>要素数</dt><dd>${layer.featureCount}</dd>
      </dl>
      <p class="actions"><a class="btn btn-secondary" href="/api/geography/layers/${layer.code}/geojson">下载 GeoJSON (WGS84)</a> <a class="btn btn-secondary" href="/api/geography/layers/${layer.code}/geojson?crs=gcj02">下载 GeoJSON (GCJ-02)</a>${canManage ? html` <a class="btn btn-primary" href="${BASE}/layers/${layer.code}/import">导入要素</a>` : ''}</p>
      ${await layerMap(req, layer)}
      ${errorSummary(errors)}
      ${form({
        action: `${BASE}/layers/${layer.code}`,
        method: 'get',
        csrf: req.csrfToken,
        className: 'filters',
        label: '查询要素',
        body: html`${field({ name: 'q', label: '名称、编号或区划代码', type: 'search', value: q.q, maxLength: 100, error: errorMap(errors).q })}<div class="actions">${button('查询')}</div>`,
      })}
      ${table<FeatureView>({
        caption: `要素 (共 ${list.total} 个)`,
        rows: list.items,
        empty: '没有符合条件的要素。',
        columns: [
          { header: '编号', cell: (f) => f.key },
          { header: '名称', cell: (f) => html`${f.name || '—'}${f.isDemo ? html` ${badge('演示数据', 'demo')}` : ''}` },
          { header: '区划代码', cell: (f) => f.regionCode ?? '—' },
          { header: '几何', cell: (f) => f.geometryType },
          { header: '面积 (km²)', cell: (f) => (f.areaKm2 === null ? '—' : f.areaKm2.toFixed(1)), className: 'num' },
          { header: '标注点 (经度, 纬度)', cell: (f) => `${fmt(f.label[0])}, ${fmt(f.label[1])}` },
        ],
      })}
      ${pagination({ page: list.page, pageSize: list.pageSize, total: list.total, hrefFor: (page) => `${BASE}/layers/${layer.code}?${new URLSearchParams({ ...(q.q ? { q: q.q } : {}), page: String(page) })}` })}`,
  });
}

async function renderQuery(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const raw = req.query as Record<string, string | undefined>;
  const layers = await listLayers(req.ctx);
  const pointLayers = layers.filter((l) => l.kind !== 'admin_boundary');
  const errors: FieldProblem[] = [];
  let result: SafeHtml = html``;
  let mapPoints: { name: string; value: [number, number] }[] = [];
  let highlight: string | undefined;
  if (raw.lng !== undefined || raw.lat !== undefined) {
    const lng = Number(raw.lng);
    const lat = Number(raw.lat);
    const crs = (['wgs84', 'cgcs2000', 'gcj02'].includes(raw.crs ?? '') ? raw.crs : 'wgs84') as CoordinateSystem;
    if (!raw.lng || !Number.isFinite(lng) || lng < -180 || lng > 180) errors.push({ field: 'lng', message: '「经度」应为 -180 至 180 之间的数' });
    if (!raw.lat || !Number.isFinite(lat) || lat < -90 || lat > 90) errors.push({ field: 'lat', message: '「纬度」应为 -90 至 90 之间的数' });
    const target = pointLayers.find((l) => l.code === raw.layer);
    if (errors.length === 0) {
      const region = await regionAt(req.ctx, { lng, lat, crs });
      const nearest = target ? await nearestFeatures(req.ctx, { layers: [target.code], lng, lat, crs, k: 5 }) : [];
      highlight = region?.name;
      const stored = toStorage([lng, lat], crs);
      mapPoints = [{ name: '查询点', value: [stored[0], stored[1]] }];
      result = html`<section aria-labelledby="result-h"><h2 id="result-h">查询结果</h2>
        <p>所在地级行政区: ${region ? html`<strong>${region.name}</strong> (${region.regionCode})${region.isSchematic ? html` ${badge('示意', 'warn')} 按${SCHEMATIC_NOTE}判断, 靠近界线时可能不准` : ''}` : '不在任何行政区内'}</p>
        ${target
          ? table<FeatureView>({
              caption: `最近的「${target.name}」要素`,
              rows: nearest,
              empty: '没有要素。',
              columns: [
                { header: '名称', cell: (f) => html`${f.name || f.key}${f.isDemo ? html` ${badge('演示数据', 'demo')}` : ''}` },
                { header: '距离 (米)', cell: (f) => Math.round(f.distanceM ?? 0), className: 'num' },
                { header: '类型', cell: (f) => f.geometryType },
              ],
            })
          : ''}
      </section>`;
    }
  }
  const errs = errorMap(errors);
  return reply.page({
    title: '空间查询',
    breadcrumbs: crumbs({ label: '空间查询' }),
    status: errors.length ? 400 : 200,
    body: html`${errorSummary(errors)}
      ${form({
        action: `${BASE}/query`,
        method: 'get',
        csrf: req.csrfToken,
        label: '点位查询',
        body: html`${field({ name: 'lng', label: '经度', value: raw.lng ?? '113.6254', error: errs.lng, required: true })}
          ${field({ name: 'lat', label: '纬度', value: raw.lat ?? '34.7466', error: errs.lat, required: true })}
          ${select({ name: 'crs', label: '坐标系', options: CRS_OPTIONS, value: raw.crs ?? 'wgs84' })}
          ${select({ name: 'layer', label: '同时查询最近的要素 (图层)', options: pointLayers.map((l) => ({ value: l.code, label: l.name })), value: raw.layer, placeholder: '不查询' })}
          <div class="actions">${button('查询')}</div>`,
      })}
      ${result}
      ${await regionMap(req, { id: 'query-map', title: '查询点位置', points: mapPoints, highlight })}`,
  });
}

function layerForm(req: FastifyRequest, values: Record<string, string>, errors: FieldProblem[]): SafeHtml {
  const errs = errorMap(errors);
  return form({
    action: `${BASE}/layers`,
    csrf: req.csrfToken,
    label: '新建图层',
    body: html`${errorSummary(errors)}
      ${field({ name: 'code', label: '图层代码', value: values.code, required: true, error: errs.code, hint: '小写字母开头, 可含数字、下划线、短横线, 如 landuse-2025' })}
      ${field({ name: 'name', label: '图层名称', value: values.name, required: true, error: errs.name })}
      ${select({ name: 'kind', label: '类别', options: LAYER_KINDS.map((k) => ({ value: k, label: LAYER_KIND_LABELS[k] })), value: values.kind, required: true, error: errs.kind })}
      ${textarea({ name: 'description', label: '说明', value: values.description, error: errs.description })}
      ${field({ name: 'source', label: '数据来源', value: values.source, error: errs.source })}
      ${checkbox({ name: 'isSchematic', label: '示意性数据 (非测绘成果)', checked: values.isSchematic === 'on' })}
      <div class="actions">${button('建立图层')} <a href="${BASE}">取消</a></div>`,
  });
}

function renderImport(req: FastifyRequest, reply: FastifyReply, layer: LayerView, state: { problems?: FieldProblem[]; message?: string; status?: number; values?: Record<string, string> } = {}): FastifyReply {
  const v = state.values ?? {};
  const problems = state.problems ?? [];
  return reply.page({
    title: `导入要素: ${layer.name}`,
    breadcrumbs: crumbs({ label: layer.name, href: `${BASE}/layers/${layer.code}` }, { label: '导入' }),
    status: state.status,
    body: html`${state.message ? html`<div class="error-summary" role="alert" tabindex="-1"><h2>未导入任何要素</h2><p>${state.message}</p></div>` : ''}
      ${problems.length
        ? table({ caption: `共 ${problems.length} 处问题`, rows: problems, columns: [{ header: '位置', cell: (p: FieldProblem) => html`<code>${p.field}</code>` }, { header: '问题', cell: (p: FieldProblem) => p.message }] })
        : ''}
      <section aria-labelledby="fmt-h"><h2 id="fmt-h">文件要求</h2>
        <p>GeoJSON (FeatureCollection) 或 Shapefile (.shp 与 .dbf, 可附 .cpg 和 .prj), 经纬度坐标。每个要素都会检查几何类型、经纬度范围、面的闭合和自相交、洞是否在外环内、编号是否重复; 行政区划图层的要素须有 GB/T 2260 区划代码 (region_code)。任何一个要素有问题时不导入任何要素。</p>
        <p>要素编号默认取 GeoJSON 要素的 id, 其次属性 code、id 或 编号; 同一编号再次导入时更新该要素。</p>
      </section>
      ${form({
        action: `${BASE}/layers/${layer.code}/import`,
        csrf: req.csrfToken,
        multipart: true,
        label: '上传要素文件',
        body: html`${field({ name: 'geojson', label: 'GeoJSON 文件', type: 'file', accept: '.geojson,.json,application/geo+json,application/json' })}
          ${field({ name: 'shp', label: '或 Shapefile 的 .shp 文件', type: 'file', accept: '.shp' })}
          ${field({ name: 'dbf', label: 'Shapefile 的 .dbf 属性表', type: 'file', accept: '.dbf' })}
          ${field({ name: 'cpg', label: '.cpg 编码文件 (可选, 默认 GBK)', type: 'file', accept: '.cpg' })}
          ${field({ name: 'prj', label: '.prj 坐标系文件 (可选)', type: 'file', accept: '.prj' })}
          ${select({ name: 'crs', label: '文件坐标系', options: CRS_OPTIONS, value: v.crs ?? 'cgcs2000' })}
          ${select({ name: 'mode', label: '导入方式', options: IMPORT_MODES.map((m) => ({ value: m, label: IMPORT_MODE_LABELS[m] })), value: v.mode ?? 'upsert' })}
          ${field({ name: 'keyProperty', label: '要素编号属性 (可选)', value: v.keyProperty, maxLength: 50 })}
          <div class="actions">${button('导入')} <a href="${BASE}/layers/${layer.code}">取消</a></div>`,
      })}`,
  });
}

interface Upload {
  csrf: string;
  fields: Record<string, string>;
  files: Record<string, { name: string; data: Buffer }>;
}

async function readUpload(req: FastifyRequest): Promise<Upload> {
  const up: Upload = { csrf: '', fields: {}, files: {} };
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (!up.csrf || !safeEqual(up.csrf, req.csrfToken)) throw csrfError();
        const data = await part.toBuffer();
        if (data.length > 0 && ['geojson', 'shp', 'dbf', 'cpg', 'prj'].includes(part.fieldname)) up.files[part.fieldname] = { name: part.filename, data };
      } else {
        const value = typeof part.value === 'string' ? part.value : '';
        if (part.fieldname === '_csrf') up.csrf = value;
        else up.fields[part.fieldname] = value.slice(0, 200);
      }
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') {
      throw new AppError({ code: 'payload_too_large', status: 413, message: '文件超过 50 MB, 请分批导入。' });
    }
    throw err;
  }
  if (!up.csrf || !safeEqual(up.csrf, req.csrfToken)) throw csrfError();
  return up;
}
const csrfError = () => new AppError({ code: 'csrf_invalid', status: 403, message: '表单已过期或来源无法验证, 请刷新页面后重试。' });

export async function registerGeographyPages(app: FastifyInstance, services: PlatformServices): Promise<void> {
  app.get(BASE, { config: { scope: SCOPES.read } }, renderHome);
  app.get(`${BASE}/query`, { config: { scope: SCOPES.read } }, renderQuery);
  app.get(`${BASE}/layers/new`, { config: { scope: SCOPES.layerManage } }, async (req, reply) =>
    reply.page({ title: '新建图层', breadcrumbs: crumbs({ label: '新建图层' }), body: layerForm(req, { kind: 'other' }, []) }),
  );
  app.post(`${BASE}/layers`, { config: { scope: SCOPES.layerManage } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const values = Object.fromEntries(Object.entries(body).filter(([k, v]) => k !== '_csrf' && typeof v === 'string')) as Record<string, string>;
    try {
      const input = parseInput(LayerBody, {
        code: values.code ?? '',
        name: values.name ?? '',
        kind: values.kind ?? '',
        description: values.description || undefined,
        source: values.source || undefined,
        isSchematic: values.isSchematic === 'on',
      });
      const layer = await createLayer(req.ctx, { ...input, kind: input.kind as LayerKind });
      services.nudgeDispatcher();
      return reply.flashRedirect(`${BASE}/layers/${layer.code}`, { kind: 'success', text: `图层「${layer.name}」已建立, 可以导入要素。` });
    } catch (err) {
      if (!isAppError(err) || err.status >= 500 || err.status === 403) throw err;
      const fields = err.fields.length ? err.fields : [{ field: 'code', message: err.message }];
      return reply.page({ title: '新建图层', breadcrumbs: crumbs({ label: '新建图层' }), status: 400, body: layerForm(req, values, fields) });
    }
  });
  app.get(`${BASE}/layers/:code`, { config: { scope: SCOPES.read } }, renderLayer);
  app.get(`${BASE}/layers/:code/import`, { config: { scope: SCOPES.layerManage } }, async (req, reply) => {
    const { code } = parseInput(LayerParams, req.params);
    return renderImport(req, reply, await getLayer(req.ctx, { code }));
  });

  await app.register(async (plugin) => {
    await plugin.register(multipart, { limits: { fileSize: IMPORT_LIMIT_BYTES, fieldSize: 1024, files: 5, fields: 8, parts: 14 } });
    plugin.post(`${BASE}/layers/:code/import`, { config: { scope: SCOPES.layerManage, csrfExempt: true } }, async (req, reply) => {
      const { code } = parseInput(LayerParams, req.params);
      const layer = await getLayer(req.ctx, { code });
      if (!req.isMultipart()) throw new AppError({ code: 'unsupported_media_type', status: 415, message: '请通过页面上的表单上传文件。' });
      const up = await readUpload(req);
      const crs = (['wgs84', 'cgcs2000', 'gcj02'].includes(up.fields.crs) ? up.fields.crs : 'cgcs2000') as CoordinateSystem;
      const mode = (IMPORT_MODES as readonly string[]).includes(up.fields.mode) ? (up.fields.mode as ImportMode) : 'upsert';
      const values = { crs, mode, keyProperty: up.fields.keyProperty ?? '' };
      try {
        let result: ImportResult;
        if (up.files.geojson) {
          let data: unknown;
          try {
            data = JSON.parse(up.files.geojson.data.toString('utf8').replace(/^\uFEFF/, ''));
          } catch (e) {
            throw new AppError({ code: 'import_invalid', status: 422, message: `GeoJSON 文件不是有效的 JSON: ${(e as Error).message}`, fields: [{ field: '(文件)', message: 'JSON 语法错误' }] });
          }
          result = await importFeatures(req.ctx, { layerCode: code, data, crs, mode, keyProperty: values.keyProperty || undefined, fileName: up.files.geojson.name, format: 'geojson' });
        } else if (up.files.shp) {
          const data = await shapefileToGeoJson({ shp: up.files.shp.data, dbf: up.files.dbf?.data, cpg: up.files.cpg?.data.toString('utf8'), prj: up.files.prj?.data.toString('utf8') });
          result = await importFeatures(req.ctx, { layerCode: code, data, crs, mode, keyProperty: values.keyProperty || undefined, fileName: up.files.shp.name, format: 'shapefile' });
        } else {
          return renderImport(req, reply, layer, { message: '请选择 GeoJSON 文件, 或 Shapefile 的 .shp 文件。', status: 400, values });
        }
        services.nudgeDispatcher();
        return reply.flashRedirect(`${BASE}/layers/${code}`, {
          kind: 'success',
          text: `导入完成: 共 ${result.featureCount} 个要素, 新增 ${result.inserted} 个, 更新 ${result.updated} 个, 未变化 ${result.unchanged} 个${result.deleted ? `, 删除 ${result.deleted} 个` : ''}。`,
        });
      } catch (err) {
        if (!isAppError(err) || err.status >= 500 || err.status === 403) throw err;
        return renderImport(req, reply, layer, { message: err.message, problems: err.fields, status: err.status === 422 ? 422 : 400, values });
      }
    });
  });
}
