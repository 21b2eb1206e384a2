/**
 * Lookups other modules use without scope checks (identity resolves a session's units with them).
 * They return only what a unit's identity needs: name, region, status.
 */
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import type { Ctx } from '../../platform/context.ts';

export interface UnitSummary {
  id: string;
  name: string;
  regionCode: string;
  /** Prefix of region codes in the unit's region subtree. */
  regionPrefix: string;
  unitType: string;
  status: 'active' | 'inactive';
}

interface Row {
  id: string;
  name: string;
  region_code: string;
  subtree_prefix: string;
  unit_type: string;
  status: 'active' | 'inactive';
}

const toSummary = (r: Row): UnitSummary => ({ id: r.id, name: r.name, regionCode: r.region_code, regionPrefix: r.subtree_prefix, unitType: r.unit_type, status: r.status });

export async function getUnitSummary(ctx: Ctx, unitId: string): Promise<UnitSummary | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(unitId)) return null;
  const row = await queryOne<Row>(ctx.db, sql`SELECT u.id, u.name, u.region_code, r.subtree_prefix, u.unit_type, u.status
    FROM directory.units u JOIN directory.regions r ON r.code = u.region_code WHERE u.id = ${unitId}`);
  return row ? toSummary(row) : null;
}

/** The first active unit of a type in a region (e.g. the government of 410100), oldest first. */
export async function findUnit(ctx: Ctx, input: { regionCode: string; unitType: string; name?: string }): Promise<UnitSummary | null> {
  const row = await queryOne<Row>(ctx.db, sql`SELECT u.id, u.name, u.region_code, r.subtree_prefix, u.unit_type, u.status
    FROM directory.units u JOIN directory.regions r ON r.code = u.region_code
    WHERE u.region_code = ${input.regionCode} AND u.unit_type = ${input.unitType} AND u.status = 'active'
      AND (${input.name ?? null}::text IS NULL OR u.name = ${input.name ?? null})
    ORDER BY u.created_at, u.id LIMIT 1`);
  return row ? toSummary(row) : null;
}

/**
 * Active units for a picker (e.g. the home unit of a new account), within the given region
 * prefixes ('' = everywhere; no prefix = nothing), optionally filtered by name. No scope check:
 * the caller passes the prefixes of the scope it enforces.
 */
export async function listUnitsForPicker(ctx: Ctx, input: { regionPrefixes: string[]; search?: string; limit: number }): Promise<{ id: string; name: string; regionCode: string }[]> {
  const prefixes = input.regionPrefixes.filter((p) => /^\d{0,6}$/.test(p));
  if (prefixes.length === 0) return [];
  const inRegion = prefixes.includes('') ? sql`true` : sql`(${sql.join(prefixes.map((p) => sql`u.region_code LIKE ${`${p}%`}`), sql` OR `)})`;
  const search = input.search?.trim().toLowerCase();
  const pattern = search ? `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const rows = await queryRows<{ id: string; name: string; region_code: string }>(ctx.db, sql`SELECT u.id, u.name, u.region_code FROM directory.units u
    WHERE u.status = 'active' AND ${inRegion} AND (${pattern}::text IS NULL OR lower(u.name) LIKE ${pattern} OR u.search_text LIKE ${pattern})
    ORDER BY u.region_code, u.name LIMIT ${Math.max(1, Math.min(input.limit, 100_000))}`);
  return rows.map((r) => ({ id: r.id, name: r.name, regionCode: r.region_code }));
}
