/**
 * Identity's answer to "who receives this notification": staff at a unit (optionally only those
 * holding a scope there) and the contact details of accounts, read when a message is sent.
 */
import type { RecipientResolver } from '../../platform/notify/recipients.ts';
import { queryRows, sql } from '../../platform/db/index.ts';

export const identityRecipientResolver: RecipientResolver = {
  async usersAtUnit(ctx, { unitId, scope }) {
    const rows = await queryRows<{ id: string }>(ctx.db, sql`
      SELECT DISTINCT u.id FROM identity.users u JOIN identity.assignments a ON a.user_id = u.id
      WHERE a.unit_id = ${unitId} AND u.kind = 'staff' AND u.status = 'active'
        ${scope ? sql`AND EXISTS (SELECT 1 FROM identity.role_scopes rs WHERE rs.role_id = a.role_id AND (rs.scope = ${scope} OR rs.scope = '*'))` : sql``}
      ORDER BY u.id`);
    return rows.map((r) => r.id);
  },
  async contacts(ctx, { userIds }) {
    if (userIds.length === 0) return [];
    const rows = await queryRows<{ id: string; display_name: string; email: string | null; phone: string | null }>(ctx.db, sql`
      SELECT id, display_name, email, phone FROM identity.users
      WHERE id IN (${sql.join(userIds.map((id) => sql`${id}::uuid`), sql`, `)}) AND status = 'active'`);
    return rows.map((r) => ({ userId: r.id, name: r.display_name, email: r.email, phone: r.phone }));
  },
};
