/**
 * Demo accounts for `npm start` on an empty database. All are flagged is_demo and listed in the
 * README with their password; demo administrators share a published TOTP secret so a reviewer can
 * log in (`npx egov demo-totp <login>` prints the current code, for demo accounts only).
 */
import { queryOne, sql } from '../../platform/db/index.ts';
import { sm4Encrypt } from '../../platform/crypto/index.ts';
import { ensureSecret } from '../../platform/secrets.ts';
import { residentIdCheckChar, usccCheckChar } from '../../platform/identifiers/index.ts';
import type { Ctx } from '../../platform/context.ts';
import type { DemoStaffDefinition, PlatformServices } from '../../platform/module.ts';
import { findUnit } from '../directory/index.ts';
import { createStaffUser } from './users.ts';
import { assignRole } from './assignments.ts';
import { getRole } from './roles.ts';
import { registerCitizen, registerEnterprise } from './registration.ts';

export const DEMO_PASSWORD = 'Henan@2026demo';
export const DEMO_TOTP_SECRET = 'JBSWY3DPEHPK3PXP';


/** identity's own demo staff; modules add theirs with ModuleDefinition.demoStaff. */
export const DEMO_STAFF: DemoStaffDefinition[] = [
  { login: 'sysadmin', name: '省系统管理员 (演示)', role: 'sys_admin', unit: { regionCode: '410000', unitType: 'government' }, totp: true },
  { login: 'secadmin', name: '省安全管理员 (演示)', role: 'sec_admin', unit: { regionCode: '410000', unitType: 'government' }, totp: true },
  { login: 'auditor', name: '省审计管理员 (演示)', role: 'audit_admin', unit: { regionCode: '410000', unitType: 'government' }, totp: true },
  { login: 'zwfw', name: '省政务服务专员 (演示)', role: 'citizen_service', unit: { regionCode: '410000', unitType: 'government' }, totp: true },
  { login: 'zzadmin', name: '郑州市单位管理员 (演示)', role: 'unit_admin', unit: { regionCode: '410100', unitType: 'government' }, totp: true },
  { login: 'lyadmin', name: '洛阳市单位管理员 (演示)', role: 'unit_admin', unit: { regionCode: '410300', unitType: 'government' }, totp: true },
  { login: 'zyclerk', name: '中原区工作人员 (演示)', role: 'clerk', unit: { regionCode: '410102', unitType: 'government' }, totp: false },
];

/** A demo resident ID with a correct check character (Zhongyuan district, 1990-03-07). */
export const DEMO_CITIZEN_ID = `41010219900307123${residentIdCheckChar('41010219900307123')}`;
/** A demo credit code with a correct check character (enterprise, Zhengzhou). */
export const DEMO_ENTERPRISE_USCC = `91410100MA9G0DEM0${usccCheckChar('91410100MA9G0DEM0')}`;

export async function seedIdentityDemo(ctx: Ctx, services: Pick<PlatformServices, 'demoStaff'>): Promise<void> {
  const key = await ensureSecret(ctx.db, 'identity_totp_sm4', 16);
  for (const s of [...DEMO_STAFF, ...services.demoStaff]) {
    const exists = await queryOne(ctx.db, sql`SELECT 1 FROM identity.users WHERE login_name = ${s.login}`);
    if (exists) continue;
    const unit = await findUnit(ctx, s.unit);
    const role = await getRole(ctx, { code: s.role });
    if (!unit || !role) throw new Error(`demo seed: unit ${s.unit.regionCode} or role ${s.role} missing`);
    const user = await createStaffUser(ctx, { loginName: s.login, displayName: s.name, password: DEMO_PASSWORD, homeUnitId: unit.id, isDemo: true });
    await assignRole(ctx, { userId: user.id, roleId: role.id, unitId: unit.id });
    if (s.totp) {
      await ctx.db.execute(sql`UPDATE identity.users SET totp_secret_sealed = ${sm4Encrypt(key, DEMO_TOTP_SECRET)}, totp_enabled = true WHERE id = ${user.id}`);
    }
  }
  if (!(await queryOne(ctx.db, sql`SELECT 1 FROM identity.users WHERE login_name = ${DEMO_CITIZEN_ID}`))) {
    await registerCitizen(ctx, { name: '张演示', idNumber: DEMO_CITIZEN_ID, phone: '13800000000', password: DEMO_PASSWORD, isDemo: true });
  }
  if (!(await queryOne(ctx.db, sql`SELECT 1 FROM identity.users WHERE login_name = ${DEMO_ENTERPRISE_USCC}`))) {
    await registerEnterprise(ctx, { name: '河南演示科技有限公司', uscc: DEMO_ENTERPRISE_USCC, phone: '13900000000', password: DEMO_PASSWORD, isDemo: true });
  }
}
