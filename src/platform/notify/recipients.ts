/**
 * Who receives a notification. Accounts, roles and assignments belong to the identity module, which
 * the kernel may not read; it implements this contract and hands it to the platform at boot through
 * `ModuleDefinition.provides.recipientResolver` (→ `PlatformServices.recipients`).
 */
import type { Ctx } from '../context.ts';

/** Delivery addresses of one account, looked up when a message is sent (never copied into events). */
export interface RecipientContact {
  userId: string;
  name: string;
  email: string | null;
  phone: string | null;
}

export interface RecipientResolver {
  /**
   * Active staff accounts assigned to `unitId` (the unit itself, not its sub-units); with `scope`,
   * only those whose role at that unit contains the scope.
   */
  usersAtUnit(ctx: Ctx, input: { unitId: string; scope?: string }): Promise<string[]>;
  /** Contact details of the given accounts that are active; unknown or disabled ones are left out. */
  contacts(ctx: Ctx, input: { userIds: string[] }): Promise<RecipientContact[]>;
}
