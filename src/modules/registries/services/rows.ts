/**
 * Turning stored registry rows into views: dates as they come back from either driver, and the
 * per-field source record (`field_sources` jsonb, compact keys) as FieldSource objects.
 */
import type { FieldSource } from '../model.ts';

/** A date column as YYYY-MM-DD (pg gives a Date at local midnight, PGlite may give a string). */
export const day = (d: string | Date | null): string | null =>
  d === null ? null : typeof d === 'string' ? d.slice(0, 10) : new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10);

/** A timestamp column as an ISO string. */
export const isoT = (d: string | Date): string => new Date(d).toISOString();

/** Stored shape of one field's source: unit id, department name, time. */
export type StoredFieldSources = Record<string, { u: string | null; n: string; t: string }>;

export function fieldSourcesOf(stored: StoredFieldSources | null | undefined): Record<string, FieldSource> {
  const out: Record<string, FieldSource> = {};
  for (const [k, v] of Object.entries(stored ?? {})) out[k] = { unitId: v.u, name: v.n, at: v.t };
  return out;
}
