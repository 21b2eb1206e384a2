/**
 * Natural resources and spatial geography (自然资源和空间地理基础信息库): layers of features
 * (administrative boundaries, land-use parcels, forests, water bodies, points of interest) stored
 * as GeoJSON in CGCS2000/WGS84 with attributes; validated all-or-nothing GeoJSON and shapefile
 * import; spatial queries (region at a point, features in a box or polygon, nearest); conversion
 * to and from GCJ-02; maps drawn from the data itself. This file is the module's only public surface.
 */
import type { FastifyInstance } from 'fastify';
import type { ModuleDefinition, PlatformServices } from '../../platform/module.ts';
import { GEOGRAPHY_DEMO_STAFF, GEOGRAPHY_ROLES, SCOPES, SCOPE_DESCRIPTIONS } from './model.ts';
import { registerGeographyApi } from './routes.ts';
import { registerGeographyPages } from './pages/geography.ts';
import { seedGeographyDemo, seedGeographyReference } from './services/demo.ts';

// --- public service API ------------------------------------------------------------------------
export { SCOPES as GEOGRAPHY_SCOPES, EVENTS as GEOGRAPHY_EVENTS, LAYER_KINDS, LAYER_KIND_LABELS, PREFECTURE_LAYER, SCHEMATIC_NOTE, type LayerKind, type ImportMode } from './model.ts';
export { regionAt, featuresContaining, featuresInBbox, featuresInPolygon, nearestFeatures, getFeature, listFeatures, layerGeoJson, type RegionHit, type FeatureView, type QueryResult } from './services/queries.ts';
export { createLayer, updateLayer, getLayer, listLayers, type LayerView, type LayerInput } from './services/layers.ts';
export { importFeatures, deleteFeature, type ImportInput, type ImportResult, type ImportProblem } from './services/import.ts';
export { shapefileToGeoJson } from './services/shapefile.ts';
export { wgs84ToGcj02, gcj02ToWgs84, type CoordinateSystem } from './gcj02.ts';
export { validateGeometry, geometryContainsPoint, haversine, type Geometry, type BBox } from './geometry.ts';

async function registerRoutes(app: FastifyInstance, services: PlatformServices): Promise<void> {
  await registerGeographyApi(app, services);
  await registerGeographyPages(app, services);
}

export const geographyModule: ModuleDefinition = {
  name: 'geography',
  scopes: Object.values(SCOPES).map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })),
  navigation: [
    { label: '图层与地图', href: '/workbench/geography', scope: SCOPES.read, group: '自然资源和空间地理' },
    { label: '空间查询', href: '/workbench/geography/query', scope: SCOPES.read, group: '自然资源和空间地理' },
  ],
  roles: GEOGRAPHY_ROLES,
  demoStaff: GEOGRAPHY_DEMO_STAFF,
  registerRoutes,
  seedReference: seedGeographyReference,
  seedDemo: seedGeographyDemo,
};


