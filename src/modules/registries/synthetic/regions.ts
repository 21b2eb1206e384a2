/** The county-level regions of Henan from the directory module, in the generator's shape. */
import type { Ctx } from '../../../platform/context.ts';
import { listRegions } from '../../directory/index.ts';
import type { GeneratorRegion } from './generator.ts';

export async function generatorRegions(ctx: Ctx): Promise<GeneratorRegion[]> {
  const all = await listRegions(ctx, { level: 'county' });
  return all.filter((r) => r.code.startsWith('41') && !r.kind.includes('功能区') && !r.kind.includes('开发区')).map((r) => ({ code: r.code, name: r.name, prefecture: r.code.slice(0, 4) }));
}
