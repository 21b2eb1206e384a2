/**
 * Demo content (演示内容): the provincial portal (4100000001, www.henan.gov.cn) and the 18 city
 * portals ({region code}0001), each with its columns and a few articles written for the demo and
 * marked is_demo (every page says 演示内容); a solicitation, a survey and an answered 找错 report on
 * the provincial portal. Runs once, on the first start with demo data, as the system.
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryOne, sql } from '../../../platform/db/index.ts';
import { findUnit, listRegions } from '../../directory/index.ts';
import type { ColumnType } from '../model.ts';
import { chinaDay } from '../model.ts';
import { createColumn, createSite } from './sites.ts';
import { approveArticle, createArticle, submitArticle } from './articles.ts';
import { createSolicitation, createSurvey, replyToMessage, writeMessage } from './interaction.ts';

const COLUMNS: { slug: string; name: string; type: ColumnType }[] = [
  { slug: 'yaowen', name: '要闻动态', type: 'news' },
  { slug: 'tzgg', name: '通知公告', type: 'notices' },
  { slug: 'zcwj', name: '政策文件', type: 'policies' },
  { slug: 'zcjd', name: '政策解读', type: 'interpretation' },
  { slug: 'bsfw', name: '办事服务', type: 'services' },
];

const HOSTS: Record<string, string> = { '410000': 'www.henan.gov.cn', '410100': 'www.zhengzhou.gov.cn' };

function articlesFor(place: string, year: number): { slug: string; title: string; summary: string; body: string; kind?: 'normative' | 'interpretation'; docNumber?: string; category?: string }[] {
  return [
    {
      slug: 'yaowen',
      title: `${place}召开优化营商环境工作推进会 (演示)`,
      summary: `${place}部署下一阶段优化营商环境重点任务。本文为演示内容。`,
      body: `本文为演示内容, 不代表真实政府信息。\n${place}近日召开优化营商环境工作推进会, 总结前一阶段工作, 部署下一阶段重点任务。\n会议要求, 持续推进政务服务“一网通办”, 压缩企业开办时间, 提升群众办事满意度。`,
    },
    {
      slug: 'yaowen',
      title: `${place}政务服务中心延长周末服务时间 (演示)`,
      summary: '周末提供不动产登记、社保医保等高频事项服务。本文为演示内容。',
      body: '本文为演示内容, 不代表真实政府信息。\n为方便上班族办事, 政务服务中心自下月起在周六上午提供不动产登记、社保医保等高频事项的“延时服务”。',
    },
    {
      slug: 'tzgg',
      title: `关于${year}年春节假期调休安排的通知 (演示)`,
      summary: '根据国务院办公厅通知, 结合本地实际, 现将春节假期安排通知如下。本文为演示内容。',
      body: '本文为演示内容, 不代表真实政府信息。\n根据国务院办公厅通知精神, 现将春节假期调休安排通知如下, 请各单位妥善安排值班和安全保卫等工作。',
    },
    {
      slug: 'zcwj',
      title: `${place}人民政府关于进一步优化营商环境的若干措施 (演示)`,
      summary: '从市场准入、政务服务、要素保障等方面提出二十条措施。本文为演示内容。',
      body: `本文为演示内容, 不代表真实政府信息。\n## 一、放宽市场准入\n全面实施市场准入负面清单制度, 清单之外的行业、领域、业务等, 各类市场主体皆可依法平等进入。\n## 二、提升政务服务\n推进政务服务事项“一网通办”, 企业开办全程网上办理, 一个工作日内办结。\n## 三、强化要素保障\n完善用地、用能、融资等要素保障机制。`,
      kind: 'normative',
      docNumber: `演政〔${year}〕1号`,
      category: '综合政务',
    },
    {
      slug: 'zcjd',
      title: `一图读懂《${place}人民政府关于进一步优化营商环境的若干措施》(演示)`,
      summary: '政策解读与政策文件同步发布。本文为演示内容。',
      body: '本文为演示内容, 不代表真实政府信息。\n《若干措施》共二十条, 围绕市场准入、政务服务、要素保障三个方面, 回应企业和群众关切。',
      kind: 'interpretation',
      category: '综合政务',
    },
  ];
}

export async function seedPortalDemo(ctx: Ctx): Promise<void> {
  if (await queryOne(ctx.db, sql`SELECT 1 FROM portal.sites WHERE code = '4100000001'`)) return;
  const year = Number(chinaDay(ctx.clock.now()).slice(0, 4));
  const provGov = await findUnit(ctx, { regionCode: '410000', unitType: 'government' });
  if (!provGov) return; // no directory demo: nothing to hang the sites on
  const prefectures = (await listRegions(ctx, { parentCode: '410000' })).filter((r) => r.code.endsWith('00') || r.code === '419001').slice(0, 18);
  const sites: { code: string; place: string; region: string; unitId: string; parent: string | null; level: 'province' | 'city' }[] = [
    { code: '4100000001', place: '河南省', region: '410000', unitId: provGov.id, parent: null, level: 'province' },
  ];
  for (const p of prefectures) {
    const gov = await findUnit(ctx, { regionCode: p.code, unitType: 'government' });
    if (gov) sites.push({ code: `${p.code}0001`, place: p.name, region: p.code, unitId: gov.id, parent: '4100000001', level: 'city' });
  }
  for (const s of sites) {
    await createSite(ctx, {
      code: s.code,
      name: s.level === 'province' ? '河南省人民政府门户网站 (演示)' : `${s.place}人民政府门户网站 (演示)`,
      host: HOSTS[s.region] ?? null,
      level: s.level,
      parentCode: s.parent,
      sponsorUnitId: s.unitId,
      organizerName: `${s.place}人民政府办公${s.level === 'province' ? '厅' : '室'}`,
      partyLabel: '演示-党政机关标识',
      icpNumber: `豫ICP备演示${s.code.slice(2, 6)}号`,
      policeNumber: `豫公网安备 演示${s.code.slice(0, 6)}号`,
      contactPhone: '0371-00000000 (演示)',
      contactEmail: 'demo@example.gov.cn',
      address: `${s.place}演示路 1 号`,
      theme: s.level === 'province' ? 'red' : 'blue',
      isDemo: true,
    });
    const cols = new Map<string, string>();
    for (const [i, c] of COLUMNS.entries()) cols.set(c.slug, (await createColumn(ctx, { siteCode: s.code, slug: c.slug, name: c.name, type: c.type, position: i, isDemo: true })).id);
    for (const a of articlesFor(s.place, year)) {
      const art = await createArticle(ctx, {
        siteCode: s.code,
        columnId: cols.get(a.slug)!,
        title: a.title,
        summary: a.summary,
        body: a.body,
        source: `${s.place}人民政府 (演示)`,
        kind: a.kind ?? 'article',
        docNumber: a.docNumber ?? null,
        category: a.category ?? null,
        shared: a.slug === 'zcwj' && s.level === 'province',
        isDemo: true,
      });
      await submitArticle(ctx, { id: art.id });
      await approveArticle(ctx, { id: art.id });
    }
  }
  const today = chinaDay(ctx.clock.now());
  const later = chinaDay(new Date(ctx.clock.now().getTime() + 30 * 86_400_000));
  await createSolicitation(ctx, {
    siteCode: '4100000001',
    title: '《河南省政务数据共享管理办法 (征求意见稿)》公开征求意见 (演示)',
    draftText: '本文为演示内容, 不代表真实政府信息。\n## 第一条\n为规范政务数据共享, 提升政务服务效能, 制定本办法。\n## 第二条\n本省行政区域内政务数据的共享及其管理活动, 适用本办法。',
    opensOn: today,
    closesOn: later,
    isDemo: true,
  });
  await createSurvey(ctx, {
    siteCode: '4100000001',
    title: '政府网站使用满意度调查 (演示)',
    questions: [
      { text: '您能在网站上找到需要的信息吗?', options: ['总能找到', '大多能找到', '很难找到'] },
      { text: '您最常用的栏目是?', options: ['要闻动态', '政策文件', '办事服务', '互动交流'] },
    ],
    opensOn: today,
    closesOn: later,
    isDemo: true,
  });
  const m = await writeMessage(ctx, {
    siteCode: '4100000001',
    channel: 'error_report',
    authorName: '王演示',
    contact: 'demo@example.com',
    title: '通知公告栏目某页面附件无法下载 (演示)',
    body: '本留言为演示内容。通知公告栏目某页面的附件点击后无法下载。',
    pageUrl: '/sites/4100000001/c/tzgg',
    publishConsent: true,
    isDemo: true,
  });
  await replyToMessage(ctx, { id: m.id, text: '感谢您的反馈, 附件链接已修复。(演示)', publish: true });
}
