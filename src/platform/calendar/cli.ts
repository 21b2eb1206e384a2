/**
 * `egov calendar add DATE N`: prints the date N working days after DATE (DATE itself not counted).
 *
 * Data: the statutory holidays of the chinese-days package plus, when the configured database
 * exists and has been migrated, the overrides and declared years of the region (--region, default
 * 410000). Without a database (no DATABASE_URL and no DATA_DIR/pgdata) or with --offline, the
 * package data alone is used, and a note saying so goes to standard error. The command never creates
 * or migrates a database.
 *
 * Exit codes: 0 the date was printed; 1 the range runs into a year whose holidays are not known
 * (the Chinese message on standard error), or the database failed; 2 bad usage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, ConfigError } from '../config/index.ts';
import { openDatabase, queryOne, sql, type Database } from '../db/index.ts';
import { systemActor, silentLogger, type Ctx } from '../context.ts';
import { systemClock } from '../clock.ts';
import { isAppError } from '../errors.ts';
import { buildCalendar, type LoadedCalendar } from './calendar.ts';
import { parseDay } from './days.ts';
import { DEFAULT_REGION, loadCalendar } from './service.ts';

export const CALENDAR_HELP = `用法: egov calendar add <日期> <工作日数> [--region=<区划代码>] [--offline]

输出 <日期> 之后第 <工作日数> 个工作日的日期 (YYYY-MM-DD); <日期> 当天不计入, 负数表示之前。
按法定节假日和调休 (chinese-days 数据包) 计算; 配置的数据库存在时同时计入该区划的日历调整和
管理员声明的年份。
  --region=<代码>  行政区划代码 (GB/T 2260), 默认 ${DEFAULT_REGION}
  --offline        不读数据库, 只用数据包
退出码: 0 成功; 1 计算范围跨入节假日安排尚未收录的年份, 或数据库出错; 2 用法错误。`;

export interface CalendarIo {
  out(s: string): void;
  err(s: string): void;
}

export interface CalendarCommandDeps {
  /** An open database to read overrides from (tests); otherwise opened from the configuration. */
  database?: Database;
  /** Environment for loadConfig (default process.env). */
  env?: NodeJS.ProcessEnv;
}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

class Usage extends Error {}

interface Parsed {
  positional: string[];
  region: string;
  offline: boolean;
  help: boolean;
}

function parse(args: string[]): Parsed {
  const positional: string[] = [];
  let region = DEFAULT_REGION;
  let offline = false;
  let help = false;
  for (let i = 0; i < args.length; i += 1) {
    const a = args[i];
    if (a === '--help' || a === '-h') help = true;
    else if (a === '--offline') offline = true;
    else if (a === '--region') {
      const v = args[i + 1];
      if (v === undefined) throw new Usage('--region 缺少取值');
      region = v;
      i += 1;
    } else if (a.startsWith('--region=')) region = a.slice('--region='.length);
    else if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    } else if (a.startsWith('--') || (a.startsWith('-') && !/^-\d+$/.test(a))) throw new Usage(`未知选项 ${a}`);
    else positional.push(a);
  }
  if (!/^[1-9]\d{5}$/.test(region)) throw new Usage(`行政区划代码「${region}」无效, 应为 6 位数字, 如 410000`);
  return { positional, region, offline, help };
}

/** The database named by the configuration, if it exists and has the calendar tables; null otherwise (with the reason). */
async function openExisting(env: NodeJS.ProcessEnv): Promise<{ database: Database | null; note: string | null }> {
  const config = loadConfig(env);
  let database: Database;
  if (config.databaseUrl) database = await openDatabase({ url: config.databaseUrl, poolSize: 1 });
  else {
    const dir = path.join(config.dataDir, 'pgdata');
    if (!fs.existsSync(dir)) return { database: null, note: `未找到数据库 (${dir}), 仅按数据包计算, 未计入地方调整` };
    database = await openDatabase({ pgliteDir: dir });
  }
  const table = await queryOne<{ t: string | null }>(database.db, sql`SELECT to_regclass('calendar.day_overrides')::text AS t`);
  if (!table?.t) {
    await database.close();
    return { database: null, note: '数据库尚未执行工作日历的迁移 (egov migrate), 仅按数据包计算, 未计入地方调整' };
  }
  return { database, note: null };
}

export async function runCalendarCommand(args: string[], io: CalendarIo, deps: CalendarCommandDeps = {}): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(args);
    if (parsed.help) {
      io.out(CALENDAR_HELP);
      return EXIT_OK;
    }
    const [sub, ...rest] = parsed.positional;
    if (sub !== 'add') throw new Usage(sub ? `未知子命令: calendar ${sub}` : '缺少子命令 (add)');
    if (rest.length < 2) throw new Usage('缺少参数: 需要 <日期> <工作日数>');
    if (rest.length > 2) throw new Usage(`多余的参数: ${rest.slice(2).join(' ')}`);
    if (parseDay(rest[0]) === null) throw new Usage(`日期「${rest[0]}」无效, 应为 YYYY-MM-DD 格式的实际日期`);
    if (!/^[+-]?\d{1,5}$/.test(rest[1]) || Math.abs(Number(rest[1])) > 10_000) throw new Usage(`工作日数「${rest[1]}」无效, 应为 -10000 到 10000 之间的整数`);
  } catch (err) {
    if (err instanceof Usage) {
      io.err(`egov calendar: ${err.message}\n\n${CALENDAR_HELP}`);
      return EXIT_USAGE;
    }
    throw err;
  }
  const [, date, count] = parsed.positional;
  const n = Number(count);

  let cal: LoadedCalendar;
  let opened: Database | null = null;
  try {
    let database: Database | null = deps.database ?? null;
    if (!database && !parsed.offline) {
      const found = await openExisting(deps.env ?? process.env);
      if (found.note) io.err(`注意: ${found.note}`);
      database = opened = found.database;
    }
    if (database) {
      const ctx: Ctx = { actor: systemActor, db: database.db, clock: systemClock, requestId: `cli:calendar:${Date.now()}`, log: silentLogger };
      cal = await loadCalendar(ctx, { regionCode: parsed.region });
    } else {
      cal = buildCalendar({ regionCode: parsed.region });
    }
  } catch (err) {
    if (opened) await opened.close().catch(() => undefined);
    if (err instanceof ConfigError) {
      io.err(err.message);
      return EXIT_USAGE;
    }
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    io.err(`egov calendar: 读取工作日历失败: ${cause instanceof Error ? cause.message || cause.name : String(cause)}`);
    return EXIT_FAILED;
  }
  if (opened) await opened.close();

  try {
    io.out(cal.addWorkingDaysToDate(date, n));
    return EXIT_OK;
  } catch (err) {
    if (isAppError(err)) {
      io.err(err.message);
      return EXIT_FAILED;
    }
    throw err;
  }
}
