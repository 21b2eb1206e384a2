/**
 * Helpers shared by the directory's tests (not a test file itself): actors, credit codes,
 * counting audit records and outbox events, building multipart bodies.
 */
import { staffActor } from '../../../test/support/actors.ts';
import type { TestPlatform } from '../../../test/support/platform.ts';
import type { Actor, Ctx } from '../../platform/context.ts';
import { queryOne, sql } from '../../platform/db/index.ts';
import { usccCheckChar } from '../../platform/identifiers/index.ts';
import { SCOPES } from './model.ts';
import { createUnit, type UnitInput } from './services/units.ts';

export const ALL_SCOPES = Object.values(SCOPES);

/** A staff member in `regionCode` holding `scopes` there (grant region prefix derived from the code). */
export const actorIn = (regionCode: string, scopes: string[] = ALL_SCOPES, name = `测试员${regionCode}`): Actor => staffActor(name, regionCode, scopes);

/** A valid credit code (机构编制 / 机关) for the region with the given 9-character body. */
export const validUscc = (regionCode: string, body: string): string => {
  const first17 = `11${regionCode}${body}`;
  return first17 + usccCheckChar(first17);
};

/** The same code with a wrong check character. */
export const badUscc = (regionCode: string, body: string): string => {
  const good = validUscc(regionCode, body);
  const wrong = good.endsWith('0') ? '1' : '0';
  return good.slice(0, 17) + wrong;
};

export async function count(tp: TestPlatform, query: ReturnType<typeof sql>): Promise<number> {
  const row = await queryOne<{ n: string | number }>(tp.database.db, query);
  return Number(row?.n ?? 0);
}

export const auditCount = (tp: TestPlatform, action: string, targetId?: string) =>
  count(tp, sql`SELECT count(*) AS n FROM platform.audit_log WHERE action = ${action} ${targetId ? sql`AND target_id = ${targetId}` : sql``}`);

export const eventCount = (tp: TestPlatform, type: string, orderingKey?: string) =>
  count(tp, sql`SELECT count(*) AS n FROM platform.outbox_events WHERE type = ${type} ${orderingKey ? sql`AND ordering_key = ${orderingKey}` : sql``}`);

export const unitCount = (tp: TestPlatform) => count(tp, sql`SELECT count(*) AS n FROM directory.units`);

/** All rows that a change writes anywhere: units, links, audit records, outbox events. */
export async function footprint(tp: TestPlatform): Promise<string> {
  const parts = await Promise.all([
    count(tp, sql`SELECT count(*) AS n FROM directory.units`),
    count(tp, sql`SELECT count(*) AS n FROM directory.network_links`),
    count(tp, sql`SELECT count(*) AS n FROM platform.audit_log`),
    count(tp, sql`SELECT count(*) AS n FROM platform.outbox_events`),
  ]);
  return `units=${parts[0]} links=${parts[1]} audit=${parts[2]} events=${parts[3]}`;
}

/** Creates a unit as the system (fixtures). */
export async function makeUnit(ctx: Ctx, input: UnitInput): Promise<string> {
  return (await createUnit(ctx, input)).id;
}

/** A multipart/form-data body for app.inject. */
export function multipartBody(parts: ({ name: string; value: string } | { name: string; filename: string; content: Buffer | string; type?: string })[]): { payload: Buffer; contentType: string } {
  const boundary = `----egovtest${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    if ('filename' in p) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.type ?? 'text/csv'}\r\n\r\n`));
      chunks.push(Buffer.isBuffer(p.content) ? p.content : Buffer.from(p.content));
      chunks.push(Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
