/**
 * Demo data of the exchange (first start only, 演示): members for the provincial departments that
 * take part (the data authority, market regulation, public security, human resources and social
 * security, natural resources, statistics) and two city data bureaus, their subsystems, a group,
 * and the catalog: the four base registries published as API resources whose provider address is
 * this platform's own registries / geography / macro-economy API, the enterprise registration
 * topic of market regulation's registration system, and three department resources (one
 * 有条件共享, one 不予共享). Two applications show the flow: one granted at once (无条件共享),
 * one waiting for the provider's answer, one refused with its reason. Member codes are demo codes
 * (HA + region + abbreviation), not real credit codes.
 */
import type { Ctx } from '../../../platform/context.ts';
import { systemActor } from '../../../platform/context.ts';
import { chinaIso } from '../../../platform/ui/time.ts';
import { queryOne, sql } from '../../../platform/db/index.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { findUnit } from '../../directory/index.ts';
import { RESOURCE_CODES } from '../model.ts';
import { openapiFor } from '../schemas-catalog.ts';
import { decideApplication, submitApplication } from './applications.ts';
import { publishResource, type DataItem, type EndpointInput, type ResourceInput } from './catalog.ts';
import { addToGroup, createGroup, createMember, createSubsystem, type SubsystemView } from './members.ts';

interface MemberSpec {
  key: string;
  unitName: string;
  regionCode: string;
  code: string;
  subsystems: { code: string; name: string; description: string }[];
}

const MEMBERS: MemberSpec[] = [
  { key: 'dsj', unitName: '河南省大数据管理局', regionCode: '410000', code: 'HA410000DSJ', subsystems: [{ code: 'platform', name: '省政务数据共享交换平台', description: '数据主管部门的共享交换平台 (演示)' }] },
  {
    key: 'scjg', unitName: '河南省市场监督管理局', regionCode: '410000', code: 'HA410000SCJG',
    subsystems: [
      { code: 'registration', name: '企业登记注册系统', description: '市场主体设立、变更、注销登记 (演示)' },
      { code: 'entity-registry', name: '法人单位基础信息库', description: '法人单位基础信息查询服务 (演示)' },
    ],
  },
  { key: 'gat', unitName: '河南省公安厅', regionCode: '410000', code: 'HA410000GAT', subsystems: [{ code: 'population', name: '人口基础信息库', description: '户籍人口基础信息查询服务 (演示)' }] },
  { key: 'rst', unitName: '河南省人力资源和社会保障厅', regionCode: '410000', code: 'HA410000RST', subsystems: [{ code: 'shebao', name: '社会保险信息系统', description: '社会保险经办业务系统 (演示)' }] },
  { key: 'zrzy', unitName: '河南省自然资源厅', regionCode: '410000', code: 'HA410000ZRZY', subsystems: [{ code: 'geo', name: '自然资源和空间地理基础信息库', description: '图层、要素和空间查询服务 (演示)' }] },
  { key: 'tjj', unitName: '河南省统计局', regionCode: '410000', code: 'HA410000TJJ', subsystems: [{ code: 'macro', name: '宏观经济数据库', description: '指标目录和指标数据查询服务 (演示)' }] },
  { key: 'zzdsj', unitName: '郑州市大数据管理局', regionCode: '410100', code: 'HA410100DSJ', subsystems: [{ code: 'city-platform', name: '郑州市政务数据共享平台', description: '市级共享平台 (演示)' }] },
  { key: 'lydsj', unitName: '洛阳市大数据管理局', regionCode: '410300', code: 'HA410300DSJ', subsystems: [{ code: 'city-platform', name: '洛阳市政务数据共享平台', description: '市级共享平台 (演示)' }] },
];

const C = (name: string, description?: string): DataItem => ({ name, type: '字符型 C', ...(description ? { description } : {}) });
const D = (name: string): DataItem => ({ name, type: '日期型 D' });
const N = (name: string, description?: string): DataItem => ({ name, type: '数值型 N', ...(description ? { description } : {}) });

const get = (pathTemplate: string, operationId: string, summary: string, subjectParam?: string): EndpointInput => ({ method: 'GET', pathTemplate, operationId, summary, subjectParam: subjectParam ?? null });
const post = (pathTemplate: string, operationId: string, summary: string): EndpointInput => ({ method: 'POST', pathTemplate, operationId, summary });

function apiResource(r: Omit<ResourceInput, 'openapi' | 'kind'> & { endpoints: EndpointInput[] }): ResourceInput {
  return { ...r, kind: 'api', openapi: openapiFor(r.name, `${r.abstract ?? ''} (演示)`, r.endpoints), isDemo: true };
}

export async function seedExchangeDemo(ctx: Ctx, services: PlatformServices): Promise<void> {
  if (await queryOne(ctx.db, sql`SELECT 1 FROM exchange.members LIMIT 1`)) return;
  // The provider address of the base registries: this platform's own JSON API (EGOV_INTERNAL_BASE_URL).
  const base = services.config.internalBaseUrl;
  const subsystems = new Map<string, SubsystemView>();
  for (const m of MEMBERS) {
    const unit = await findUnit(ctx, { regionCode: m.regionCode, unitType: 'department', name: m.unitName });
    if (!unit) continue;
    const member = await createMember(ctx, { memberClass: 'GOV', memberCode: m.code, name: m.unitName, unitId: unit.id, isDemo: true });
    for (const s of m.subsystems) subsystems.set(`${m.key}/${s.code}`, await createSubsystem(ctx, { memberId: member.id, code: s.code, name: s.name, description: s.description }));
  }
  const sub = (key: string) => subsystems.get(key);
  const city = [sub('zzdsj/city-platform'), sub('lydsj/city-platform')].filter((s): s is SubsystemView => Boolean(s));
  if (city.length) {
    const group = await createGroup(ctx, { code: 'city-data-bureaus', name: '各市大数据管理局共享平台', description: '省辖市数据主管部门的共享平台 (演示)' });
    for (const s of city) await addToGroup(ctx, { groupId: group.id, subsystemId: s.id });
  }
  const today = chinaIso(ctx.clock.now()).slice(0, 10);
  const publish = async (providerKey: string, input: Omit<ResourceInput, 'providerSubsystemId'>) => {
    const provider = sub(providerKey);
    return provider ? publishResource(ctx, { ...input, providerSubsystemId: provider.id, publishedOn: today, isDemo: true }) : null;
  };

  const population = await publish('gat/population', apiResource({
    code: RESOURCE_CODES.population, catalogType: 'base', classification: '基础信息资源/人口', name: '人口基础信息', providerSubsystemId: '',
    abstract: '按公民身份号码查询户籍人口的基础信息和变动历史, 批量查询最多 1000 个号码', format: 'JSON 接口',
    items: [C('公民身份号码', 'GB 11643'), C('姓名'), C('性别', 'GB/T 2261.1'), D('出生日期'), C('民族', 'GB/T 3304'), C('户籍地址'), C('户籍地行政区划代码', 'GB/T 2260'), C('户号'), C('与户主关系')],
    serviceCode: 'population', shareType: 'conditional', shareCondition: '限于履行法定职责所必需, 按公民身份号码逐条或批量查询, 每次调用须说明用途',
    shareMethod: '接口调用', legalBasis: '《中华人民共和国个人信息保护法》(国家机关处理个人信息不得超出履行法定职责所必需的范围和限度)', openType: 'closed', updateCycle: '实时',
    relatedCodes: [RESOURCE_CODES.legalEntity], baseUrl: `${base}/api/registries`, ratePerMinute: 600, dailyQuota: 100_000,
    endpoints: [
      get('/persons/{idNumber}', 'getPerson', '按公民身份号码查询人口信息', 'idNumber'),
      get('/persons/{idNumber}/history', 'personHistory', '人口变动历史', 'idNumber'),
      post('/persons/batch', 'batchPersons', '批量查询人口信息 (最多 1000 个号码)'),
    ],
  }));
  const legalEntity = await publish('scjg/entity-registry', apiResource({
    code: RESOURCE_CODES.legalEntity, catalogType: 'base', classification: '基础信息资源/法人单位', name: '法人单位基础信息', providerSubsystemId: '',
    abstract: '按统一社会信用代码查询法人单位的登记信息、年报和经营异常, 按名称检索, 批量查询', format: 'JSON 接口',
    items: [C('统一社会信用代码', 'GB 32100'), C('名称'), C('市场主体类型'), C('法定代表人'), N('注册资本', '万元'), D('成立日期'), C('住所'), C('登记机关'), C('登记状态'), C('行业代码', 'GB/T 4754-2017')],
    serviceCode: 'legal-entity', shareType: 'unconditional', shareMethod: '接口调用', openType: 'conditional', updateCycle: '实时',
    relatedCodes: [RESOURCE_CODES.enterpriseRegistrationTopic], baseUrl: `${base}/api/registries`, ratePerMinute: 600,
    endpoints: [
      get('/entities/{uscc}', 'getEntity', '按统一社会信用代码查询法人单位', 'uscc'),
      get('/entities/{uscc}/details', 'entityDetails', '法人单位详情 (变更记录、年报、经营异常)', 'uscc'),
      get('/entities', 'searchEntities', '按名称 (和行政区划) 检索法人单位'),
      post('/entities/batch', 'batchEntities', '批量查询法人单位 (最多 1000 个代码)'),
    ],
  }));
  await publish('zrzy/geo', apiResource({
    code: RESOURCE_CODES.geography, catalogType: 'base', classification: '基础信息资源/自然资源和空间地理', name: '自然资源和空间地理基础信息', providerSubsystemId: '',
    abstract: '图层目录、要素、GeoJSON 导出, 点位所在行政区、外包矩形和最近要素查询', format: 'JSON / GeoJSON 接口',
    items: [C('图层代码'), C('要素标识'), C('要素名称'), C('几何 (GeoJSON)', 'WGS 84 / CGCS2000'), C('行政区划代码', 'GB/T 2260'), N('外包矩形')],
    serviceCode: 'geography', shareType: 'unconditional', shareMethod: '接口调用', openType: 'conditional', updateCycle: '每月',
    baseUrl: `${base}/api/geography`,
    endpoints: [
      get('/layers', 'listLayers', '图层目录'),
      get('/layers/{code}', 'getLayer', '图层详情'),
      get('/layers/{code}/features', 'listFeatures', '图层要素列表 (不含几何)'),
      get('/layers/{code}/geojson', 'layerGeojson', '导出图层为 GeoJSON'),
      get('/region-at', 'regionAt', '点位所在的行政区'),
      get('/query/bbox', 'queryBbox', '与外包矩形相交的要素'),
      get('/query/nearest', 'queryNearest', '最近的要素'),
    ],
  }));
  await publish('tjj/macro', apiResource({
    code: RESOURCE_CODES.macroEconomy, catalogType: 'base', classification: '基础信息资源/宏观经济', name: '宏观经济指标数据', providerSubsystemId: '',
    abstract: '指标目录, 指标的时间序列、地区对比和修订记录', format: 'JSON 接口',
    items: [C('指标代码'), C('指标名称'), C('计量单位'), C('频度'), C('行政区划代码', 'GB/T 2260'), C('时期'), N('数值'), C('附注')],
    serviceCode: 'macro-economy', shareType: 'unconditional', shareMethod: '接口调用', openType: 'open', updateCycle: '每月',
    baseUrl: `${base}/api/macro`,
    endpoints: [
      get('/indicators', 'listIndicators', '指标目录'),
      get('/indicators/{code}', 'getIndicator', '指标详情'),
      get('/values', 'listValues', '指标数据 (时间序列)'),
      get('/values/history', 'valueHistory', '一个数据的修订记录'),
      get('/compare', 'compareRegions', '地区对比'),
    ],
  }));
  await publish('scjg/registration', {
    code: RESOURCE_CODES.enterpriseRegistrationTopic, catalogType: 'base', classification: '基础信息资源/法人单位/登记信息', name: '企业登记信息 (设立、变更、注销)',
    abstract: '市场主体设立、变更、注销登记后实时推送, 供税务等部门接收办理后续业务', format: 'JSON 事件 (Webhook 推送)', kind: 'topic',
    items: [C('事件类型', '设立 / 变更 / 注销'), C('统一社会信用代码', 'GB 32100'), C('名称'), C('市场主体类型'), C('法定代表人'), N('注册资本', '万元'), D('成立日期'), C('住所'), C('登记机关'), { name: '事件时间', type: '日期时间型 T' }],
    serviceCode: 'enterprise-registration', shareType: 'unconditional', shareMethod: '事件订阅 (Webhook 推送, 至少一次, 按企业保序)', openType: 'closed', updateCycle: '实时',
    relatedCodes: [RESOURCE_CODES.legalEntity],
  });
  await publish('rst/shebao', {
    code: '301/001/0001', catalogType: 'department', classification: '部门信息资源/人力资源和社会保障/社会保险', name: '社会保险参保缴费信息',
    abstract: '参保人员的险种、参保状态、缴费基数和缴费月数 (按月批量提供)', format: 'CSV 数据集', kind: 'dataset',
    items: [C('公民身份号码', 'GB 11643'), C('姓名'), C('险种'), C('参保状态'), N('缴费基数', '元'), N('累计缴费月数'), C('参保地行政区划代码', 'GB/T 2260')],
    serviceCode: 'insured-persons', shareType: 'conditional', shareCondition: '限于社会救助、待遇资格认证等法定职责所需, 按月提供所需地区的数据',
    shareMethod: '数据集下载', legalBasis: '《中华人民共和国社会保险法》、《中华人民共和国个人信息保护法》(涉及个人参保信息, 限于履行法定职责)', openType: 'closed', updateCycle: '每月',
    relatedCodes: [RESOURCE_CODES.population],
  });
  await publish('gat/population', {
    code: '302/001/0001', catalogType: 'department', classification: '部门信息资源/公安/刑侦', name: '刑事案件侦查信息',
    abstract: '刑事案件立案、侦查过程信息', format: '内部业务数据', kind: 'dataset',
    items: [C('案件编号'), C('案件类别'), D('立案日期'), C('办案单位')],
    serviceCode: 'criminal-investigation', shareType: 'none', shareMethod: '不提供',
    legalBasis: '《中华人民共和国刑事诉讼法》、《中华人民共和国人民警察法》: 侦查信息属于侦查工作秘密, 不宜共享', openType: 'closed', updateCycle: '实时',
  });
  await publish('tjj/macro', {
    code: '303/001/0001', catalogType: 'department', classification: '部门信息资源/统计/国民经济核算', name: '分市地区生产总值年度数据',
    abstract: '各省辖市地区生产总值年度数据 (按年批量提供)', format: 'CSV 数据集', kind: 'dataset',
    items: [C('行政区划代码', 'GB/T 2260'), C('地区名称'), C('年度'), N('地区生产总值', '亿元')],
    serviceCode: 'city-gdp', shareType: 'unconditional', shareMethod: '数据集下载', openType: 'open', updateCycle: '每年',
    relatedCodes: [RESOURCE_CODES.macroEconomy],
  });

  // Applications: one granted at once, one waiting for the provider, one refused with its reason.
  const as = (name: string): Ctx => ({ ...ctx, actor: { ...systemActor, name } });
  const shebao = sub('rst/shebao');
  if (shebao && legalEntity) {
    await submitApplication(as('省人社厅资源使用员 (演示)'), { resourceId: legalEntity.id, clientSubsystemId: shebao.id, purpose: '核验参保单位的登记状态 (演示)' });
  }
  if (shebao && population) {
    await submitApplication(as('省人社厅资源使用员 (演示)'), {
      resourceId: population.id, clientSubsystemId: shebao.id, endpointIds: population.endpoints.filter((e) => e.operationId === 'getPerson').map((e) => e.id),
      purpose: '社会保险待遇领取资格认证, 核验参保人员户籍和生存状态 (演示)', legalBasis: '《中华人民共和国社会保险法》: 社会保险经办机构核定待遇领取资格',
    });
  }
  const zz = sub('zzdsj/city-platform');
  if (zz && population) {
    const refused = await submitApplication(as('郑州市大数据管理局平台管理员 (演示)'), {
      resourceId: population.id, clientSubsystemId: zz.id, purpose: '建设市级人口主题库, 全量汇聚户籍人口信息 (演示)', legalBasis: '市级数据共享平台建设方案',
    });
    await decideApplication(as('省公安厅资源管理员 (演示)'), { id: refused.id, decision: 'refuse', reason: '全量汇聚超出履行法定职责所必需的范围; 请按具体业务逐条核验申请 (演示)' });
  }
}
