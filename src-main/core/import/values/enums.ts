/**
 * Closed vocabularies: gender, order status, yes/no, campaign arm, event type.
 * A column holds few distinct values repeated on every row, so each parser
 * remembers its answers per raw string; the dictionaries are only consulted
 * on the first sight of a spelling.
 */
import type { Cell } from '../types.ts';
import { failure, type Parsed } from './result.ts';
import { foldWidth, isMissingText } from './text.ts';

export type Gender = 'female' | 'male' | 'other';
export type OrderStatus = 'completed' | 'pending' | 'cancelled' | 'returned';
export type CampaignArm = 'treatment' | 'control';
/** The canonical event types; other types are kept as their lower-cased text. */
export type EventType = 'view' | 'search' | 'cart' | 'remove_from_cart' | 'purchase' | 'favorite';

const separators = /[\s_\-.]+/g;

/** Dictionary key: folded, lower-case, without spaces, '_', '-' and '.': "Add-To Cart" → "addtocart". */
function keyOf(trimmed: string): string {
  return trimmed.toLowerCase().replace(separators, '');
}

function dictionary<T extends string>(groups: Record<T, string[]>): Map<string, T> {
  const map = new Map<string, T>();
  for (const value of Object.keys(groups) as T[]) for (const word of groups[value]) map.set(keyOf(word), value);
  return map;
}

const MEMO_MAX = 4096;

/** Remembers a string reader's answers; starts over when full so memory stays flat on free-text columns. */
function memoize<T>(read: (raw: string, trimmed: string) => Parsed<T>): (raw: string) => Parsed<T> {
  let memo = new Map<string, Parsed<T>>();
  return (raw) => {
    let v = memo.get(raw);
    if (v === undefined) {
      const trimmed = foldWidth(raw).trim();
      v = isMissingText(trimmed) ? null : read(raw, trimmed);
      if (memo.size >= MEMO_MAX) memo = new Map();
      memo.set(raw, v);
    }
    return v;
  };
}

const isDigits = (s: string) => /^\d+$/.test(s);

// --- gender ---------------------------------------------------------------

// prettier-ignore
const genders = dictionary<Gender>({
  female: ['f', 'female', 'woman', 'women', 'girl', 'w', 'fem',
    '女', '女性', '女士', '女生', '妇女'],
  male: ['m', 'male', 'man', 'men', 'boy',
    '男', '男性', '男士', '男生', '先生'],
  other: ['other', 'o', 'x', 'nonbinary', 'non-binary', 'diverse', 'd', 'genderqueer',
    '其他', '其它'],
});
// prettier-ignore
const genderUnknown = new Set(['unknown', 'u', 'unspecified', 'notspecified', 'prefernottosay', 'undisclosed', '未知',
  '保密', '不详', '未填写', '不明', '未设置'].map(keyOf));

const readGender = memoize<Gender>((raw, trimmed) => {
  const key = keyOf(trimmed);
  const g = genders.get(key);
  if (g) return g;
  if (genderUnknown.has(key)) return null;
  if (isDigits(key)) return failure('ambiguous gender', raw, 'number codes have no agreed meaning; recode them as F/M');
  return failure('unknown gender', raw);
});

/** 'female' | 'male' | 'other'; null when missing or undisclosed (未知, 保密); 0/1/2 codes are failures. */
export function parseGender(cell: Cell): Parsed<Gender> {
  if (typeof cell === 'string') return readGender(cell);
  if (cell === null) return null;
  if (typeof cell === 'number') {
    return failure('ambiguous gender', cell, 'number codes have no agreed meaning; recode them as F/M');
  }
  return failure('unknown gender', cell);
}

// --- order status -----------------------------------------------------------

// Pending holds every order that is neither finished nor undone: awaiting
// payment as well as paid-not-yet-delivered (已付款/待发货/已发货). A partial
// refund leaves the order a sale, so it counts as completed.
// prettier-ignore
const statuses = dictionary<OrderStatus>({
  completed: ['completed', 'complete', 'delivered', 'fulfilled', 'done', 'success', 'successful', 'finished',
    'received', 'closed won', 'partially refunded', 'partial refund',
    '交易成功', '已完成', '完成', '交易完成', '订单完成', '已签收', '签收', '已收货', '确认收货', '买家已确认收货',
    '已评价', '部分退款'],
  pending: ['pending', 'paid', 'processing', 'shipped', 'in transit', 'on hold', 'awaiting payment', 'unpaid',
    'awaiting shipment', 'awaiting fulfillment', 'unfulfilled', 'partially shipped', 'partially fulfilled', 'open',
    'new', 'confirmed', 'placed', 'authorized', 'partially paid', 'to ship', 'to receive', 'to pay', 'ready to ship',
    'out for delivery', 'undelivered', 'not shipped', 'backordered', 'invoiced', 'created', 'approved',
    '待付款', '等待买家付款', '未付款', '待支付', '待发货', '等待卖家发货', '买家已付款', '已付款', '已支付',
    '已发货', '卖家已发货', '待收货', '等待买家确认收货', '部分发货', '处理中', '待处理', '待确认', '已确认',
    '配送中', '运输中', '派送中', '已下单', '备货中', '出库中'],
  cancelled: ['cancelled', 'canceled', 'cancel', 'void', 'voided', 'failed', 'declined', 'rejected', 'expired',
    'abandoned', 'deleted', 'payment failed', 'unavailable',
    '交易关闭', '已取消', '取消', '订单取消', '交易取消', '已关闭', '关闭', '无效', '已作废', '作废', '付款失败',
    '支付失败', '超时关闭', '已失效'],
  returned: ['returned', 'refunded', 'refund', 'return', 'chargeback', 'charged back', 'return requested',
    'refund requested', 'fully refunded',
    '退款', '已退款', '退货', '已退货', '退款成功', '退货退款', '退款中', '退货中', '售后', '售后中', '仅退款',
    '全额退款', '已退回', '拒收', '退款完成', '售后完成'],
});

// For spellings outside the dictionary ("退款成功(部分)", "Order cancelled by buyer"): strongest signal first.
const returnedWords = /退款|退货|售后|退回|refund|return|chargeback/;
const cancelledWords = /取消|关闭|作废|失效|cancel|void/;
const pendingWords = /待|等待|未|中$|已付款|已支付|已发货/;
const completedWords = /成功|完成|签收|收货/;

const readStatus = memoize<OrderStatus>((raw, trimmed) => {
  // WooCommerce exports its statuses with a "wc-" prefix (wc-completed, wc-on-hold).
  const key = keyOf(trimmed.replace(/^wc[-_ ]/i, ''));
  const known = statuses.get(key);
  if (known) return known;
  if (returnedWords.test(key)) return 'returned';
  if (cancelledWords.test(key)) return 'cancelled';
  if (pendingWords.test(key)) return 'pending';
  if (completedWords.test(key)) return 'completed';
  return failure('unknown order status', raw);
});

/** 'completed' | 'pending' | 'cancelled' | 'returned' from English or Chinese status text; unknown text fails. */
export function parseStatus(cell: Cell): Parsed<OrderStatus> {
  if (typeof cell === 'string') return readStatus(cell);
  if (cell === null) return null;
  return failure('unknown order status', cell);
}

// --- yes/no -----------------------------------------------------------------

// prettier-ignore
const booleans = dictionary<'true' | 'false'>({
  true: ['yes', 'y', 'true', 't', '1', 'on',
    '是', '对', '有', '✓', '✔', '☑', '√', '已响应', '已转化'],
  false: ['no', 'n', 'false', 'f', '0', 'off',
    '否', '不', '错', '✗', '✘', '×', '☐', '未响应', '未转化'],
});

const readBoolean = memoize<boolean>((raw, trimmed) => {
  const b = booleans.get(keyOf(trimmed));
  return b ? b === 'true' : failure('not yes or no', raw);
});

/** true/false from yes/no, true/false, y/n, 1/0, 是/否, ✓/✗. */
export function parseBoolean(cell: Cell): Parsed<boolean> {
  if (typeof cell === 'string') return readBoolean(cell);
  if (typeof cell === 'boolean') return cell;
  if (cell === 1 || cell === 0) return cell === 1;
  if (cell === null) return null;
  return failure('not yes or no', cell);
}

// --- campaign arm -----------------------------------------------------------

// 1/0 and yes/no read as "was treated", the usual indicator coding. A/B are
// refused: which letter got the campaign is a convention each team picks.
// prettier-ignore
const arms = dictionary<CampaignArm>({
  treatment: ['treatment', 'treated', 'test', 'experiment', 'experimental', 'exposed', 'variant', 'intervention',
    'treatment group', 'test group', 'targeted', '1', 'true', 'yes', 'y',
    '实验组', '实验', '测试组', '测试', '处理组', '干预组', '是'],
  control: ['control', 'holdout', 'hold out', 'baseline', 'control group', 'placebo', 'untreated', 'not targeted',
    '0', 'false', 'no', 'n',
    '对照组', '对照', '控制组', '空白组', '留出组', '否'],
});
const abArms = new Set(['a', 'b', 'groupa', 'groupb', 'a组', 'b组', 'variant a', 'variant b'].map(keyOf));

const readArm = memoize<CampaignArm>((raw, trimmed) => {
  const key = keyOf(trimmed);
  const arm = arms.get(key);
  if (arm) return arm;
  if (abArms.has(key)) {
    return failure(
      'ambiguous campaign arm',
      raw,
      'A/B does not say which group got the campaign; recode as treatment/control',
    );
  }
  return failure('unknown campaign arm', raw);
});

/** 'treatment' | 'control' (also test/control, 实验组/对照组, 1/0); A/B fails as ambiguous. */
export function parseArm(cell: Cell): Parsed<CampaignArm> {
  if (typeof cell === 'string') return readArm(cell);
  if (typeof cell === 'boolean' || cell === 1 || cell === 0)
    return cell === true || cell === 1 ? 'treatment' : 'control';
  if (cell === null) return null;
  return failure('unknown campaign arm', cell);
}

// --- event type -------------------------------------------------------------

// Taobao's UserBehavior uses pv/cart/fav/buy, RetailRocket view/addtocart/transaction.
// A click on a product is counted as viewing it.
// prettier-ignore
const eventTypes = dictionary<EventType>({
  view: ['view', 'pv', 'page view', 'pageview', 'page_view', 'browse', 'click', 'clk', 'detail', 'product view',
    'view item', 'viewed',
    '浏览', '点击', '查看', '访问商品'],
  search: ['search', 'query', 'searched', 'search query',
    '搜索', '查询'],
  cart: ['cart', 'add to cart', 'addtocart', 'add_to_cart', 'add-to-cart', 'addtobasket', 'add to basket', 'atc',
    'carted', 'cart add',
    '加购', '加入购物车', '加购物车', '购物车'],
  remove_from_cart: ['remove from cart', 'removefromcart', 'remove_from_cart', 'cart remove', 'remove',
    '移出购物车', '删除购物车', '取消加购'],
  purchase: ['purchase', 'buy', 'order', 'transaction', 'purchased', 'bought', 'order completed', 'ordered',
    '购买', '下单', '支付', '成交', '付款'],
  favorite: ['favorite', 'favourite', 'fav', 'wishlist', 'add to wishlist', 'like', 'collect', 'save',
    '收藏', '加收藏', '心愿单'],
});

const readEventType = memoize<string>((_raw, trimmed) => eventTypes.get(keyOf(trimmed)) ?? trimmed.toLowerCase());

/** A canonical event type (view, search, cart, remove_from_cart, purchase, favorite), else the lower-cased text. */
export function parseEventType(cell: Cell): Parsed<string> {
  if (typeof cell === 'string') return readEventType(cell);
  if (typeof cell === 'number') return readEventType(String(cell));
  if (cell === null) return null;
  return failure('not an event type', cell);
}
