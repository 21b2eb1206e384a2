/**
 * The directory's tables (schema `directory`, created by migrations/0002_directory.sql).
 * Only this module's services touch them; other modules go through index.ts.
 */
import { boolean, date, integer, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const directorySchema = pgSchema('directory');

export const regions = directorySchema.table('regions', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  level: text('level').notNull(),
  parentCode: text('parent_code'),
  subtreePrefix: text('subtree_prefix').notNull(),
  kind: text('kind').notNull(),
  source: text('source').notNull(),
  active: boolean('active').notNull(),
});

export const units = directorySchema.table('units', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  shortName: text('short_name'),
  unitType: text('unit_type').notNull(),
  parentId: uuid('parent_id'),
  regionCode: text('region_code').notNull(),
  uscc: text('uscc'),
  status: text('status').notNull(),
  isDemo: boolean('is_demo').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  searchText: text('search_text').notNull(),
});

export const networkLinks = directorySchema.table('network_links', {
  id: uuid('id').primaryKey(),
  unitId: uuid('unit_id').notNull(),
  network: text('network').notNull(),
  direction: text('direction').notNull(),
  connectedSince: date('connected_since', { mode: 'string' }).notNull(),
  bandwidthMbps: integer('bandwidth_mbps'),
  status: text('status').notNull(),
  note: text('note'),
  isDemo: boolean('is_demo').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});

export type RegionRow = typeof regions.$inferSelect;
export type UnitRow = typeof units.$inferSelect;
export type NetworkLinkRow = typeof networkLinks.$inferSelect;
