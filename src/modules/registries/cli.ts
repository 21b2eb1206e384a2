/**
 * `npx egov registries …`: generate synthetic files, import CSV/XLSX with a progress bar, resume an
 * interrupted import, run the quality checks. Works on the configured database (DATABASE_URL or
 * the PGlite in DATA_DIR), migrating it first.
 */
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../platform/config/index.ts';
import { openConfiguredDatabase } from '../../platform/boot.ts';
import { migrate } from '../../platform/db/migrate.ts';
import { systemActor, silentLogger, type Ctx } from '../../platform/context.ts';
import { systemClock } from '../../platform/clock.ts';
import { createImportJob, getImportJob, progressLine, runImportJob, type ImportDefinition, type ImportJob } from '../../platform/imports/index.ts';
import { directoryModule } from '../directory/index.ts';
import { generateFiles } from './synthetic/files.ts';
import { generatorRegions } from './synthetic/regions.ts';
import { ENTITY_IMPORT, PERSON_IMPORT } from './services/importers.ts';
import { runQualityChecks, QUALITY_RULES } from './services/quality.ts';

export const REGISTRIES_HELP = `用法: egov registries <子命令>

  generate --persons N --entities N --out DIR [--seed S]
        生成合成数据 (演示数据, 非真实人员): DIR/persons.csv 和 DIR/entities.csv,
        身份号码和统一社会信用代码的校验码有效, 区划按河南各市人口加权。
  import persons|entities <文件> [--batch N] [--source 来源部门名称]
        导入 CSV (UTF-8 或 GB18030) 或 XLSX, 显示进度条; 每批一个事务, 有问题行的批次整批不写入,
        结束时列出问题数; 问题清单在工作台的导入任务页下载。
  resume <任务标识>
        继续中断的导入 (从最后提交的批次之后开始)。
  quality
        运行数据质量检查, 问题分派给记录的来源部门。`;

function flag(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const a = args[i];
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[i + 1];
}

const positional = (args: string[]) => args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--') && !args[i - 1].includes('=')));

function cliCtx(db: Ctx['db'], what: string): Ctx {
  let who = 'unknown';
  try {
    who = os.userInfo().username;
  } catch {
    /* containers */
  }
  return { actor: { ...systemActor, name: `命令行 (操作系统用户 ${who})` }, db, clock: systemClock, requestId: `cli:registries:${what}:${Date.now()}`, log: silentLogger };
}

async function runWithBar(ctx: Ctx, def: ImportDefinition<unknown>, job: ImportJob, takeOver: boolean): Promise<number> {
  const tty = process.stderr.isTTY;
  let last = 0;
  const done = await runImportJob(ctx, def, { id: job.id }, {
    takeOver,
    onProgress: (j) => {
      if (tty) process.stderr.write(`\r${progressLine(j)}`);
      else if (Date.now() - last > 5000) {
        last = Date.now();
        process.stderr.write(`${progressLine(j)}\n`);
      }
    },
  });
  process.stderr.write(`${tty ? '\r' : ''}${progressLine(done)}\n`);
  console.log(`任务 ${done.id}: ${done.statusLabel}; 处理 ${done.rowsRead} 行, 新增 ${done.rowsInserted}, 更新 ${done.rowsUpdated}, 未变 ${done.rowsUnchanged}, 未导入 ${done.rowsFailed} 行 (问题 ${done.errorCount} 处)。`);
  if (done.lastError) console.error(`错误: ${done.lastError}`);
  return done.status === 'completed' ? 0 : 1;
}

/** Runs `egov registries …`; resolves to the exit code (2 for usage errors). */
export async function runRegistriesCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = positional(args);
  if (!sub || args.includes('--help') || args.includes('-h')) {
    console.log(REGISTRIES_HELP);
    return sub ? 0 : 2;
  }
  const config = loadConfig();
  const database = await openConfiguredDatabase(config);
  try {
    await migrate(database);
    const ctx = cliCtx(database.db, sub);
    switch (sub) {
      case 'generate': {
        const persons = Number(flag(args, 'persons') ?? 0);
        const entities = Number(flag(args, 'entities') ?? 0);
        const out = flag(args, 'out');
        if (!out || !Number.isInteger(persons) || !Number.isInteger(entities) || persons < 0 || entities < 0) {
          console.error(REGISTRIES_HELP);
          return 2;
        }
        await directoryModule.seedReference?.(ctx, undefined as never);
        const regions = await generatorRegions(ctx);
        const t0 = performance.now();
        const r = await generateFiles({ regions, persons, entities, outDir: path.resolve(out), seed: Number(flag(args, 'seed') ?? 1) });
        console.log(`已生成合成数据 (演示数据, 非真实人员) ${r.persons} 人、${r.entities} 个法人, 用时 ${((performance.now() - t0) / 1000).toFixed(1)} 秒: ${[r.personsFile, r.entitiesFile].filter(Boolean).join(', ')}`);
        return 0;
      }
      case 'import': {
        const [kind, file] = rest;
        const def = kind === 'persons' ? PERSON_IMPORT : kind === 'entities' ? ENTITY_IMPORT : null;
        if (!def || !file) {
          console.error(REGISTRIES_HELP);
          return 2;
        }
        await directoryModule.seedReference?.(ctx, undefined as never);
        const batch = flag(args, 'batch');
        const job = await createImportJob(ctx, def as ImportDefinition<unknown>, {
          filePath: path.resolve(file),
          fileName: path.basename(file),
          batchSize: batch ? Number(batch) : undefined,
          options: { sourceName: flag(args, 'source') ?? (kind === 'persons' ? '公安户籍 (命令行导入)' : '市场监管登记 (命令行导入)'), sourceUnitId: null },
        });
        console.error(`导入任务 ${job.id} (${def.label}, ${job.fileFormat}${job.fileFormat === 'csv' ? `, ${job.fileEncoding}` : ''})`);
        return await runWithBar(ctx, def as ImportDefinition<unknown>, job, false);
      }
      case 'resume': {
        const [id] = rest;
        if (!id) {
          console.error(REGISTRIES_HELP);
          return 2;
        }
        const job = await getImportJob(ctx, { id });
        const def = job.kind === PERSON_IMPORT.kind ? PERSON_IMPORT : job.kind === ENTITY_IMPORT.kind ? ENTITY_IMPORT : null;
        if (!def) {
          console.error(`任务 ${id} 不是基础信息库的导入 (${job.kind})`);
          return 1;
        }
        console.error(`继续导入任务 ${id}: 从第 ${job.nextRow} 行开始`);
        return await runWithBar(ctx, def as ImportDefinition<unknown>, job, true);
      }
      case 'quality': {
        const found = await runQualityChecks(ctx);
        for (const [rule, n] of Object.entries(found)) console.log(`${QUALITY_RULES[rule]}: 新发现 ${n} 处`);
        return 0;
      }
      default:
        console.error(`未知子命令: registries ${sub}\n\n${REGISTRIES_HELP}`);
        return 2;
    }
  } finally {
    await database.close();
  }
}
