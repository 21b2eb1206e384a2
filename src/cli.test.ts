/**
 * The `egov` command, run as a child process the way operators run it. `audit verify` works on a
 * fresh PGlite directory, or on a fresh database when EGOV_TEST_DATABASE_URL names a server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, sql, type Database } from './platform/db/index.ts';
import { inTransaction } from './platform/transaction.ts';
import { audit, verifyAuditChain } from './platform/audit/chain.ts';
import { searchAudit } from './platform/audit/search.ts';
import { silentLogger, systemActor } from './platform/context.ts';
import { systemClock } from './platform/clock.ts';
import { scratchPostgresDatabase } from '../test/support/platform.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function egov(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('check id: valid numbers exit 0 with their facts, invalid ones exit 1 with the reason', async () => {
  const ok = await egov(['check', 'id', '11010519491231002X']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^有效\n/);
  assert.match(ok.stdout, /地址码: 110105 北京市朝阳区/);
  assert.match(ok.stdout, /出生日期: 1949-12-31/);
  assert.match(ok.stdout, /性别: 女/);

  const henan = await egov(['check', 'id', '410102199001011234']);
  assert.equal(henan.code, 0);
  assert.match(henan.stdout, /河南省郑州市中原区/);
  assert.match(henan.stdout, /性别: 男/);

  const bad = await egov(['check', 'id', '110105194912310021']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout.trim(), '无效: 校验码错误: 按 GB 11643 计算应为 X, 实际为 1');

  const date = await egov(['check', 'id', '110105194902300021']);
  assert.equal(date.code, 1);
  assert.match(date.stdout, /^无效: 出生日期码 19490230 不是有效日期/);
});

test('check uscc: valid codes exit 0 with their parts, invalid ones exit 1 with the reason', async () => {
  const ok = await egov(['check', 'uscc', '91110000600037341L']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^有效\n/);
  assert.match(ok.stdout, /登记管理部门: 9 工商/);
  assert.match(ok.stdout, /机构类别: 1 企业/);
  assert.match(ok.stdout, /主体标识码 \(组织机构代码\): 60003734-1/);

  const bad = await egov(['check', 'uscc', '91440300MA5DA8QK3X']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout.trim(), '无效: 校验码错误: 按 GB 32100 计算应为 E, 实际为 X');
  const letters = await egov(['check', 'uscc', '91110000600037341O']);
  assert.equal(letters.code, 1);
  assert.match(letters.stdout, /不在 GB 32100 字符集中/);
});

test('usage errors exit 2 with help; --help exits 0', async () => {
  for (const args of [[], ['frobnicate'], ['check'], ['check', 'id'], ['check', 'id', '1', '2'], ['check', 'passport', 'x'], ['audit'], ['seed', '--force']]) {
    const r = await egov(args);
    assert.equal(r.code, 2, `egov ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /用法: egov/);
  }
  const help = await egov(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /audit verify/);
  const sub = await egov(['audit', '--help']);
  assert.equal(sub.code, 0);
  assert.match(sub.stdout, /用法: egov audit verify/);
});

async function scratch(): Promise<{ env: Record<string, string>; open: () => Promise<Database>; drop: () => Promise<void> }> {
  const server = process.env.EGOV_TEST_DATABASE_URL;
  if (server) {
    const db = await scratchPostgresDatabase(server);
    return { env: { DATABASE_URL: db.url }, open: () => openDatabase({ url: db.url, poolSize: 2 }), drop: db.drop };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-cli-'));
  return {
    env: { DATABASE_URL: '', DATA_DIR: dir },
    open: () => openDatabase({ pgliteDir: path.join(dir, 'pgdata') }),
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** PGlite allows one process per directory: the test closes its handle before each CLI run. */
async function withDb(open: () => Promise<Database>, fn: (database: Database) => Promise<void>): Promise<void> {
  const database = await open();
  try {
    await fn(database);
  } finally {
    await database.close();
  }
}

test('audit verify: exit 0 on an intact chain, exit 1 naming the tampered record', async () => {
  const s = await scratch();
  try {
    const empty = await egov(['audit', 'verify'], s.env);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /请先运行 egov migrate/);

    const migrated = await egov(['migrate'], s.env);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /已执行迁移: 0001_platform\.sql/);
    assert.equal((await egov(['migrate'], s.env)).stdout.includes('数据库已是最新'), true);

    await withDb(s.open, async (database) => {
      const ctx = { actor: systemActor, db: database.db, clock: systemClock, requestId: 'cli-test', log: silentLogger };
      for (let i = 1; i <= 5; i += 1) {
        await inTransaction(ctx, async (tctx) => {
          audit(tctx, { action: 'test.thing.update', targetType: 'test.thing', targetId: `t${i}`, details: { i } });
        });
      }
    });
    const ok = await egov(['audit', 'verify'], s.env);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^审计链完整: 5 条记录, 用时 \d+ ms \(\d+ 条\/秒\)\n$/);

    await withDb(s.open, async (database) => {
      await database.db.execute(sql`UPDATE platform.audit_log SET details = '{"i":30}' WHERE seq = 3`);
    });
    const broken = await egov(['audit', 'verify'], s.env);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /^审计链断裂: 第 3 条记录内容与其哈希不符: 记录被篡改\n/);
    assert.match(broken.stdout, /此前 2 条记录完整/);
  } finally {
    await s.drop();
  }
});

test('seed --demo, then user create: a staff account with a role at a unit named in full, audited', async () => {
  const s = await scratch();
  try {
    const seeded = await egov(['seed', '--demo'], s.env);
    assert.equal(seeded.code, 0, seeded.stdout + seeded.stderr);
    assert.match(seeded.stdout, /演示数据已导入/);
    const again = await egov(['seed', '--demo'], s.env);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /演示数据此前已导入, 本次跳过/);

    const args = ['user', 'create', '--login', 'kfadmin', '--name', '开封市管理员', '--password', 'Kaifeng@2026x', '--role', 'unit_admin'];
    const created = await egov([...args, '--unit', '开封市人民政府'], s.env);
    assert.equal(created.code, 0, created.stdout + created.stderr);
    assert.match(created.stdout, /已创建工作人员账号 kfadmin \(开封市管理员\), 在 开封市人民政府 担任 单位管理员 \(unit_admin\)/);

    const duplicate = await egov([...args, '--unit', '开封市人民政府'], s.env);
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /未创建账号/);
    const noUnit = await egov([...args.map((a) => (a === 'kfadmin' ? 'kf2' : a)), '--unit', '开封市'], s.env);
    assert.equal(noUnit.code, 1);
    assert.match(noUnit.stderr, /没有名为 "开封市" 的单位。相近的单位/);
    const noRole = await egov(['user', 'create', '--login', 'kf3', '--name', '某', '--password', 'Kaifeng@2026x', '--role', 'nosuch', '--unit', '开封市人民政府'], s.env);
    assert.equal(noRole.code, 1);
    assert.match(noRole.stderr, /角色不存在: nosuch/);

    await withDb(s.open, async (database) => {
      const ctx = { actor: systemActor, db: database.db, clock: systemClock, requestId: 'cli-test', log: silentLogger };
      const log = await searchAudit(ctx, { actor: '命令行' });
      assert.deepEqual(log.items.map((r) => r.action).sort(), ['identity.assignment.create', 'identity.user.create']);
      assert.match(log.items[0].actorName, /^命令行 \(操作系统用户 .+\)$/);
      assert.equal((await verifyAuditChain(database.db)).ok, true);
    });
  } finally {
    await s.drop();
  }
});
