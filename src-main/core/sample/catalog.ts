/**
 * The sample catalog: bilingual categories and product templates, and the
 * product table with its latent factors. Products are kept sorted by category
 * then price, so each category is one contiguous, price-ordered range and a
 * basket can pick "a product in this category under this price" by binary search.
 */
import { categoryKeys, categoryWeights, latentModel } from './model.ts';
import type { CategoryKey } from './model.ts';
import { Rng, Stream } from './rng.ts';

interface Template {
  en: string;
  zh: string;
  lo: number;
  hi: number;
}

interface CategoryInfo {
  code: string;
  label: string;
  interest: { en: string; zh: string };
  variants: readonly (readonly [string, string])[];
  templates: readonly Template[];
}

const t = (en: string, zh: string, lo: number, hi: number): Template => ({ en, zh, lo, hi });
const colors = [
  ['Black', '黑色'],
  ['White', '白色'],
  ['Grey', '灰色'],
  ['Navy', '藏青'],
  ['Pink', '粉色'],
  ['Beige', '米色'],
] as const;
const editions = [
  ['Lite', '青春版'],
  ['Pro', 'Pro'],
  ['Max', 'Max'],
  ['Mini', '迷你款'],
  ['2025 Edition', '2025款'],
] as const;
const packs = [
  ['Single', '单件装'],
  ['2-Pack', '2件装'],
  ['Family Pack', '家庭装'],
  ['Gift Box', '礼盒装'],
] as const;

export const categories: Record<CategoryKey, CategoryInfo> = {
  electronics: {
    code: 'EL',
    label: 'Electronics / 数码',
    interest: { en: 'gadgets', zh: '数码' },
    variants: editions,
    templates: [
      t('Wireless Earbuds', '无线耳机', 79, 1299),
      t('Phone Case', '手机壳', 19, 99),
      t('Power Bank', '充电宝', 59, 299),
      t('USB-C Cable', '数据线', 15, 69),
      t('Smart Watch', '智能手表', 299, 2999),
      t('Bluetooth Speaker', '蓝牙音箱', 99, 999),
      t('Tablet', '平板电脑', 1299, 3999),
      t('Mechanical Keyboard', '机械键盘', 199, 899),
    ],
  },
  apparel: {
    code: 'AP',
    label: 'Apparel / 服装',
    interest: { en: 'fashion', zh: '时尚' },
    variants: colors,
    templates: [
      t('Cotton T-Shirt', '纯棉T恤', 39, 159),
      t('Down Jacket', '羽绒服', 299, 1299),
      t('Jeans', '牛仔裤', 99, 399),
      t('Hoodie', '连帽卫衣', 99, 299),
      t('Silk Scarf', '真丝围巾', 79, 399),
      t('Dress', '连衣裙', 129, 599),
    ],
  },
  shoes: {
    code: 'SH',
    label: 'Shoes / 鞋靴',
    interest: { en: 'sneakers', zh: '潮鞋' },
    variants: colors,
    templates: [
      t('Running Shoes', '跑步鞋', 199, 899),
      t('Canvas Sneakers', '帆布鞋', 99, 299),
      t('Leather Boots', '皮靴', 299, 999),
      t('Slippers', '拖鞋', 19, 79),
    ],
  },
  beauty: {
    code: 'BE',
    label: 'Beauty / 美妆',
    interest: { en: 'beauty', zh: '美妆' },
    variants: packs,
    templates: [
      t('Lipstick', '口红', 69, 399),
      t('Face Serum', '精华液', 129, 899),
      t('Sunscreen', '防晒霜', 49, 249),
      t('Facial Mask', '面膜', 29, 199),
      t('Perfume', '香水', 199, 999),
    ],
  },
  home: {
    code: 'HO',
    label: 'Home / 家居',
    interest: { en: 'home decor', zh: '家居' },
    variants: colors,
    templates: [
      t('Bath Towel', '浴巾', 29, 129),
      t('Throw Pillow', '抱枕', 39, 159),
      t('Desk Lamp', '台灯', 69, 399),
      t('Storage Box', '收纳箱', 19, 99),
      t('Duvet', '羽绒被', 299, 1299),
    ],
  },
  kitchen: {
    code: 'KI',
    label: 'Kitchen / 厨具',
    interest: { en: 'cooking', zh: '烹饪' },
    variants: editions,
    templates: [
      t('Non-stick Pan', '不粘锅', 79, 399),
      t('Rice Cooker', '电饭煲', 199, 799),
      t('Kitchen Knife Set', '刀具套装', 99, 599),
      t('Insulated Bottle', '保温杯', 39, 199),
      t('Chopsticks Set', '筷子套装', 15, 69),
    ],
  },
  food: {
    code: 'FO',
    label: 'Food & Snacks / 食品',
    interest: { en: 'snacks', zh: '美食' },
    variants: packs,
    templates: [
      t('Green Tea', '绿茶', 29, 199),
      t('Mixed Nuts', '每日坚果', 19, 129),
      t('Instant Noodles', '方便面', 9, 49),
      t('Coffee Beans', '咖啡豆', 39, 199),
      t('Dried Mango', '芒果干', 9, 59),
      t('Mooncake Gift Set', '月饼礼盒', 99, 399),
    ],
  },
  baby: {
    code: 'BA',
    label: 'Baby & Kids / 母婴',
    interest: { en: 'parenting', zh: '育儿' },
    variants: packs,
    templates: [
      t('Diapers', '纸尿裤', 59, 199),
      t('Baby Formula', '婴儿奶粉', 149, 499),
      t('Building Blocks', '积木玩具', 49, 699),
      t('Baby Wipes', '婴儿湿巾', 15, 59),
    ],
  },
  sports: {
    code: 'SP',
    label: 'Sports & Outdoors / 运动户外',
    interest: { en: 'fitness', zh: '运动' },
    variants: colors,
    templates: [
      t('Yoga Mat', '瑜伽垫', 49, 199),
      t('Camping Tent', '露营帐篷', 199, 1299),
      t('Dumbbells', '哑铃', 59, 399),
      t('Cycling Jersey', '骑行服', 99, 399),
      t('Road Bike', '公路自行车', 1599, 3999),
    ],
  },
  books: {
    code: 'BO',
    label: 'Books / 图书',
    interest: { en: 'reading', zh: '阅读' },
    variants: [
      ['Paperback', '平装'],
      ['Hardcover', '精装'],
      ['Box Set', '套装'],
    ],
    templates: [
      t('Novel', '小说', 19, 99),
      t('Cookbook', '菜谱', 29, 89),
      t('Children Picture Book', '儿童绘本', 15, 129),
      t('Business Book', '商业管理书', 39, 129),
    ],
  },
  pets: {
    code: 'PE',
    label: 'Pets / 宠物',
    interest: { en: 'pets', zh: '宠物' },
    variants: packs,
    templates: [
      t('Cat Food', '猫粮', 39, 299),
      t('Dog Leash', '狗绳', 19, 99),
      t('Cat Litter', '猫砂', 19, 99),
      t('Pet Bed', '宠物窝', 59, 299),
    ],
  },
  health: {
    code: 'HE',
    label: 'Health / 健康',
    interest: { en: 'wellness', zh: '健康' },
    variants: packs,
    templates: [
      t('Vitamin C', '维生素C', 39, 159),
      t('Massage Gun', '筋膜枪', 199, 999),
      t('Blood Pressure Monitor', '血压计', 149, 499),
      t('Fish Oil', '鱼油', 69, 299),
    ],
  },
};

/** Interests a customer may list beyond their favourite categories. */
export const extraInterests: readonly (readonly [string, string])[] = [
  ['travel', '旅行'],
  ['photography', '摄影'],
  ['gaming', '游戏'],
  ['music', '音乐'],
  ['movies', '电影'],
];

export interface Catalog {
  size: number;
  sku: string[];
  title: string[];
  /** Template names, for search queries and review text. */
  nameEn: string[];
  nameZh: string[];
  category: Uint8Array;
  price: Float64Array;
  cost: Float64Array;
  popularity: Float64Array;
  ratingBias: Float64Array;
  /** size × k, row-major. */
  factors: Float64Array;
  /** k per category. */
  centroids: Float64Array;
  /** Products of category c are [catStart[c], catStart[c + 1]), sorted by price. */
  catStart: Int32Array;
  catMinPrice: Float64Array;
}

/** A few hundred SKUs for a small shop, up to 1000 for large ones. */
export function catalogSize(customers: number): number {
  return Math.max(300, Math.min(1000, Math.round(300 + customers / 50)));
}

export function buildCatalog(seed: number, size: number, ratingItemBiasSd: number): Catalog {
  const rng = new Rng(seed, Stream.catalog, 0);
  const k = latentModel.k;
  const nCat = categoryKeys.length;
  const centroids = new Float64Array(nCat * k);
  for (let i = 0; i < centroids.length; i++) centroids[i] = rng.normal(0, latentModel.categoryCentroidSd);

  // Products per category in proportion to the category weights.
  const totalWeight = categoryKeys.reduce((s, c) => s + categoryWeights[c], 0);
  const counts = categoryKeys.map((c) => Math.max(8, Math.round((size * categoryWeights[c]) / totalWeight)));
  const drafts: { cat: number; en: string; zh: string; title: string; price: number }[] = [];
  categoryKeys.forEach((key, c) => {
    const info = categories[key];
    for (let n = 0; n < (counts[c] ?? 0); n++) {
      const tpl = rng.pick(info.templates);
      const [ven, vzh] = rng.pick(info.variants);
      const raw = Math.exp(rng.uniform(Math.log(tpl.lo), Math.log(tpl.hi)));
      // Shop prices end in .9: 128.9, 39.9.
      const price = Math.round((Math.max(2, Math.round(raw)) - 0.1) * 100) / 100;
      drafts.push({ cat: c, en: tpl.en, zh: tpl.zh, title: `${tpl.en} ${ven} / ${tpl.zh} ${vzh}`, price });
    }
  });
  drafts.sort((a, b) => a.cat - b.cat || a.price - b.price);

  const n = drafts.length;
  const cat: Catalog = {
    size: n,
    sku: [],
    title: [],
    nameEn: [],
    nameZh: [],
    category: new Uint8Array(n),
    price: new Float64Array(n),
    cost: new Float64Array(n),
    popularity: new Float64Array(n),
    ratingBias: new Float64Array(n),
    factors: new Float64Array(n * k),
    centroids,
    catStart: new Int32Array(nCat + 1),
    catMinPrice: new Float64Array(nCat).fill(Infinity),
  };
  const perCat = new Int32Array(nCat);
  drafts.forEach((d, j) => {
    const code = categories[categoryKeys[d.cat] as CategoryKey].code;
    const seq = (perCat[d.cat] ?? 0) + 1;
    perCat[d.cat] = seq;
    cat.sku.push(`${code}-${String(seq).padStart(4, '0')}`);
    cat.title.push(d.title);
    cat.nameEn.push(d.en.toLowerCase());
    cat.nameZh.push(d.zh);
    cat.category[j] = d.cat;
    cat.price[j] = d.price;
    cat.cost[j] = Math.round(d.price * rng.uniform(0.35, 0.7) * 100) / 100;
    cat.popularity[j] = rng.normal(0, latentModel.popularitySd);
    cat.ratingBias[j] = rng.normal(0, ratingItemBiasSd);
    for (let f = 0; f < k; f++) {
      cat.factors[j * k + f] = (centroids[d.cat * k + f] ?? 0) + rng.normal(0, latentModel.productNoiseSd);
    }
    cat.catMinPrice[d.cat] = Math.min(cat.catMinPrice[d.cat] ?? Infinity, d.price);
  });
  for (let c = 0, j = 0; c <= nCat; c++) {
    while (j < n && (cat.category[j] ?? nCat) < c) j++;
    cat.catStart[c] = j;
  }
  return cat;
}
