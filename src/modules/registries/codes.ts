/**
 * Code lists of the registries: GB/T 3304 民族, GB/T 4754-2017 门类 and 大类, GB/T 4761 家庭关系
 * (subset), GB/T 4658 学历 (major classes), GB/T 2261.2 婚姻状况, market-entity types, statuses.
 * Typed from the standards' published tables (from memory where the reference file is silent; see CONTEXT.md).
 */

/** GB/T 3304-1991 中国各民族名称的罗马字母拼写法和代码: the 56 nationalities, 97 其他未识别民族, 98 外国血统中国籍人士. */
export const ETHNICITIES: Record<string, string> = {
  '01': '汉族', '02': '蒙古族', '03': '回族', '04': '藏族', '05': '维吾尔族', '06': '苗族', '07': '彝族', '08': '壮族', '09': '布依族', '10': '朝鲜族',
  '11': '满族', '12': '侗族', '13': '瑶族', '14': '白族', '15': '土家族', '16': '哈尼族', '17': '哈萨克族', '18': '傣族', '19': '黎族', '20': '傈僳族',
  '21': '佤族', '22': '畲族', '23': '高山族', '24': '拉祜族', '25': '水族', '26': '东乡族', '27': '纳西族', '28': '景颇族', '29': '柯尔克孜族', '30': '土族',
  '31': '达斡尔族', '32': '仫佬族', '33': '羌族', '34': '布朗族', '35': '撒拉族', '36': '毛南族', '37': '仡佬族', '38': '锡伯族', '39': '阿昌族', '40': '普米族',
  '41': '塔吉克族', '42': '怒族', '43': '乌孜别克族', '44': '俄罗斯族', '45': '鄂温克族', '46': '德昂族', '47': '保安族', '48': '裕固族', '49': '京族', '50': '塔塔尔族',
  '51': '独龙族', '52': '鄂伦春族', '53': '赫哲族', '54': '门巴族', '55': '珞巴族', '56': '基诺族', '97': '其他未识别民族', '98': '外国血统中国籍人士',
};

/** GB/T 4754-2017 国民经济行业分类: sections (门类) with their divisions (大类). */
export const INDUSTRY_SECTIONS: { code: string; name: string; divisions: Record<string, string> }[] = [
  { code: 'A', name: '农、林、牧、渔业', divisions: { '01': '农业', '02': '林业', '03': '畜牧业', '04': '渔业', '05': '农、林、牧、渔专业及辅助性活动' } },
  { code: 'B', name: '采矿业', divisions: { '06': '煤炭开采和洗选业', '07': '石油和天然气开采业', '08': '黑色金属矿采选业', '09': '有色金属矿采选业', '10': '非金属矿采选业', '11': '开采专业及辅助性活动', '12': '其他采矿业' } },
  {
    code: 'C', name: '制造业', divisions: {
      '13': '农副食品加工业', '14': '食品制造业', '15': '酒、饮料和精制茶制造业', '16': '烟草制品业', '17': '纺织业', '18': '纺织服装、服饰业', '19': '皮革、毛皮、羽毛及其制品和制鞋业',
      '20': '木材加工和木、竹、藤、棕、草制品业', '21': '家具制造业', '22': '造纸和纸制品业', '23': '印刷和记录媒介复制业', '24': '文教、工美、体育和娱乐用品制造业',
      '25': '石油、煤炭及其他燃料加工业', '26': '化学原料和化学制品制造业', '27': '医药制造业', '28': '化学纤维制造业', '29': '橡胶和塑料制品业', '30': '非金属矿物制品业',
      '31': '黑色金属冶炼和压延加工业', '32': '有色金属冶炼和压延加工业', '33': '金属制品业', '34': '通用设备制造业', '35': '专用设备制造业', '36': '汽车制造业',
      '37': '铁路、船舶、航空航天和其他运输设备制造业', '38': '电气机械和器材制造业', '39': '计算机、通信和其他电子设备制造业', '40': '仪器仪表制造业', '41': '其他制造业',
      '42': '废弃资源综合利用业', '43': '金属制品、机械和设备修理业',
    },
  },
  { code: 'D', name: '电力、热力、燃气及水生产和供应业', divisions: { '44': '电力、热力生产和供应业', '45': '燃气生产和供应业', '46': '水的生产和供应业' } },
  { code: 'E', name: '建筑业', divisions: { '47': '房屋建筑业', '48': '土木工程建筑业', '49': '建筑安装业', '50': '建筑装饰、装修和其他建筑业' } },
  { code: 'F', name: '批发和零售业', divisions: { '51': '批发业', '52': '零售业' } },
  { code: 'G', name: '交通运输、仓储和邮政业', divisions: { '53': '铁路运输业', '54': '道路运输业', '55': '水上运输业', '56': '航空运输业', '57': '管道运输业', '58': '多式联运和运输代理业', '59': '装卸搬运和仓储业', '60': '邮政业' } },
  { code: 'H', name: '住宿和餐饮业', divisions: { '61': '住宿业', '62': '餐饮业' } },
  { code: 'I', name: '信息传输、软件和信息技术服务业', divisions: { '63': '电信、广播电视和卫星传输服务', '64': '互联网和相关服务', '65': '软件和信息技术服务业' } },
  { code: 'J', name: '金融业', divisions: { '66': '货币金融服务', '67': '资本市场服务', '68': '保险业', '69': '其他金融业' } },
  { code: 'K', name: '房地产业', divisions: { '70': '房地产业' } },
  { code: 'L', name: '租赁和商务服务业', divisions: { '71': '租赁业', '72': '商务服务业' } },
  { code: 'M', name: '科学研究和技术服务业', divisions: { '73': '研究和试验发展', '74': '专业技术服务业', '75': '科技推广和应用服务业' } },
  { code: 'N', name: '水利、环境和公共设施管理业', divisions: { '76': '水利管理业', '77': '生态保护和环境治理业', '78': '公共设施管理业', '79': '土地管理业' } },
  { code: 'O', name: '居民服务、修理和其他服务业', divisions: { '80': '居民服务业', '81': '机动车、电子产品和日用产品修理业', '82': '其他服务业' } },
  { code: 'P', name: '教育', divisions: { '83': '教育' } },
  { code: 'Q', name: '卫生和社会工作', divisions: { '84': '卫生', '85': '社会工作' } },
  { code: 'R', name: '文化、体育和娱乐业', divisions: { '86': '新闻和出版业', '87': '广播、电视、电影和录音制作业', '88': '文化艺术业', '89': '体育', '90': '娱乐业' } },
  { code: 'S', name: '公共管理、社会保障和社会组织', divisions: { '91': '中国共产党机关', '92': '国家机构', '93': '人民政协、民主党派', '94': '社会保障', '95': '群众团体、社会团体和其他成员组织', '96': '基层群众自治组织及其他组织' } },
  { code: 'T', name: '国际组织', divisions: { '97': '国际组织' } },
];

/** Division code → { name, section }. */
export const INDUSTRY_DIVISIONS: Record<string, { name: string; section: string; sectionName: string }> = Object.fromEntries(
  INDUSTRY_SECTIONS.flatMap((s) => Object.entries(s.divisions).map(([code, name]) => [code, { name, section: s.code, sectionName: s.name }])),
);

/** GB/T 4761-2008 家庭关系代码 (the codes used in household registration). */
export const RELATIONS: Record<string, string> = {
  '02': '户主', '10': '配偶', '20': '子', '30': '女', '40': '孙子、孙女或外孙子、外孙女', '50': '父母', '60': '祖父母或外祖父母', '70': '兄、弟、姐、妹', '80': '其他亲属', '99': '非亲属',
};
export const HEAD_RELATION = '02';

/** GB/T 4658-2006 学历代码, major classes. */
export const EDUCATION: Record<string, string> = {
  '10': '研究生教育', '20': '大学本科教育', '30': '大学专科教育', '40': '中等职业教育', '60': '普通高级中学教育', '70': '初级中学教育', '80': '小学教育', '90': '其他',
};

/** GB/T 2261.2-2003 婚姻状况代码. */
export const MARITAL: Record<string, string> = {
  '10': '未婚', '20': '已婚', '21': '初婚', '22': '再婚', '23': '复婚', '30': '丧偶', '40': '离婚', '90': '未说明的婚姻状况',
};

export const SEX_LABELS = { male: '男', female: '女' } as const;
export type Sex = keyof typeof SEX_LABELS;

export const PERSON_STATUS_LABELS = { normal: '正常', deceased: '死亡', moved_out: '迁出' } as const;
export type PersonStatus = keyof typeof PERSON_STATUS_LABELS;

/** 市场主体类型 (simplified from the SAMR enterprise-type codes). */
export const ENTITY_TYPES: Record<string, string> = {
  '1100': '有限责任公司',
  '1200': '股份有限公司',
  '2100': '非公司企业法人',
  '3100': '外商投资企业',
  '4100': '个人独资企业',
  '4200': '合伙企业',
  '9100': '农民专业合作社',
  '9500': '个体工商户',
  '6100': '机关法人',
  '6200': '事业单位法人',
  '6300': '社会团体法人',
  '6400': '民办非企业单位',
};

/** 登记状态 (Henan DB41/T 2720-2024 Annex A names the codes; these are its four main states). */
export const ENTITY_STATUS_LABELS = { active: '存续(在业)', revoked: '吊销', cancelled: '注销', moved_out: '迁出' } as const;
export type EntityStatus = keyof typeof ENTITY_STATUS_LABELS;

/** ISO 4217 currencies accepted for registered capital. */
export const CURRENCIES: Record<string, string> = { CNY: '人民币', USD: '美元', EUR: '欧元', HKD: '港元', JPY: '日元', GBP: '英镑' };

export const label = (list: Record<string, string>, code: string | null | undefined): string => (code ? (list[code] ?? `未知代码 ${code}`) : '—');
