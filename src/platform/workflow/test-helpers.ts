/**
 * For the workflow tests: a small approval flow (review with a 2-working-day deadline, a reminder
 * one day before, escalation to the city when overdue, referral to the parent government, an
 * approved state that closes itself after 48 hours), units and actors placed in them, and a test
 * platform with the engine, notify and the flow registered.
 */
import { Type } from '@sinclair/typebox';
import { newId } from '../ids.ts';
import type { Actor } from '../context.ts';
import type { ModuleDefinition } from '../module.ts';
import { defineWorkflow, type WorkflowDefinition, type WorkflowSpec } from './definition.ts';
import { workflowModule } from './module.ts';
import { notifyModule } from '../notify/module.ts';
import { deploymentModules } from '../../../test/support/platform.ts';

export const SCOPES = { review: 'test.case.review', supervise: 'test.case.supervise', start: 'test.case.start' };

export interface TestUnit {
  id: string;
  name: string;
  regionCode: string;
  regionPrefix: string;
}

export const UNITS = {
  zhongyuan: { id: newId(), name: '中原区政务服务中心', regionCode: '410102', regionPrefix: '410102' },
  erqi: { id: newId(), name: '二七区政务服务中心', regionCode: '410103', regionPrefix: '410103' },
  zhengzhou: { id: newId(), name: '郑州市人民政府', regionCode: '410100', regionPrefix: '4101' },
  laocheng: { id: newId(), name: '老城区政务服务中心', regionCode: '410302', regionPrefix: '410302' },
  luoyang: { id: newId(), name: '洛阳市人民政府', regionCode: '410300', regionPrefix: '4103' },
} satisfies Record<string, TestUnit>;

/** The parent government of a county unit, as a module's routing function would find it. */
const PARENT: Record<string, TestUnit> = { [UNITS.zhongyuan.id]: UNITS.zhengzhou, [UNITS.erqi.id]: UNITS.zhengzhou, [UNITS.laocheng.id]: UNITS.luoyang };

export function actorAt(name: string, unit: TestUnit, scopes: string[], userId: string = newId()): Actor {
  return {
    kind: 'staff',
    userId,
    name,
    grants: [{ roleCode: 'test', roleName: '测试岗位', unitId: unit.id, unitName: unit.name, regionCode: unit.regionCode, regionPrefix: unit.regionPrefix, scopes: new Set(scopes) }],
  };
}

export function citizen(name: string): Actor {
  return { kind: 'citizen', userId: newId(), name, grants: [] };
}

export interface ApprovalData extends Record<string, unknown> {
  applicant: string;
  amount: number;
  opinion?: string;
}

const dataSchema = Type.Object(
  {
    applicant: Type.String({ title: '申请人', minLength: 1, maxLength: 50 }),
    amount: Type.Number({ title: '金额', minimum: 0 }),
    opinion: Type.Optional(Type.String({ title: '审核意见' })),
    level: Type.Optional(Type.String({ title: '审批层级' })),
  },
  { additionalProperties: false },
);

function approvalSpec(version: number): Omit<WorkflowSpec<ApprovalData>, 'transitions'> {
  return {
    key: 'test.approval',
    version,
    title: '测试审批',
    initial: 'review',
    dataSchema,
    states: {
      review: {
        label: '审核',
        scope: SCOPES.review,
        deadline: { workingDays: 2 },
        reminderBefore: 1,
        escalation: { scope: SCOPES.supervise, route: ({ case: c }) => {
          // Lets timer tests make one escalation fail (a routing that finds no target).
          if (c.title.includes('无法升级')) throw new Error('找不到上级督办单位');
          const parent = PARENT[c.unit?.id ?? ''] ?? UNITS.zhengzhou;
          return { unitId: parent.id, unitName: parent.name };
        } },
      },
      approved: { label: '已批准', scope: SCOPES.review, timer: { after: { hours: 48 }, transition: 'close' } },
      closed: { label: '已办结', terminal: true },
      rejected: { label: '不予批准', terminal: true },
    },
  };
}

export const approvalV1: WorkflowDefinition = defineWorkflow<ApprovalData>({
  ...approvalSpec(1),
  transitions: [
    {
      name: 'approve',
      label: '批准',
      from: ['review'],
      to: 'approved',
      fields: [{ name: 'opinion', label: '审核意见', required: true, maxLength: 200 }],
      guards: [({ data, case: c }) => (data.amount > 1000 && c.unit?.id !== UNITS.zhengzhou.id ? '金额超过 1000 元, 须报上级政府审批' : null)],
    },
    { name: 'reject', label: '不予批准', from: ['review'], to: 'rejected', commentRequired: true },
    {
      name: 'refer',
      label: '报上级审批',
      from: ['review'],
      to: 'review',
      fields: [{ name: 'level', label: '审批层级', type: 'select', options: [{ value: 'city', label: '市级' }], required: true }],
      route: ({ case: c }) => {
        const parent = PARENT[c.unit?.id ?? ''];
        if (!parent) throw new Error('no parent government');
        return { unitId: parent.id, unitName: parent.name };
      },
    },
    { name: 'close', label: '自动办结', from: ['approved'], to: 'closed', automatic: true },
  ],
});

/** Version 2: referral is gone, approval closes at once. */
export const approvalV2: WorkflowDefinition = defineWorkflow<ApprovalData>({
  ...approvalSpec(2),
  states: { ...approvalSpec(2).states, approved: { label: '已批准', scope: SCOPES.review } },
  transitions: [
    { name: 'approve', label: '批准', from: ['review'], to: 'closed', fields: [{ name: 'opinion', label: '审核意见', required: true }] },
    { name: 'reject', label: '不予批准', from: ['review'], to: 'rejected', commentRequired: true },
  ],
});

export function testModule(workflows: WorkflowDefinition[] = [approvalV1]): ModuleDefinition {
  return {
    name: 'wftest',
    scopes: [
      { name: SCOPES.review, description: '测试: 审核' },
      { name: SCOPES.supervise, description: '测试: 督办' },
      { name: SCOPES.start, description: '测试: 发起' },
    ],
    workflows,
  };
}

/** The deployment's modules plus the engine and notify (when not listed yet) and the test flow. */
export function testModules(workflows?: WorkflowDefinition[]): ModuleDefinition[] {
  const mods = [...deploymentModules];
  for (const m of [notifyModule, workflowModule]) if (!mods.some((x) => x.name === m.name)) mods.push(m);
  return [...mods, testModule(workflows)];
}

/** 2026-03-02 09:00 China time, a Monday. */
export const MONDAY_9 = new Date('2026-03-02T01:00:00Z');
export const HOUR = 3_600_000;
/** `YYYY-MM-DDTHH:MM` China time → instant. */
export const cst = (s: string): Date => new Date(`${s}:00+08:00`);
