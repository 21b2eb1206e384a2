/**
 * Check characters of the national identifiers (see shared/reference/identifiers-and-exchange.md §4):
 * resident ID number (GB 11643, ISO 7064 MOD 11-2) and unified social credit code (GB 32100).
 * Each check returns a reason in Chinese when the value is not valid.
 */
export type CheckResult = { valid: true } | { valid: false; code: string; reason: string };

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

export interface ResidentIdFacts {
  regionCode: string;
  birthDate: string;
  sex: 'male' | 'female';
}

/** Validates layout, birth date (a real date, not in the future) and the check character. */
export function checkResidentId(value: string, today: Date = new Date()): CheckResult {
  const v = value.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(v)) {
    return { valid: false, code: 'id_format', reason: '公民身份号码应为 18 位: 前 17 位为数字, 最后一位为数字或 X' };
  }
  const y = Number(v.slice(6, 10));
  const m = Number(v.slice(10, 12));
  const d = Number(v.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1850 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return { valid: false, code: 'id_birth_date', reason: `出生日期码 ${v.slice(6, 14)} 不是有效日期` };
  }
  if (date.getTime() > today.getTime()) {
    return { valid: false, code: 'id_birth_date', reason: `出生日期 ${v.slice(6, 14)} 晚于今天` };
  }
  const expected = residentIdCheckChar(v.slice(0, 17));
  if (expected !== v[17]) {
    return { valid: false, code: 'id_check_char', reason: `校验码错误: 按 GB 11643 计算应为 ${expected}, 实际为 ${v[17]}` };
  }
  return { valid: true };
}

export function residentIdFacts(value: string): ResidentIdFacts {
  const v = value.toUpperCase();
  return {
    regionCode: v.slice(0, 6),
    birthDate: `${v.slice(6, 10)}-${v.slice(10, 12)}-${v.slice(12, 14)}`,
    sex: Number(v[16]) % 2 === 1 ? 'male' : 'female',
  };
}

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function usccCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += USCC_ALPHABET.indexOf(first17[i]) * USCC_WEIGHTS[i];
  return USCC_ALPHABET[(31 - (sum % 31)) % 31];
}

/** Registration authority codes of GB 32100 and the entity categories each allows. */
const USCC_CATEGORIES: Record<string, string> = {
  '1': '1239', // 机构编制: 机关, 事业单位, 群众团体(中央), 其他
  '2': '19', // 外交
  '3': '1239', // 司法行政
  '4': '19', // 文化
  '5': '1239', // 民政
  '6': '1239', // 旅游
  '7': '129', // 宗教
  '8': '19', // 工会
  '9': '123', // 工商: 企业, 个体工商户, 农民专业合作社
  A: '19', // 中央军委改革和编制办公室
  N: '12349', // 农业
  Y: '1', // 其他
};

export function checkUscc(value: string): CheckResult {
  const v = value.trim().toUpperCase();
  if (v.length !== 18) {
    return { valid: false, code: 'uscc_length', reason: `统一社会信用代码应为 18 位, 实际为 ${v.length} 位` };
  }
  const bad = [...v].findIndex((c) => !USCC_ALPHABET.includes(c));
  if (bad >= 0) {
    return { valid: false, code: 'uscc_charset', reason: `第 ${bad + 1} 位字符 “${v[bad]}” 不在 GB 32100 字符集中 (不使用 I、O、S、V、Z)` };
  }
  const categories = USCC_CATEGORIES[v[0]];
  if (!categories) {
    return { valid: false, code: 'uscc_authority', reason: `第 1 位登记管理部门代码 “${v[0]}” 不存在` };
  }
  if (!categories.includes(v[1])) {
    return { valid: false, code: 'uscc_category', reason: `第 2 位机构类别代码 “${v[1]}” 与登记管理部门 “${v[0]}” 不匹配` };
  }
  if (!/^\d{6}$/.test(v.slice(2, 8))) {
    return { valid: false, code: 'uscc_region', reason: '第 3-8 位登记管理机关行政区划码应为 6 位数字' };
  }
  const expected = usccCheckChar(v.slice(0, 17));
  if (expected !== v[17]) {
    return { valid: false, code: 'uscc_check_char', reason: `校验码错误: 按 GB 32100 计算应为 ${expected}, 实际为 ${v[17]}` };
  }
  return { valid: true };
}

/** `4101**********1234`: the first 4 and last 4 characters, the rest masked. */
export function maskIdNumber(value: string): string {
  if (value.length <= 8) return '*'.repeat(value.length);
  return `${value.slice(0, 4)}${'*'.repeat(value.length - 8)}${value.slice(-4)}`;
}

export function maskPhone(value: string): string {
  return value.length >= 7 ? `${value.slice(0, 3)}****${value.slice(-4)}` : '****';
}
