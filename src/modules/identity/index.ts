/**
 * Identity and access (身份与权限): the module's public surface.
 */
import type { ModuleDefinition } from '../../platform/module.ts';
import { ensureBuiltinRoles } from './roles.ts';
import { seedIdentityDemo } from './seed.ts';
import { identityRecipientResolver } from './recipients.ts';
import { registerAuthRoutes } from './routes-auth.ts';
import { registerAdminRoutes } from './routes-admin.ts';

export const IDENTITY_SCOPES = [
  { name: 'identity.user.read', description: '查看本辖区账号' },
  { name: 'identity.user.write', description: '创建、修改、停用本辖区工作人员账号, 重置口令' },
  { name: 'identity.user.unlock', description: '解锁因登录失败被锁定的账号' },
  { name: 'identity.role.read', description: '查看角色及其权限' },
  { name: 'identity.role.write', description: '创建、修改自定义角色 (三员专属)' },
  { name: 'identity.assignment.write', description: '给账号授予或撤销岗位角色 (三员专属)' },
  { name: 'identity.person.read_full', description: '说明用途后查看完整的个人身份信息 (每次记入审计)' },
  { name: 'identity.service_account.manage', description: '管理业务系统服务账号与 API 密钥' },
];

export const identityModule: ModuleDefinition = {
  name: 'identity',
  scopes: IDENTITY_SCOPES,
  navigation: [
    { label: '账号管理', href: '/workbench/users', scope: 'identity.user.read', group: '身份与权限' },
    { label: '角色管理', href: '/workbench/roles', scope: 'identity.role.read', group: '身份与权限' },
    { label: '服务账号', href: '/workbench/service-accounts', scope: 'identity.service_account.manage', group: '身份与权限' },
    { label: '个人设置', href: '/workbench/profile', scope: 'staff', group: '我的' },
  ],
  async registerRoutes(app, services) {
    registerAuthRoutes(app, services);
    registerAdminRoutes(app, services);
  },
  seedReference: ensureBuiltinRoles,
  seedDemo: seedIdentityDemo,
  provides: { recipientResolver: identityRecipientResolver },
};

export {
  createAuthenticator, login, completeSecondFactor, logout, issueApiKey, revokeApiKey, listApiKeys, changeOwnPassword, listSessions, forceLogout,
  logoutOtherSessions, MAX_FAILED_LOGINS, LOCKOUT_MINUTES, SESSION_ABSOLUTE_HOURS,
} from './sessions.ts';
export type { ApiKeyView, SessionView } from './sessions.ts';
export { createStaffUser, createServiceAccount, getUser, getServiceAccount, listUsers, listServiceAccounts, readPersonalData, setUserStatus, unlockUser, resetPassword, resetTotp, updateStaffUser } from './users.ts';
export type { UserView, UserKind, PersonalData } from './users.ts';
export { assignRole, removeAssignment, listAssignments } from './assignments.ts';
export type { AssignmentView } from './assignments.ts';
export { listRoles, getRole, createRole, updateRole, BUILTIN_ROLES, MLPS_LABELS, MLPS_POWERS } from './roles.ts';
export type { Role } from './roles.ts';
export { registerCitizen, registerEnterprise } from './registration.ts';
export { DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_STAFF, DEMO_CITIZEN_ID, DEMO_ENTERPRISE_USCC } from './seed.ts';
export { totpCode } from './totp.ts';
