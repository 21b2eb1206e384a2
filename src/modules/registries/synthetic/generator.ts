/**
 * Synthetic data generator (合成数据) for demos, tests and benchmarks — never real people. Valid
 * GB 11643 ID numbers (unique: one sequence counter per county, birth date and sex) and GB 32100
 * codes (with the GB 11714 organisation-code check inside), households of 1-6 members living in one
 * county, prefectures weighted by the 7th census population of Henan, Han/Hui/other ethnicity shares
 * close to Henan's, age-dependent education and marital status. Every row carries 演示数据 = 是.
 * Deterministic for a given seed.
 */
import { residentIdCheckChar, usccCheckChar } from '../../../platform/identifiers/index.ts';

/** Resident population of Henan's prefecture-level units, 7th census (2020), in 10 000 (rounded). */
export const PREFECTURE_WEIGHTS: Record<string, number> = {
  '4101': 1260, '4102': 478, '4103': 706, '4104': 499, '4105': 548, '4106': 157, '4107': 625, '4108': 352, '4109': 377,
  '4110': 438, '4111': 237, '4112': 203, '4113': 971, '4114': 782, '4115': 623, '4116': 903, '4117': 701, '4190': 73,
};

const SURNAMES: [string, number][] = [
  ['王', 80], ['李', 75], ['张', 72], ['刘', 60], ['陈', 30], ['杨', 28], ['赵', 26], ['黄', 12], ['周', 14], ['吴', 12], ['徐', 12], ['孙', 16], ['胡', 12], ['朱', 12],
  ['高', 14], ['林', 5], ['何', 8], ['郭', 14], ['马', 14], ['罗', 5], ['梁', 8], ['宋', 10], ['郑', 8], ['谢', 6], ['韩', 8], ['唐', 5], ['冯', 8], ['于', 6], ['董', 6],
  ['萧', 2], ['程', 6], ['曹', 7], ['袁', 5], ['邓', 4], ['许', 7], ['傅', 3], ['沈', 3], ['曾', 3], ['彭', 4], ['吕', 5], ['苏', 4], ['卢', 4], ['蒋', 4], ['蔡', 4],
  ['贾', 5], ['丁', 4], ['魏', 5], ['薛', 4], ['叶', 3], ['阎', 3], ['余', 3], ['潘', 3], ['杜', 4], ['戴', 2], ['夏', 3], ['钟', 2], ['汪', 2], ['田', 4], ['任', 4],
  ['姜', 3], ['范', 4], ['方', 3], ['石', 4], ['姚', 3], ['谭', 2], ['廖', 1], ['邹', 2], ['熊', 2], ['金', 2], ['陆', 2], ['郝', 3], ['孔', 2], ['白', 3], ['崔', 3],
  ['康', 2], ['毛', 2], ['邱', 2], ['秦', 2], ['江', 2], ['史', 3], ['顾', 2], ['侯', 3], ['邵', 2], ['孟', 3], ['龙', 1], ['万', 2], ['段', 2], ['雷', 2], ['钱', 1],
  ['汤', 2], ['尹', 2], ['黎', 1], ['易', 1], ['常', 3], ['武', 3], ['乔', 2], ['贺', 2], ['赖', 1], ['龚', 1], ['文', 1], ['欧阳', 1], ['司马', 1], ['上官', 1],
];
const GIVEN_MALE = '伟强磊军勇杰涛斌超明辉刚鹏浩俊峰建国华志平宇航博文凯鑫晨阳宏亮振海林飞昊天嘉豪子轩梓睿宇泽'.split('');
const GIVEN_FEMALE = '芳娜敏静丽艳娟霞秀英玲婷雪慧颖佳琳欣怡梦瑶雨萱子涵思彤诗晴可馨梓悦紫薇月兰红梅凤'.split('');
const STREETS = ['人民路', '建设路', '解放路', '中原路', '文化路', '花园路', '黄河路', '嵩山路', '金水路', '工业路', '新华路', '光明路', '农业路', '育才街', '胜利街'];
const SCOPES_TEXT = ['农产品种植、销售', '日用百货零售', '餐饮服务', '建筑工程施工', '软件开发、信息技术咨询服务', '道路货物运输', '服装加工、销售', '五金交电批发', '机械设备制造', '住宿服务', '美容美发服务', '货物进出口'];
const INDUSTRY_FOR_SCOPE = ['01', '52', '62', '47', '65', '54', '18', '51', '34', '61', '80', '51'];

export interface GeneratorRegion {
  code: string;
  name: string;
  /** Prefecture-level prefix (4 digits; 4190 for the province-administered county Jiyuan). */
  prefecture: string;
}

/** mulberry32: a small deterministic PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T>(items: [T, number][], r: () => number): () => T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  const cum: number[] = [];
  let acc = 0;
  for (const [, w] of items) cum.push((acc += w / total));
  return () => {
    const x = r();
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return items[lo][0];
  };
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const BASE_DAY = Date.UTC(1900, 0, 1);
const DAYS = Math.floor((Date.UTC(2025, 11, 31) - BASE_DAY) / 86400000);
const dateOf = (dayIndex: number): string => new Date(BASE_DAY + dayIndex * 86400000).toISOString().slice(0, 10);

/** Cells of a person row, keyed by the import's column keys. */
export type PersonCells = Record<'idNumber' | 'name' | 'sex' | 'ethnicity' | 'birthDate' | 'regionCode' | 'address' | 'householdId' | 'relationToHead' | 'education' | 'maritalStatus' | 'formerNames' | 'status' | 'demo', string>;
export type EntityCells = Record<'uscc' | 'name' | 'entityType' | 'legalRepName' | 'legalRepIdNumber' | 'registeredCapital' | 'currency' | 'establishedOn' | 'businessScope' | 'industryCode' | 'regionCode' | 'address' | 'authorityName' | 'status' | 'demo', string>;

export interface PersonGenerator {
  next(): PersonCells[];
  /** Adults seen so far (reservoir of up to 200 000), for legal representatives. */
  adults: { idNumber: string; name: string; regionCode: string }[];
}

/** Households, one call at a time (each returns the members of one household). */
export function personGenerator(regions: GeneratorRegion[], seed = 1, refYear = 2026): PersonGenerator {
  const r = rng(seed);
  const byPref = new Map<string, GeneratorRegion[]>();
  for (const g of regions) byPref.set(g.prefecture, [...(byPref.get(g.prefecture) ?? []), g]);
  const prefs = [...byPref.keys()].filter((p) => PREFECTURE_WEIGHTS[p]);
  if (prefs.length === 0) throw new Error('generator: no Henan county-level regions given');
  const pickPref = weighted(prefs.map((p) => [p, PREFECTURE_WEIGHTS[p]] as [string, number]), r);
  const countyIndex = new Map(regions.map((g, i) => [g.code, i]));
  const counters = new Uint16Array(regions.length * (DAYS + 1) * 2);
  const surname = weighted(SURNAMES, r);
  const ethnicity = weighted<string>([['01', 9880], ['03', 100], ['02', 8], ['11', 6], ['08', 2], ['04', 1], ['06', 1], ['15', 2]], r);
  const householdSize = weighted<number>([[1, 18], [2, 27], [3, 22], [4, 18], [5, 10], [6, 5]], r);
  let householdSeq = 0;
  const adults: PersonGenerator['adults'] = [];
  let adultsSeen = 0;
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];

  const idFor = (regionCode: string, day: number, male: boolean): string | null => {
    const ci = countyIndex.get(regionCode) ?? 0;
    const slot = (ci * (DAYS + 1) + day) * 2 + (male ? 1 : 0);
    const n = counters[slot];
    if (n >= 500) return null;
    counters[slot] = n + 1;
    const seq = n * 2 + (male ? 1 : 0);
    const first17 = `${regionCode}${dateOf(day).replace(/-/g, '')}${pad(seq, 3)}`;
    return first17 + residentIdCheckChar(first17);
  };
  const givenName = (male: boolean) => {
    const pool = male ? GIVEN_MALE : GIVEN_FEMALE;
    return r() < 0.7 ? pick(pool) + pick(pool) : pick(pool);
  };
  const eduFor = (age: number) => (age < 7 ? '' : age < 13 ? '80' : age < 16 ? '70' : age < 19 ? pick(['60', '40', '70']) : pick(['10', '20', '20', '30', '30', '40', '60', '60', '70', '70', '70', '80']));
  const maritalFor = (age: number) => (age < 22 ? '10' : age < 30 ? pick(['10', '20', '20']) : age > 75 ? pick(['20', '30', '30']) : pick(['20', '20', '20', '20', '40', '10']));

  function next(): PersonCells[] {
    const pref = pickPref();
    const county = pick(byPref.get(pref)!);
    householdSeq += 1;
    const householdId = `${county.code}${pad(householdSeq, 9)}`;
    const address = `${county.name}${pick(STREETS)}${1 + Math.floor(r() * 300)}号${1 + Math.floor(r() * 20)}栋${1 + Math.floor(r() * 6)}单元${100 + Math.floor(r() * 2000)}室`;
    const size = householdSize();
    const family = surname();
    const eth = ethnicity();
    const headAge = 22 + Math.floor(r() * 60);
    const members: PersonCells[] = [];
    const add = (age: number, male: boolean, relation: string, name: string) => {
      const maxDay = Math.floor((Date.UTC(refYear - age, 11, 31) - BASE_DAY) / 86400000);
      const minDay = Math.max(0, maxDay - 364);
      let id: string | null = null;
      for (let tries = 0; tries < 20 && !id; tries += 1) {
        const day = Math.max(0, Math.min(DAYS, minDay + Math.floor(r() * (maxDay - minDay + 1))));
        const born = r() < 0.95 ? county.code : pick(regions).code;
        id = idFor(born, day, male);
      }
      if (!id) return;
      const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
      members.push({
        idNumber: id, name, sex: male ? '男' : '女', ethnicity: eth, birthDate: birth, regionCode: county.code, address, householdId,
        relationToHead: relation, education: eduFor(age), maritalStatus: maritalFor(age), formerNames: r() < 0.01 ? family + givenName(male) : '', status: '正常', demo: '是',
      });
      if (age >= 18) {
        adultsSeen += 1;
        const entry = { idNumber: id, name, regionCode: county.code };
        if (adults.length < 200_000) adults.push(entry);
        else {
          const j = Math.floor(r() * adultsSeen);
          if (j < adults.length) adults[j] = entry;
        }
      }
    };
    const headMale = r() < 0.7;
    add(headAge, headMale, '02', family + givenName(headMale));
    if (size >= 2 && headAge > 23) add(Math.max(20, headAge + Math.floor(r() * 7) - 3), !headMale, '10', surname() + givenName(!headMale));
    for (let i = members.length; i < size; i += 1) {
      if (headAge > 45 && r() < 0.25) add(Math.min(99, headAge + 22 + Math.floor(r() * 10)), r() < 0.45, '50', surname() + givenName(r() < 0.5));
      else {
        const male = r() < 0.52;
        add(Math.max(0, headAge - 20 - Math.floor(r() * 15)), male, male ? '20' : '30', family + givenName(male));
      }
    }
    return members;
  }
  return { next, adults };
}

const ORG_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
const orgValue = (c: string) => (c >= '0' && c <= '9' ? Number(c) : c.charCodeAt(0) - 55);

/** GB 11714 check character of an 8-character organisation code body. */
export function orgCheckChar(body8: string): string {
  let s = 0;
  for (let i = 0; i < 8; i += 1) s += orgValue(body8[i]) * ORG_WEIGHTS[i];
  const c = 11 - (s % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** A valid USCC: authority/category + region + organisation code (with its check) + check character. */
export function makeUscc(authorityCategory: string, regionCode: string, r: () => number): string {
  let body = 'MA';
  for (let i = 0; i < 6; i += 1) body += ORG_ALPHABET[Math.floor(r() * ORG_ALPHABET.length)];
  const first17 = `${authorityCategory}${regionCode}${body}${orgCheckChar(body)}`;
  return first17 + usccCheckChar(first17);
}

const COMPANY_WORDS = ['中原', '豫达', '嵩岳', '黄河', '华夏', '伏牛', '宛城', '商都', '汴梁', '洛神', '龙门', '太行', '淮源', '大别', '鸿运', '恒信', '鑫源', '宏达', '金穗', '绿原'];
const COMPANY_KIND = ['科技', '商贸', '建筑工程', '农业发展', '食品', '物流', '机械制造', '餐饮管理', '服装', '电子'];

/** One entity per call; legal representatives are drawn from the person generator's adults. */
export function entityGenerator(regions: GeneratorRegion[], reps: () => { idNumber: string; name: string; regionCode: string } | null, seed = 2, opts: { legacyShare?: number } = {}) {
  const r = rng(seed);
  const byPref = new Map<string, GeneratorRegion[]>();
  for (const g of regions) byPref.set(g.prefecture, [...(byPref.get(g.prefecture) ?? []), g]);
  const prefs = [...byPref.keys()].filter((p) => PREFECTURE_WEIGHTS[p]);
  const pickPref = weighted(prefs.map((p) => [p, PREFECTURE_WEIGHTS[p]] as [string, number]), r);
  const kind = weighted<[string, string]>([[['9500', '92'], 65], [['1100', '91'], 28], [['1200', '91'], 1], [['4100', '91'], 2], [['4200', '91'], 1], [['9100', '93'], 3]], r);
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const seen = new Set<string>();
  return (): EntityCells => {
    const county = pick(byPref.get(pickPref())!);
    const [type, ac] = kind();
    let uscc = makeUscc(ac, county.code, r);
    while (seen.has(uscc)) uscc = makeUscc(ac, county.code, r);
    if (seen.size < 5_000_000) seen.add(uscc);
    if (opts.legacyShare && r() < opts.legacyShare) {
      const wrong = ORG_ALPHABET[(ORG_ALPHABET.indexOf(uscc[17]) + 1) % 31];
      uscc = uscc.slice(0, 17) + wrong;
    }
    const rep = reps();
    const scopeIdx = Math.floor(r() * SCOPES_TEXT.length);
    const shortName = county.name.replace(/(市|县|区)$/, '');
    const name = type === '9500' ? `${shortName}${rep?.name ?? pick(COMPANY_WORDS)}${pick(['便民店', '小吃店', '五金店', '理发店', '家电维修部', '农资店'])}${Math.floor(r() * 1000)}`
      : `河南${pick(COMPANY_WORDS)}${pick(COMPANY_KIND)}${type === '9100' ? '专业合作社' : type === '1200' ? '股份有限公司' : type === '4100' ? '经营部' : type === '4200' ? '合伙企业' : '有限公司'}${shortName}${Math.floor(r() * 10000)}号`;
    const year = 1995 + Math.floor(r() * 31);
    const est = `${year}-${pad(1 + Math.floor(r() * 12), 2)}-${pad(1 + Math.floor(r() * 28), 2)}`;
    const status = r() < 0.9 ? '存续' : pick(['注销', '吊销', '迁出']);
    return {
      uscc, name, entityType: type, legalRepName: rep?.name ?? '张三', legalRepIdNumber: rep?.idNumber ?? '', registeredCapital: type === '9500' ? '' : String(10 + Math.floor(r() * 5000)),
      currency: 'CNY', establishedOn: est > '2026-01-01' ? '2025-06-01' : est, businessScope: SCOPES_TEXT[scopeIdx], industryCode: INDUSTRY_FOR_SCOPE[scopeIdx], regionCode: county.code,
      address: `${county.name}${pick(STREETS)}${1 + Math.floor(r() * 500)}号`, authorityName: `${county.name}市场监督管理局`, status, demo: '是',
    };
  };
}
