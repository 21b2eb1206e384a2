/**
 * The exchange core on a real database: members and subsystems with X-Road identifiers, credentials
 * (HMAC secret shown once, stored sealed; SM2 keys), the catalog with its metadata checks, and grants
 * (subsystem or group, endpoint or resource level, expiry, revocation) as the gateway will find them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestPlatform } from '../../../test/support/platform.ts';
import { manualClock, startTestPlatform } from '../../../test/support/platform.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import type { Actor } from '../../platform/context.ts';
import { newId } from '../../platform/ids.ts';
import { queryOne, sql } from '../../platform/db/index.ts';
import { isAppError } from '../../platform/errors.ts';
import { generateSm2KeyPair } from '../../platform/crypto/index.ts';
import {
  addToGroup, createGroup, createMember, createSubsystem, findActiveGrant, findSubsystem, grantAccess, issueHmacCredential, publishResource,
  registerSm2Credential, resourceByService, revokeCredential, revokeGrant, verificationKey, matchEndpoint, type ResourceInput,
} from './index.ts';
import { SCOPES } from './model.ts';

const clock = manualClock(new Date('2026-03-02T02:00:00Z'));
let tp: TestPlatform;
let units: TestUnits;

const staff = (name: string, unitId: string, regionCode: string, regionPrefix: string, scopes: string[]): Actor => ({
  kind: 'staff',
  userId: newId(),
  name,
  grants: [{ roleCode: 't', roleName: 't', unitId, unitName: name, regionCode, regionPrefix, scopes: new Set(scopes) }],
});

const refusal = async (p: Promise<unknown>, code: string) => {
  await assert.rejects(p, (e: unknown) => isAppError(e) && e.code === code);
};

const apiResource = (providerSubsystemId: string, over: Partial<ResourceInput> = {}): ResourceInput => ({
  code: '101/001/0001',
  catalogType: 'base',
  classification: '基础信息资源/人口',
  name: '居民身份信息核验',
  providerSubsystemId,
  abstract: '按公民身份号码核验姓名、性别、出生日期',
  format: 'JSON 接口',
  items: [{ name: '公民身份号码', type: 'C' }, { name: '姓名', type: 'C' }],
  kind: 'api',
  serviceCode: 'person-verify',
  shareType: 'conditional',
  shareCondition: '限办理社会保障业务',
  legalBasis: '《政务信息资源共享管理暂行办法》',
  baseUrl: 'http://127.0.0.1:9/provider',
  endpoints: [{ method: 'GET', pathTemplate: '/persons/{idNumber}', operationId: 'getPerson', subjectParam: 'idNumber' }, { method: 'POST', pathTemplate: '/persons/batch', operationId: 'batch' }],
  ...over,
});

before(async () => {
  tp = await startTestPlatform({ clock });
  units = await ensureTestUnits(tp);
});
after(async () => tp?.close());

test('members, subsystems, credentials, catalog and grants as the gateway sees them', async () => {
  const admin = staff('数据局管理员', units.province, '410000', '41', [SCOPES.memberManage, SCOPES.grantManage]);
  const zzAdmin = staff('郑州数据局', units.zhengzhou, '410100', '4101', [SCOPES.memberManage]);
  const ctx = tp.ctx(admin);
  await refusal(createMember(tp.ctx(zzAdmin), { memberClass: 'GOV', memberCode: 'PROVGOV01', name: '省政府', unitId: units.province }), 'forbidden');
  const provider = await createMember(ctx, { memberClass: 'GOV', memberCode: 'PROVGOV01', name: '河南省人民政府', unitId: units.province });
  assert.equal(provider.regionCode, '410000');
  await refusal(createMember(ctx, { memberClass: 'GOV', memberCode: 'PROVGOV01', name: '重复', unitId: units.province }), 'member_exists');
  await refusal(createMember(ctx, { memberClass: 'GOV', memberCode: 'x', name: '无效', unitId: units.province }), 'member_code_invalid');
  const client = await createMember(tp.ctx(zzAdmin), { memberClass: 'GOV', memberCode: 'ZZGOV0001', name: '郑州市人民政府', unitId: units.zhengzhou });
  const pSys = await createSubsystem(ctx, { memberId: provider.id, code: 'population', name: '人口库' });
  const cSys = await createSubsystem(ctx, { memberId: client.id, code: 'shebao', name: '社保系统' });
  assert.equal(cSys.xroadId, 'CN-HA/GOV/ZZGOV0001/shebao');
  assert.equal((await findSubsystem(ctx, { xroadId: 'CN-HA/GOV/ZZGOV0001/shebao' }))?.id, cSys.id);
  assert.equal(await findSubsystem(ctx, { xroadId: 'XX/GOV/ZZGOV0001/shebao' }), null);

  const hmac = await issueHmacCredential(ctx, { subsystemId: cSys.id });
  const stored = await queryOne<{ secret_sealed: string }>(tp.database.db, sql`SELECT secret_sealed FROM exchange.credentials WHERE key_id = ${hmac.keyId}`);
  assert.ok(stored && !stored.secret_sealed.includes(hmac.secret), 'the secret is stored sealed');
  assert.equal((await verificationKey(ctx, { keyId: hmac.keyId }))?.secret, hmac.secret);
  const sm2 = await registerSm2Credential(ctx, { subsystemId: cSys.id, publicKeyPem: generateSm2KeyPair().publicKeyPem });
  assert.equal((await verificationKey(ctx, { keyId: sm2.keyId }))?.kind, 'sm2');
  await revokeCredential(ctx, { keyId: hmac.keyId });
  assert.equal(await verificationKey(ctx, { keyId: hmac.keyId }), null);

  const outsider = staff('洛阳某局', units.luoyang, '410300', '4103', [SCOPES.resourcePublish]);
  await refusal(publishResource(tp.ctx(outsider), apiResource(pSys.id)), 'forbidden');
  await assert.rejects(publishResource(ctx, apiResource(pSys.id, { legalBasis: '', baseUrl: null })), (e: unknown) =>
    isAppError(e) && e.code === 'validation_failed' && JSON.stringify(e.fields).includes('legalBasis') && JSON.stringify(e.fields).includes('baseUrl'));
  const owner = staff('省政府资源管理员', units.province, '410000', '41', [SCOPES.resourcePublish]);
  const res = await publishResource(tp.ctx(owner), apiResource(pSys.id));
  assert.equal(res.gatewayPath, '/exchange/r1/CN-HA/GOV/PROVGOV01/population/person-verify');
  assert.equal((await resourceByService(ctx, { providerXroadId: pSys.xroadId, serviceCode: 'person-verify' }))?.id, res.id);
  const m = matchEndpoint(res, 'GET', '/persons/41010519491231002X');
  assert.equal(m?.endpoint.operationId, 'getPerson');
  assert.equal(m?.params.idNumber, '41010519491231002X');
  assert.equal(matchEndpoint(res, 'DELETE', '/persons/1'), null);

  assert.equal(await findActiveGrant(ctx, { clientSubsystemId: cSys.id, resourceId: res.id }), null);
  const getOnly = res.endpoints.find((e) => e.operationId === 'getPerson')!;
  await refusal(grantAccess(tp.ctx(owner), { resourceId: res.id, subsystemId: cSys.id, purpose: '社保' }), 'forbidden');
  const g = await grantAccess(ctx, { resourceId: res.id, endpointId: getOnly.id, subsystemId: cSys.id, purpose: '社保待遇资格认证', ratePerMinute: 60, expiresAt: new Date(clock.now().getTime() + 86_400_000) });
  assert.equal((await findActiveGrant(ctx, { clientSubsystemId: cSys.id, resourceId: res.id, endpointId: getOnly.id }))?.id, g.id);
  const batchEp = res.endpoints.find((e) => e.operationId === 'batch')!;
  assert.equal(await findActiveGrant(ctx, { clientSubsystemId: cSys.id, resourceId: res.id, endpointId: batchEp.id }), null, 'an endpoint grant covers only its endpoint');
  clock.advance(2 * 86_400_000);
  assert.equal(await findActiveGrant(ctx, { clientSubsystemId: cSys.id, resourceId: res.id, endpointId: getOnly.id }), null, 'expired');

  const group = await createGroup(ctx, { code: 'city-shebao', name: '各市社保系统' });
  await addToGroup(ctx, { groupId: group.id, subsystemId: cSys.id });
  const gg = await grantAccess(ctx, { resourceId: res.id, groupId: group.id, purpose: '社保业务' });
  assert.equal((await findActiveGrant(ctx, { clientSubsystemId: cSys.id, resourceId: res.id, endpointId: batchEp.id }))?.id, gg.id);
  await revokeGrant(ctx, { id: gg.id, reason: '业务调整' });
  assert.equal(await findActiveGrant(ctx, { clientSubsystemId: cSys.id, resourceId: res.id, endpointId: batchEp.id }), null);

  const closed = await publishResource(tp.ctx(owner), apiResource(pSys.id, { code: '101/001/0002', serviceCode: 'closed-one', shareType: 'none', legalBasis: '《中华人民共和国居民身份证法》第六条' }));
  await refusal(grantAccess(ctx, { resourceId: closed.id, subsystemId: cSys.id, purpose: '试试' }), 'resource_not_shared');
});
