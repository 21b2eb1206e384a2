/**
 * Layers (图层): created and changed by holders of geography.layer.manage for a unit in whose
 * region subtree they hold it; read province-wide (spatial base data is reference data).
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope, regionVisible } from '../../../platform/context.ts';
import { badRequest, conflict, forbidden, notFound } from '../../../platform/errors.ts';
import { newId } from '../../../platform/ids.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { getUnitSummary } from '../../directory/index.ts';
import { EVENTS, LAYER_KIND_LABELS, SCOPES, iso, type LayerKind, type LayerRow } from '../model.ts';

export interface LayerView {
  id: string;
  code: string;
  name: string;
  kind: LayerKind;
  kindLabel: string;
  description: string;
  source: string;
  ownerUnitName: string;
  regionCode: string;
  isSchematic: boolean;
  isDemo: boolean;
  featureCount: number;
  version: number;
  createdByName: string;
  createdAt: string;
  updatedAt: string;
}

export const toLayerView = (r: LayerRow): LayerView => ({
  id: r.id,
  code: r.code,
  name: r.name,
  kind: r.kind,
  kindLabel: LAYER_KIND_LABELS[r.kind],
  description: r.description,
  source: r.source,
  ownerUnitName: r.owner_unit_name,
  regionCode: r.region_code,
  isSchematic: r.is_schematic,
  isDemo: r.is_demo,
  featureCount: Number(r.feature_count),
  version: Number(r.version),
  createdByName: r.created_by_name,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

export const layerNotFound = () => notFound('layer_not_found', '图层不存在');

export async function loadLayer(ctx: Ctx, code: string, opts: { forUpdate?: boolean } = {}): Promise<LayerRow | undefined> {
  return queryOne<LayerRow>(ctx.db, sql`SELECT * FROM geography.layers WHERE code = ${code} ${opts.forUpdate ? sql`FOR UPDATE` : sql``}`);
}

export async function getLayer(ctx: Ctx, input: { code: string }): Promise<LayerView> {
  const row = await loadLayer(ctx, input.code);
  if (!row) throw layerNotFound();
  return toLayerView(row);
}

export async function listLayers(ctx: Ctx, input: { kind?: LayerKind } = {}): Promise<LayerView[]> {
  const rows = await queryRows<LayerRow>(ctx.db, sql`SELECT * FROM geography.layers WHERE (${input.kind ?? null}::text IS NULL OR kind = ${input.kind ?? null}) ORDER BY kind, code`);
  return rows.map(toLayerView);
}

/** May the actor change this layer (geography.layer.manage within the layer's region)? */
export function canManageLayer(ctx: Ctx, layer: Pick<LayerRow, 'region_code'>): boolean {
  return regionVisible(ctx.actor, SCOPES.layerManage, layer.region_code);
}

export async function layerForChange(ctx: Ctx, code: string): Promise<LayerRow> {
  if (!hasScope(ctx.actor, SCOPES.layerManage)) throw forbidden();
  const row = await loadLayer(ctx, code, { forUpdate: true });
  if (!row) throw layerNotFound();
  if (!canManageLayer(ctx, row)) throw forbidden('该图层由其他辖区的单位维护, 您不能修改。');
  return row;
}

export interface LayerInput {
  code: string;
  name: string;
  kind: LayerKind;
  description?: string;
  source?: string;
  isSchematic?: boolean;
  /** The maintaining unit; default: the unit where the actor holds geography.layer.manage. */
  ownerUnitId?: string;
  isDemo?: boolean;
}

async function ownerOf(ctx: Ctx, unitId: string | undefined): Promise<{ id: string | null; name: string; regionCode: string }> {
  if (unitId) {
    const unit = await getUnitSummary(ctx, unitId);
    if (!unit || unit.status !== 'active') throw badRequest('validation_failed', '维护单位不存在或已停用', [{ field: 'ownerUnitId', message: '维护单位不存在或已停用' }]);
    if (!regionVisible(ctx.actor, SCOPES.layerManage, unit.regionCode)) throw forbidden('您不能为其他辖区的单位建立图层。');
    return { id: unit.id, name: unit.name, regionCode: unit.regionCode };
  }
  const grant = ctx.actor.grants.find((g) => g.scopes.has(SCOPES.layerManage) || g.scopes.has('*'));
  if (!grant) throw forbidden();
  return { id: grant.unitId || null, name: grant.unitName || '平台', regionCode: /^\d{6}$/.test(grant.regionCode) ? grant.regionCode : '410000' };
}

export async function createLayer(ctx: Ctx, input: LayerInput): Promise<LayerView> {
  if (!hasScope(ctx.actor, SCOPES.layerManage)) throw forbidden();
  const code = input.code.trim();
  const name = input.name.trim();
  if (!/^[a-z][a-z0-9_-]{1,49}$/.test(code)) throw badRequest('validation_failed', '图层代码应以小写字母开头, 由小写字母、数字、下划线或短横线组成 (2-50 个字符)', [{ field: 'code', message: '图层代码格式不正确' }]);
  if (!name) throw badRequest('validation_failed', '请填写图层名称', [{ field: 'name', message: '请填写图层名称' }]);
  return inTransaction(ctx, async (tctx) => {
    if (await loadLayer(tctx, code)) throw conflict('layer_exists', `图层代码 ${code} 已被使用`);
    const owner = await ownerOf(tctx, input.ownerUnitId);
    const id = newId();
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`INSERT INTO geography.layers (id, code, name, kind, description, source, owner_unit_id, owner_unit_name, region_code, is_schematic, is_demo, created_by_name, created_at, updated_at)
      VALUES (${id}, ${code}, ${name}, ${input.kind}, ${input.description?.trim() ?? ''}, ${input.source?.trim() ?? ''}, ${owner.id}, ${owner.name}, ${owner.regionCode},
        ${input.isSchematic ?? false}, ${input.isDemo ?? false}, ${tctx.actor.name}, ${now}, ${now})`);
    audit(tctx, { action: 'geography.layer.create', targetType: 'geography.layer', targetId: id, targetLabel: name, details: { code, kind: input.kind, isSchematic: input.isSchematic ?? false, owner: owner.name } });
    await publish(tctx, { type: EVENTS.layerCreated, orderingKey: id, payload: { layerId: id, code, name, kind: input.kind, regionCode: owner.regionCode, isSchematic: input.isSchematic ?? false } });
    return toLayerView((await loadLayer(tctx, code))!);
  });
}

export interface LayerPatch {
  code: string;
  name?: string;
  description?: string;
  source?: string;
  isSchematic?: boolean;
}

export async function updateLayer(ctx: Ctx, input: LayerPatch): Promise<LayerView> {
  return inTransaction(ctx, async (tctx) => {
    const row = await layerForChange(tctx, input.code);
    const next = {
      name: input.name?.trim() || row.name,
      description: input.description?.trim() ?? row.description,
      source: input.source?.trim() ?? row.source,
      isSchematic: input.isSchematic ?? row.is_schematic,
    };
    const changed: Record<string, { from: unknown; to: unknown }> = {};
    if (next.name !== row.name) changed.name = { from: row.name, to: next.name };
    if (next.description !== row.description) changed.description = { from: row.description, to: next.description };
    if (next.source !== row.source) changed.source = { from: row.source, to: next.source };
    if (next.isSchematic !== row.is_schematic) changed.isSchematic = { from: row.is_schematic, to: next.isSchematic };
    if (Object.keys(changed).length === 0) return toLayerView(row);
    await tctx.db.execute(sql`UPDATE geography.layers SET name = ${next.name}, description = ${next.description}, source = ${next.source}, is_schematic = ${next.isSchematic},
      version = version + 1, updated_at = ${tctx.clock.now().toISOString()} WHERE id = ${row.id}`);
    audit(tctx, { action: 'geography.layer.update', targetType: 'geography.layer', targetId: row.id, targetLabel: next.name, details: { changed } });
    await publish(tctx, { type: EVENTS.layerUpdated, orderingKey: row.id, payload: { layerId: row.id, code: row.code, changed: Object.keys(changed) } });
    return toLayerView((await loadLayer(tctx, row.code))!);
  });
}
