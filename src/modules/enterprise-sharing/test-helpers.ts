/**
 * Test fixtures: market regulation on the exchange (a unit, a member, its registration system and
 * the enterprise registration topic, as the exchange demo publishes them) and the two tax bureaus
 * connected with webhooks at `baseUrl`.
 */
import { randomInt } from 'node:crypto';
import type { TestPlatform } from '../../../test/support/platform.ts';
import { createUnit } from '../directory/index.ts';
import { createMember, createSubsystem, publishResource } from '../exchange/index.ts';
import { makeUscc } from '../registries/index.ts';
import { TOPIC_CODES } from './model.ts';
import { connectTaxBureaus, type Bureau } from './services/bureaus.ts';

export async function connectForTest(tp: TestPlatform, input: { baseUrl: string }): Promise<{ bureaus: Bureau[] }> {
  const ctx = tp.ctx();
  const unit = await createUnit(ctx, { name: '河南省市场监督管理局 (测试)', unitType: 'department', regionCode: '410000' });
  const member = await createMember(ctx, { memberClass: 'GOV', memberCode: 'HA410000SCJG', name: '河南省市场监督管理局 (测试)', unitId: unit.id });
  const registration = await createSubsystem(ctx, { memberId: member.id, code: 'registration', name: '企业登记注册系统' });
  await publishResource(ctx, {
    code: TOPIC_CODES.enterpriseRegistration, catalogType: 'base', classification: '基础信息资源/法人单位/登记信息', name: '企业登记信息 (设立、变更、注销)',
    providerSubsystemId: registration.id, format: 'JSON 事件', kind: 'topic', serviceCode: 'enterprise-registration', shareType: 'unconditional',
    items: [{ name: '统一社会信用代码', type: '字符型 C' }],
  });
  return { bureaus: await connectTaxBureaus(ctx, { baseUrl: input.baseUrl }) };
}

/** A random valid credit code of an enterprise in Zhengzhou's Zhongyuan district (33⁶ organisation codes: no collisions in practice). */
export const zhengzhouUscc = (): string => makeUscc('91', '410102', () => randomInt(1_000_000) / 1_000_000);

/** Polls `fn` until it returns a truthy value (deliveries are asynchronous). */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
