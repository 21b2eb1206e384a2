/**
 * `egov hj212 simulate` and `egov hj212 replay FILE` (wired into src/cli.ts).
 */
import { loadConfig } from '../../../platform/config/index.ts';
import { openConfiguredDatabase } from '../../../platform/boot.ts';
import { silentLogger, systemActor } from '../../../platform/context.ts';
import { systemClock } from '../../../platform/clock.ts';
import { listLoggerCredentials } from '../services/uploads.ts';
import { startSimulation } from './simulate.ts';
import { replayCapture } from './replay.ts';

export const HJ212_HELP = `用法: egov hj212 simulate [选项]
      egov hj212 replay <文件> [选项]

simulate  模拟演示监测点的数采仪: 每台一条 TCP 连接, 按间隔上传实时数据 (2011), 并上传分钟 (2051)、
          小时 (2061) 数据; 偶尔超标、离线、发送损坏的数据包。监测点 (MN、PW、污染物、限值) 读自数据库
          中的演示数据 (DATABASE_URL, 或 DATA_DIR 下的 PGlite —— PGlite 不能与运行中的平台同时打开;
          npm start 本身已运行模拟数采仪, 见 HJ212_DEMO_SIMULATOR)。
  --count N          只模拟前 N 个演示监测点 (默认全部)
  --interval 秒      实时数据间隔, 覆盖监测点登记的间隔
  --duration 秒      运行时长 (默认一直运行, Ctrl-C 结束)
  --exceed-rate P    每次上传开始一段超标的概率 (默认 0.002)
  --outage-rate P    每次上传开始一段离线的概率 (默认 0.001)
  --damage-rate P    数据包在线路上损坏的概率 (默认 0.002)

replay    将抓包文件 (每行一个数据包, 以回车换行结束) 原样经 TCP 重放, 每个 MN 一条连接, 统计平台应答。
  --rate N           每秒发送的数据包数 (默认 0: 尽快发送)
  --max-connections N  同时连接数上限 (默认 1000)

共同选项:
  --host 主机        HJ 212 接收端地址 (默认 127.0.0.1)
  --port 端口        HJ 212 接收端端口 (默认 HJ212_PORT 或 9212)`;

class Hj212UsageError extends Error {}

function parse(argv: string[], valueFlags: string[]): { positional: string[]; flags: Map<string, string> } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const name = a.slice(2);
    if (name === 'help') {
      flags.set('help', '');
      continue;
    }
    if (!valueFlags.includes(name)) throw new Hj212UsageError(`未知选项: ${a}`);
    const v = argv[i + 1];
    if (v === undefined) throw new Hj212UsageError(`选项 ${a} 缺少取值`);
    flags.set(name, v);
    i += 1;
  }
  return { positional, flags };
}

function num(flags: Map<string, string>, name: string, fallback: number, opts: { integer?: boolean; min?: number; max?: number } = {}): number {
  const v = flags.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
    throw new Hj212UsageError(`选项 --${name} 的取值无效: ${v}`);
  }
  return n;
}

export interface CliIo {
  out(s: string): void;
  err(s: string): void;
}

/** Runs `egov hj212 …`; resolves to the exit code (0 ok, 1 failed, 2 usage). */
export async function runHj212Command(argv: string[], io: CliIo = { out: (s) => console.log(s), err: (s) => console.error(s) }): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv, ['count', 'interval', 'duration', 'exceed-rate', 'outage-rate', 'damage-rate', 'rate', 'max-connections', 'host', 'port']);
    if (parsed.flags.has('help') || parsed.positional.length === 0) {
      io.out(HJ212_HELP);
      return parsed.flags.has('help') ? 0 : 2;
    }
    const [sub, ...rest] = parsed.positional;
    const config = loadConfig();
    const host = parsed.flags.get('host') ?? '127.0.0.1';
    const port = num(parsed.flags, 'port', config.hj212Port, { integer: true, min: 1, max: 65535 });
    if (sub === 'replay') {
      if (rest.length !== 1) throw new Hj212UsageError('replay 需要一个文件参数');
      const result = await replayCapture({
        file: rest[0], host, port,
        rate: num(parsed.flags, 'rate', 0, { min: 0 }),
        maxConnections: num(parsed.flags, 'max-connections', 1000, { integer: true, min: 1 }),
        onProgress: (sent, total) => io.err(`已发送 ${sent}/${total}`),
      });
      io.out(`重放完成: ${result.sent}/${result.lines} 个数据包, ${result.connections} 条连接, 用时 ${(result.durationMs / 1000).toFixed(1)} 秒`);
      for (const [k, v] of Object.entries(result.answers).sort()) io.out(`  应答 ${k}: ${v}`);
      return 0;
    }
    if (sub === 'simulate') {
      if (rest.length !== 0) throw new Hj212UsageError('simulate 不接受位置参数');
      const count = num(parsed.flags, 'count', 0, { integer: true, min: 1 });
      const interval = num(parsed.flags, 'interval', 0, { min: 1 });
      const duration = num(parsed.flags, 'duration', 0, { min: 1 });
      const database = await openConfiguredDatabase(config);
      let loggers;
      try {
        loggers = await listLoggerCredentials({ actor: systemActor, db: database.db, clock: systemClock, requestId: 'cli:hj212:simulate', log: silentLogger }, { demoOnly: true });
      } finally {
        await database.close();
      }
      if (count > 0) loggers = loggers.slice(0, count);
      if (loggers.length === 0) {
        io.err('数据库中没有演示监测点; 请先执行 egov seed --demo');
        return 1;
      }
      const sim = startSimulation({
        host, port, loggers,
        intervalSeconds: interval > 0 ? interval : undefined,
        exceedanceRate: num(parsed.flags, 'exceed-rate', 0.002, { min: 0, max: 1 }),
        outageRate: num(parsed.flags, 'outage-rate', 0.001, { min: 0, max: 1 }),
        damageRate: num(parsed.flags, 'damage-rate', 0.002, { min: 0, max: 1 }),
        onEvent: (e) => {
          if (e.kind === 'exceedance') io.err(`${e.mn} 开始超标: ${e.detail}`);
          if (e.kind === 'outage') io.err(`${e.mn} 离线`);
          if (e.kind === 'refused') io.err(`${e.mn} 被拒收: ${e.detail}`);
        },
      });
      io.out(`模拟 ${loggers.length} 台数采仪 → ${host}:${port}`);
      const report = () => {
        const s = sim.stats();
        io.out(`在线 ${s.connected}/${s.loggers}, 已发送 ${s.sent}, 已确认 ${s.acked}, 拒收 ${s.refused}, 重发 ${s.resent}, 损坏 ${s.damaged}, 超标 ${s.exceedances}, 离线 ${s.outages}`);
      };
      const ticker = setInterval(report, 10_000);
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
        if (duration > 0) setTimeout(done, duration * 1000);
      });
      clearInterval(ticker);
      await sim.stop();
      report();
      return 0;
    }
    throw new Hj212UsageError(`未知子命令: hj212 ${sub}`);
  } catch (err) {
    if (err instanceof Hj212UsageError) {
      io.err(`egov: ${err.message}\n\n${HJ212_HELP}`);
      return 2;
    }
    throw err;
  }
}
