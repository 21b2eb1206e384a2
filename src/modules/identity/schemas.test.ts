/**
 * The API schemas document themselves: every property has a Chinese title, request bodies refuse
 * unknown properties.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as schemas from './schemas.ts';

type Node = { title?: string; properties?: Record<string, Node>; items?: Node; anyOf?: Node[]; additionalProperties?: unknown; type?: unknown };
const CJK = /[\u4e00-\u9fff]/;

function untitled(node: Node, path: string): string[] {
  const out: string[] = [];
  for (const [name, prop] of Object.entries(node.properties ?? {})) {
    const p = `${path}.${name}`;
    if (!prop.title || !CJK.test(prop.title)) out.push(p);
    out.push(...untitled(prop, p));
    if (prop.items) out.push(...untitled(prop.items, `${p}[]`));
  }
  return out;
}

const objects = Object.entries(schemas).filter(([, v]) => typeof v === 'object' && v !== null && (v as Node).type === 'object') as [string, Node][];

test('every property of every identity schema has a Chinese title', () => {
  assert.ok(objects.length >= 20);
  const missing = objects.flatMap(([name, s]) => untitled(s, name));
  assert.deepEqual(missing, []);
});

test('request bodies refuse unknown properties', () => {
  const bodies = objects.filter(([name]) => /(Body|Form)$/.test(name));
  assert.ok(bodies.length >= 10);
  for (const [name, s] of bodies) assert.equal(s.additionalProperties, false, name);
});
