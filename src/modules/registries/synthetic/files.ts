/**
 * Writes synthetic registries to CSV files with the import headers (UTF-8 with BOM), streaming, so
 * 10 million persons need little memory. Used by `npx egov registries generate` and the benchmarks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { ENTITY_IMPORT, PERSON_IMPORT } from '../services/importers.ts';
import { entityGenerator, personGenerator, rng, type EntityCells, type GeneratorRegion, type PersonCells } from './generator.ts';

const cell = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

async function writeLines(file: string, header: string[], rows: () => string[] | null): Promise<number> {
  const out = fs.createWriteStream(file);
  out.write(`\ufeff${header.join(',')}\n`);
  let n = 0;
  let buf = '';
  for (;;) {
    const batch = rows();
    if (!batch) break;
    for (const line of batch) {
      buf += line;
      n += 1;
    }
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.write(buf);
  out.end();
  await once(out, 'finish');
  return n;
}

export interface GenerateResult {
  personsFile: string | null;
  entitiesFile: string | null;
  persons: number;
  entities: number;
}

/** Generates `persons` persons (whole households, cut at the count) and `entities` entities into `outDir`. */
export async function generateFiles(input: { regions: GeneratorRegion[]; persons: number; entities: number; outDir: string; seed?: number; legacyShare?: number }): Promise<GenerateResult> {
  fs.mkdirSync(input.outDir, { recursive: true });
  const gen = personGenerator(input.regions, input.seed ?? 1);
  const personKeys = PERSON_IMPORT.columns.map((c) => c.key) as (keyof PersonCells)[];
  let persons = 0;
  const personsFile = input.persons > 0 ? path.join(input.outDir, 'persons.csv') : null;
  if (personsFile) {
    persons = await writeLines(personsFile, PERSON_IMPORT.columns.map((c) => c.header), () => {
      if (persons >= input.persons) return null;
      const lines: string[] = [];
      while (lines.length < 1000 && persons < input.persons) {
        for (const m of gen.next()) {
          if (persons >= input.persons) break;
          lines.push(`${personKeys.map((k) => cell(m[k])).join(',')}\n`);
          persons += 1;
        }
      }
      return lines;
    });
  } else {
    for (let i = 0; i < 2000; i += 1) gen.next();
  }
  const pick = rng((input.seed ?? 1) + 99);
  const nextEntity = entityGenerator(input.regions, () => (gen.adults.length ? gen.adults[Math.floor(pick() * gen.adults.length)] : null), (input.seed ?? 1) + 1, { legacyShare: input.legacyShare ?? 0.001 });
  const entityKeys = ENTITY_IMPORT.columns.map((c) => c.key) as (keyof EntityCells)[];
  let entities = 0;
  const entitiesFile = input.entities > 0 ? path.join(input.outDir, 'entities.csv') : null;
  if (entitiesFile) {
    entities = await writeLines(entitiesFile, ENTITY_IMPORT.columns.map((c) => c.header), () => {
      if (entities >= input.entities) return null;
      const lines: string[] = [];
      while (lines.length < 1000 && entities < input.entities) {
        const e = nextEntity();
        lines.push(`${entityKeys.map((k) => cell(e[k])).join(',')}\n`);
        entities += 1;
      }
      return lines;
    });
  }
  return { personsFile, entitiesFile, persons, entities };
}
