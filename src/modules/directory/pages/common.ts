/**
 * Small pieces shared by the directory's pages: badges, labels, query strings, form errors,
 * readable change history.
 */
import type { FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import { badge } from '../../../platform/ui/components.ts';
import { hasScope } from '../../../platform/context.ts';
import { isAppError, type AppError, type FieldProblem } from '../../../platform/errors.ts';
import {
  DIRECTION_LABELS,
  LINK_STATUS_LABELS,
  NETWORK_LABELS,
  UNIT_STATUS_LABELS,
  UNIT_TYPE_LABELS,
  type Direction,
  type LinkStatus,
  type Network,
  type UnitStatus,
  type UnitType,
} from '../model.ts';
import type { Region } from '../services/regions.ts';

export const BASE = '/workbench/directory';

export const demoBadge = (isDemo: boolean): SafeHtml | '' => (isDemo ? html` ${badge('演示数据', 'demo')}` : '');

export const unitStatusBadge = (s: UnitStatus): SafeHtml => badge(UNIT_STATUS_LABELS[s], s === 'active' ? 'ok' : 'muted');

export const linkStatusBadge = (s: LinkStatus): SafeHtml => badge(LINK_STATUS_LABELS[s], s === 'active' ? 'ok' : s === 'suspended' ? 'warn' : 'muted');

export const crumbs = (...rest: { label: string; href?: string }[]) => [{ label: '工作台', href: '/workbench' }, ...rest];

export const can = (req: FastifyRequest, scope: string): boolean => hasScope(req.ctx.actor, scope);

/** `?a=1&b=2` from the non-empty values (URLSearchParams encodes). */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** An error that belongs on the form (bad input), as opposed to a refusal or a failure. */
export function isFormError(err: unknown): err is AppError {
  return isAppError(err) && err.fields.length > 0 && [400, 409, 422].includes(err.status);
}

export function errorMap(fields: FieldProblem[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const f of fields) m[f.field] = m[f.field] ? `${m[f.field]}; ${f.message}` : f.message;
  return m;
}

/** Form values as strings, for re-rendering what the user typed. */
export function formValues(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string' && k !== '_csrf') out[k] = v;
  }
  return out;
}

/** `2024-05-06 14:03` in China Standard Time. */
export function formatTime(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString();
  return `${d.slice(0, 10)} ${d.slice(11, 16)}`;
}

/** Region choices labelled with their prefecture, e.g. 410102 郑州市 中原区. */
export function regionOptions(regions: Region[]): { value: string; label: string }[] {
  const byCode = new Map(regions.map((r) => [r.code, r]));
  return regions.map((r) => {
    const parent = r.parentCode ? byCode.get(r.parentCode) : undefined;
    const name = r.level === 'county' && parent ? `${parent.name} ${r.name}` : r.name;
    return { value: r.code, label: `${r.code} ${name}${r.level === 'county' && r.kind === '功能区' ? ' (功能区)' : ''}` };
  });
}

const ACTION_LABELS: Record<string, string> = {
  'directory.unit.create': '新建单位',
  'directory.unit.update': '修改单位信息',
  'directory.unit.deactivate': '停用单位',
  'directory.unit.reactivate': '重新启用单位',
  'directory.network_link.create': '新增网络接入',
  'directory.network_link.update': '修改网络接入',
};
export const actionLabel = (action: string): string => ACTION_LABELS[action] ?? action;

const FIELD_LABELS: Record<string, string> = {
  name: '单位名称',
  shortName: '简称',
  unitType: '单位类型',
  regionCode: '行政区划',
  parentId: '上级单位',
  uscc: '统一社会信用代码',
  status: '状态',
  network: '网络',
  direction: '接入方式',
  connectedSince: '开通日期',
  bandwidthMbps: '带宽 (Mbps)',
  note: '备注',
  reason: '原因',
};

function valueLabel(field: string, value: unknown, names: Map<string, string>, action: string): string {
  if (value === null || value === undefined || value === '') return '(空)';
  const v = String(value);
  if (field === 'unitType') return UNIT_TYPE_LABELS[v as UnitType] ?? v;
  if (field === 'network') return NETWORK_LABELS[v as Network] ?? v;
  if (field === 'direction') return DIRECTION_LABELS[v as Direction] ?? v;
  if (field === 'status') return action.includes('network_link') ? (LINK_STATUS_LABELS[v as LinkStatus] ?? v) : (UNIT_STATUS_LABELS[v as UnitStatus] ?? v);
  if (field === 'parentId') return names.get(v) ?? v;
  return v;
}

/** Unit ids mentioned in history details (to show names instead of ids). */
export function idsInDetails(details: string[]): string[] {
  const ids = new Set<string>();
  for (const d of details) for (const m of d.matchAll(/"parentId":(?:\{"from":(?:"([0-9a-f-]{36})"|null),"to":(?:"([0-9a-f-]{36})"|null)\}|"([0-9a-f-]{36})")/g)) {
    for (const id of [m[1], m[2], m[3]]) if (id) ids.add(id);
  }
  return [...ids];
}

/** One readable line per changed field, from an audit record's canonical JSON details. */
export function describeDetails(action: string, details: string, names: Map<string, string>): string[] {
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(details) as Record<string, unknown>;
  } catch {
    return [details];
  }
  const lines: string[] = [];
  if (typeof obj.network === 'string' && action.includes('network_link')) lines.push(`网络: ${valueLabel('network', obj.network, names, action)}`);
  const changes = obj.changes;
  if (changes && typeof changes === 'object') {
    for (const [field, ch] of Object.entries(changes as Record<string, { from: unknown; to: unknown }>)) {
      lines.push(`${FIELD_LABELS[field] ?? field}: ${valueLabel(field, ch.from, names, action)} → ${valueLabel(field, ch.to, names, action)}`);
    }
  } else {
    for (const [field, v] of Object.entries(obj)) {
      if (['isDemo', 'linkId', 'network'].includes(field) || v === null || v === undefined) continue;
      lines.push(`${FIELD_LABELS[field] ?? field}: ${valueLabel(field, v, names, action)}`);
    }
  }
  if (changes && typeof obj.reason === 'string') lines.push(`原因: ${obj.reason}`);
  return lines;
}
