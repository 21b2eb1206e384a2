/**
 * For the documents tests: a platform with the engine, notify, files and this module; government
 * units of a province and two cities plus a city department; staff actors placed in them with the
 * scopes of their posts (without accounts, for service tests); and a draft factory.
 */
import { randomBytes } from 'node:crypto';
import { newId } from '../../platform/ids.ts';
import type { Actor, Ctx } from '../../platform/context.ts';
import type { ModuleDefinition } from '../../platform/module.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { notifyModule } from '../../platform/notify/index.ts';
import { filesModule } from '../../platform/files/index.ts';
import { workflowModule } from '../../platform/workflow/index.ts';
import { createUnit } from '../directory/index.ts';
import { deploymentModules, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { ensureTestUnits } from '../../../test/support/units.ts';
import { documentsModule } from './index.ts';
import { SCOPES } from './model.ts';
import { createDraft, type DraftInput } from './services/outgoing.ts';

/** The deployment's modules, plus (when not listed yet) notify, files, the workflow engine and this module. */
export function documentsModules(): ModuleDefinition[] {
  const mods = [...deploymentModules];
  for (const m of [notifyModule, filesModule, workflowModule, documentsModule]) if (!mods.some((x) => x.name === m.name)) mods.push(m);
  return mods;
}

export function startDocumentsPlatform(opts: { clock?: Clock; database?: Database; seedDemo?: boolean } = {}): Promise<TestPlatform> {
  return startTestPlatform({ modules: documentsModules(), ...opts });
}

export interface Unit {
  id: string;
  name: string;
  regionCode: string;
  regionPrefix: string;
}

export interface World {
  province: Unit;
  zhengzhou: Unit;
  luoyang: Unit;
  /** 郑州市 department (承办单位 for 郑州市人民政府's incoming documents). */
  zzDept: Unit;
  /** A county government (not of the same level as 郑州市人民政府). */
  zhongyuan: Unit;
}

/** Units of the test regions, created once per platform. */
export async function makeWorld(tp: TestPlatform): Promise<World> {
  const u = await ensureTestUnits(tp);
  const tag = randomBytes(3).toString('hex');
  const dept = await createUnit(tp.ctx(), { name: `郑州市公文测试局${tag}`, unitType: 'department', regionCode: '410100', parentId: u.zhengzhou });
  return {
    province: { id: u.province, name: '河南省人民政府 (测试)', regionCode: '410000', regionPrefix: '41' },
    zhengzhou: { id: u.zhengzhou, name: '郑州市人民政府 (测试)', regionCode: '410100', regionPrefix: '4101' },
    luoyang: { id: u.luoyang, name: '洛阳市人民政府 (测试)', regionCode: '410300', regionPrefix: '4103' },
    zzDept: { id: dept.id, name: dept.name, regionCode: '410100', regionPrefix: '4101' },
    zhongyuan: { id: u.zhongyuan, name: '中原区人民政府 (测试)', regionCode: '410102', regionPrefix: '410102' },
  };
}

/** A staff member holding `scopes` (plus documents.read) at the unit; no account. */
export function staffAt(name: string, unit: Unit, scopes: string[]): Actor {
  return {
    kind: 'staff',
    userId: newId(),
    name,
    grants: [{ roleCode: 'test', roleName: '测试岗位', unitId: unit.id, unitName: unit.name, regionCode: unit.regionCode, regionPrefix: unit.regionPrefix, scopes: new Set([SCOPES.read, ...scopes]) }],
  };
}

/** The posts of a unit's documents staff. */
export function postsOf(unit: Unit, label: string) {
  return {
    drafter: staffAt(`${label}拟稿员`, unit, [SCOPES.outgoingDraft]),
    reviewer: staffAt(`${label}核稿员`, unit, [SCOPES.outgoingReview]),
    signer: staffAt(`${label}签发领导`, unit, [SCOPES.outgoingSign]),
    sealer: staffAt(`${label}印章管理员`, unit, [SCOPES.sealManage]),
    clerk: staffAt(`${label}收文员`, unit, [SCOPES.incomingRegister]),
    handler: staffAt(`${label}办文员`, unit, [SCOPES.incomingHandle]),
    leader: staffAt(`${label}领导`, unit, [SCOPES.incomingInstruct]),
    reader: staffAt(`${label}查阅员`, unit, []),
  };
}

export function draftInput(w: World, over: Partial<DraftInput> = {}): DraftInput {
  return {
    unitId: w.province.id,
    title: '关于做好公文测试工作的通知',
    body: '各省辖市人民政府：\n现就公文测试工作通知如下。\n一、认真测试。\n二、及时反馈。',
    numberPrefix: '豫政',
    urgency: 'normal',
    classification: 'none',
    attachmentNote: '测试清单',
    note: '此件公开发布',
    mainRecipientIds: [w.zhengzhou.id, w.luoyang.id],
    copyRecipientIds: [],
    ...over,
  };
}

export async function draft(tp: TestPlatform, who: Actor, w: World, over: Partial<DraftInput> = {}): Promise<string> {
  return (await createDraft(tp.ctx(who), draftInput(w, over))).id;
}

/** Runs fn and returns the AppError it throws (fails when it does not). */
export async function refusal(fn: () => Promise<unknown>): Promise<AppError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

export const as = (tp: TestPlatform, a: Actor): Ctx => tp.ctx(a);

/** 2026-03-02 09:00 China time, a Monday (2026 holidays are known to the calendar). */
export const MONDAY_9 = new Date('2026-03-02T01:00:00Z');
export const cst = (s: string): Date => new Date(`${s}:00+08:00`);

/** A multipart/form-data body for app.inject (fields and files). */
export function multipartBody(parts: ({ name: string; value: string } | { name: string; filename: string; content: Buffer | string; type?: string })[]): { payload: Buffer; contentType: string } {
  const boundary = `----egovdocs${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    if ('filename' in p) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.type ?? 'application/octet-stream'}\r\n\r\n`));
      chunks.push(Buffer.isBuffer(p.content) ? p.content : Buffer.from(p.content));
      chunks.push(Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
