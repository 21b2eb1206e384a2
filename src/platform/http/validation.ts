/**
 * Input validation shared by API routes (through Fastify's schema) and form posts: one schema,
 * Chinese messages naming the field by its schema title.
 */
import type { TSchema, Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AppError, type FieldProblem } from '../errors.ts';

interface AjvLikeError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
  parentSchema?: { title?: string };
}

function fieldName(path: string, params: Record<string, unknown>): string {
  const base = path.replace(/^\//, '').replace(/\//g, '.');
  if (params.missingProperty) return base ? `${base}.${String(params.missingProperty)}` : String(params.missingProperty);
  return base || '(body)';
}

function label(title: string | undefined, field: string): string {
  return title ? `「${title}」` : `「${field}」`;
}

export function chineseMessage(keyword: string, field: string, params: Record<string, unknown>, title?: string): string {
  const l = label(title, field);
  switch (keyword) {
    case 'required':
      return `缺少必填项${l}`;
    case 'minLength':
      return Number(params.limit) <= 1 ? `${l}不能为空` : `${l}至少 ${String(params.limit)} 个字符`;
    case 'maxLength':
      return `${l}不能超过 ${String(params.limit)} 个字符`;
    case 'pattern':
    case 'format':
      return `${l}格式不正确`;
    case 'type':
      return `${l}类型不正确, 应为${typeName(String(params.type))}`;
    case 'enum':
    case 'const':
    case 'anyOf':
    case 'oneOf':
    case 'union':
      return `${l}的取值不在允许范围内`;
    case 'minimum':
    case 'exclusiveMinimum':
      return `${l}不能小于 ${String(params.limit)}`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `${l}不能大于 ${String(params.limit)}`;
    case 'additionalProperties':
      return `不允许的字段「${String(params.additionalProperty)}」`;
    case 'maxItems':
      return `${l}最多 ${String(params.limit)} 项`;
    case 'minItems':
      return `${l}至少 ${String(params.limit)} 项`;
    default:
      return `${l}不符合要求`;
  }
}

function typeName(t: string): string {
  return ({ string: '文本', integer: '整数', number: '数字', boolean: '是/否', object: '对象', array: '列表' } as Record<string, string>)[t] ?? t;
}

/** Turns Fastify/Ajv validation errors into the platform error. */
export function fromAjvErrors(errors: AjvLikeError[], context: string): AppError {
  const fields: FieldProblem[] = errors.map((e) => {
    const f = fieldName(e.instancePath, e.params);
    const title = e.keyword === 'required' ? undefined : e.parentSchema?.title;
    return { field: f, message: chineseMessage(e.keyword, f, e.params, title) };
  });
  const where = context === 'querystring' ? '查询参数' : context === 'params' ? '路径参数' : context === 'headers' ? '请求头' : '请求内容';
  return new AppError({ code: 'validation_failed', status: 400, message: `${where}不符合要求: ${fields.map((f) => f.message).join('; ')}`, fields });
}

/**
 * Validates a form or other plain object against a TypeBox schema. Empty strings become absent so
 * optional fields left blank pass; numbers in strings are converted.
 */
export function parseInput<S extends TSchema>(schema: S, input: unknown): Static<S> {
  const cleaned: Record<string, unknown> = {};
  if (input && typeof input === 'object') {
    for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
      if (k === '_csrf') continue;
      if (typeof v === 'string') {
        const t = v.trim();
        if (t !== '') cleaned[k] = t;
      } else if (v !== undefined && v !== null) cleaned[k] = v;
    }
  }
  const converted = Value.Convert(schema, cleaned);
  const errors = [...Value.Errors(schema, converted)];
  if (errors.length === 0) return converted as Static<S>;
  const seen = new Set<string>();
  const fields: FieldProblem[] = [];
  for (const e of errors) {
    const f = e.path.replace(/^\//, '').replace(/\//g, '.') || '(body)';
    if (seen.has(f)) continue;
    seen.add(f);
    const missing = e.value === undefined;
    const title = (e.schema as { title?: string }).title;
    const keyword = missing ? 'required' : keywordOf(e.schema as Record<string, unknown>, e.value);
    fields.push({ field: f, message: missing ? `缺少必填项${label(title, f)}` : chineseMessage(keyword, f, limitsOf(e.schema as Record<string, unknown>, keyword), title) });
  }
  return (() => {
    throw new AppError({ code: 'validation_failed', status: 400, message: fields.map((f) => f.message).join('; '), fields });
  })();
}

function keywordOf(schema: Record<string, unknown>, value: unknown): string {
  if (schema.additionalProperties === false && value && typeof value === 'object') return 'additionalProperties';
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) return 'minLength';
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) return 'maxLength';
    if (schema.pattern || schema.format) return 'pattern';
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return 'minimum';
    if (typeof schema.maximum === 'number' && value > schema.maximum) return 'maximum';
  }
  if (schema.anyOf || schema.enum || schema.const !== undefined) return 'enum';
  if (schema.type && typeof value !== schema.type) return 'type';
  return 'invalid';
}

function limitsOf(schema: Record<string, unknown>, keyword: string): Record<string, unknown> {
  const limit = schema[keyword];
  return { limit, type: schema.type };
}
