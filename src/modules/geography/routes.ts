/**
 * The geography JSON API under /api/geography: layers, features, GeoJSON import and export,
 * spatial queries (region at a point, features in a box or polygon, nearest), coordinate
 * conversion. Reads need geography.read (staff and member systems' API keys alike).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { PlatformServices } from '../../platform/module.ts';
import { IMPORT_LIMIT_BYTES, SCOPES } from './model.ts';
import {
  BboxQuery,
  ConvertQuery,
  CrsQuery,
  FeatureParams,
  FeaturePageSchema,
  FeatureSchema,
  ImportBody,
  ImportResultSchema,
  LayerBody,
  LayerParams,
  LayerPatchBody,
  LayerSchema,
  ListFeaturesQuery,
  NearestQuery,
  PointQuery,
  PolygonBody,
  QueryResultSchema,
  RegionHitSchema,
} from './schemas.ts';
import { createLayer, getLayer, listLayers, updateLayer } from './services/layers.ts';
import { deleteFeature, importFeatures } from './services/import.ts';
import { featuresInBbox, featuresInPolygon, getFeature, layerGeoJson, listFeatures, nearestFeatures, regionAt } from './services/queries.ts';
import { fromStorage, toStorage } from './gcj02.ts';

const tags = ['geography'];
const layersOf = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

export async function registerGeographyApi(app: FastifyInstance, services: PlatformServices): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/api/geography/layers', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '图层列表', response: { 200: Type.Array(LayerSchema) } },
  }, async (req) => listLayers(req.ctx));

  r.post('/api/geography/layers', {
    config: { scope: SCOPES.layerManage },
    schema: { tags, summary: '新建图层 (维护单位默认为本人持有维护权限的单位)', body: LayerBody, response: { 201: LayerSchema } },
  }, async (req, reply) => {
    const layer = await createLayer(req.ctx, req.body);
    services.nudgeDispatcher();
    return reply.status(201).send(layer);
  });

  r.get('/api/geography/layers/:code', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '图层详情', params: LayerParams, response: { 200: LayerSchema } },
  }, async (req) => getLayer(req.ctx, { code: req.params.code }));

  r.patch('/api/geography/layers/:code', {
    config: { scope: SCOPES.layerManage },
    schema: { tags, summary: '修改图层名称、说明、来源、示意性标记', params: LayerParams, body: LayerPatchBody, response: { 200: LayerSchema } },
  }, async (req) => {
    const layer = await updateLayer(req.ctx, { ...req.body, code: req.params.code });
    services.nudgeDispatcher();
    return layer;
  });

  r.get('/api/geography/layers/:code/features', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '图层要素列表 (不含几何)', params: LayerParams, querystring: ListFeaturesQuery, response: { 200: FeaturePageSchema } },
  }, async (req) => listFeatures(req.ctx, { layerCode: req.params.code, ...req.query }));

  r.get('/api/geography/layers/:code/geojson', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '导出图层为 GeoJSON FeatureCollection (可选 GCJ-02)', params: LayerParams, querystring: CrsQuery },
  }, async (req, reply) => {
    const fc = await layerGeoJson(req.ctx, { layerCode: req.params.code, crs: req.query.crs });
    return reply.type('application/geo+json; charset=utf-8').send(JSON.stringify(fc));
  });

  r.post('/api/geography/layers/:code/import', {
    config: { scope: SCOPES.layerManage },
    bodyLimit: IMPORT_LIMIT_BYTES,
    schema: {
      tags,
      summary: '导入 GeoJSON 要素',
      description: '逐个要素校验几何类型、经纬度范围、面的闭合与自相交、洞的位置、编号和区划代码; 有任何问题时返回 422 import_invalid 并逐项列出 (fields), 不写入任何要素。',
      params: LayerParams,
      body: ImportBody,
      response: { 200: ImportResultSchema },
    },
  }, async (req) => {
    const result = await importFeatures(req.ctx, { layerCode: req.params.code, ...req.body, format: 'geojson' });
    services.nudgeDispatcher();
    return result;
  });

  r.get('/api/geography/features/:id', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '要素详情 (含几何)', params: FeatureParams, querystring: CrsQuery, response: { 200: FeatureSchema } },
  }, async (req) => getFeature(req.ctx, { id: req.params.id, crs: req.query.crs }));

  r.delete('/api/geography/features/:id', {
    config: { scope: SCOPES.layerManage },
    schema: { tags, summary: '删除要素', params: FeatureParams },
  }, async (req, reply) => {
    await deleteFeature(req.ctx, { id: req.params.id });
    services.nudgeDispatcher();
    return reply.status(204).send();
  });

  r.get('/api/geography/region-at', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '点位所在的行政区 (默认按地级行政区图层)', querystring: PointQuery, response: { 200: RegionHitSchema } },
  }, async (req) => ({ region: await regionAt(req.ctx, req.query) }));

  r.get('/api/geography/query/bbox', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '与外包矩形相交的要素', querystring: BboxQuery, response: { 200: QueryResultSchema } },
  }, async (req) => featuresInBbox(req.ctx, { ...req.query, layers: layersOf(req.query.layers), bbox: req.query.bbox.split(',').map(Number) }));

  r.post('/api/geography/query/polygon', {
    config: { scope: SCOPES.read },
    bodyLimit: 5 * 1024 * 1024,
    schema: { tags, summary: '与多边形相交的要素 (洞内不算)', body: PolygonBody, response: { 200: QueryResultSchema } },
  }, async (req) => featuresInPolygon(req.ctx, req.body));

  r.get('/api/geography/query/nearest', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '距点位最近的要素 (球面距离, 米; 面内距离为 0)', querystring: NearestQuery, response: { 200: QueryResultSchema } },
  }, async (req) => ({
    items: await nearestFeatures(req.ctx, { ...req.query, layers: layersOf(req.query.layers), maxDistanceM: req.query.maxDistance }),
    truncated: false,
  }));

  r.get('/api/geography/convert', {
    config: { scope: SCOPES.read },
    schema: {
      tags,
      summary: '坐标转换 (WGS84 / CGCS2000 ↔ GCJ-02)',
      querystring: ConvertQuery,
      response: { 200: Type.Object({ lng: Type.Number(), lat: Type.Number(), crs: Type.String() }) },
    },
  }, async (req) => {
    const [lng, lat] = fromStorage(toStorage([req.query.lng, req.query.lat], req.query.from), req.query.to);
    return { lng, lat, crs: req.query.to };
  });
}
