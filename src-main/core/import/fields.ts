/**
 * The data model's import fields, what each kind of file may carry, and the
 * header names (Chinese and English) merchants' exports use for them.
 */

export const importKinds = [
  'order-lines',
  'orders',
  'customers',
  'products',
  'events',
  'ratings',
  'reviews',
  'campaigns',
] as const;
export type ImportKind = (typeof importKinds)[number];

export type FieldType =
  'id' | 'text' | 'money' | 'number' | 'integer' | 'date' | 'gender' | 'status' | 'boolean' | 'arm' | 'event-type';

export interface FieldSpec {
  type: FieldType;
  /** Personal data that is pseudonymized at import unless the user opts in to keep it. */
  pii?: boolean;
  /** Header names, compared after `normalizeHeader`. */
  synonyms: string[];
}

// prettier-ignore
export const fields = {
  order_id: {
    type: 'id',
    synonyms: ['orderid', 'order', 'orderno', 'ordernumber', 'invoiceno', 'invoice', 'invoiceid', 'invoicenumber',
      'transactionid', 'purchaseid', 'basketid', 'basket', '订单编号', '订单号', '订单id', '主订单编号', '单号', '交易号',
      '订单'],
  },
  customer: {
    type: 'id',
    synonyms: ['customerid', 'customer', 'custid', 'userid', 'user', 'buyerid', 'buyer', 'memberid', 'member',
      'clientid', 'accountid', 'customerno', 'customernumber', 'reviewerid', 'householdkey', 'householdid', 'household',
      '买家会员名', '买家id', '买家账号', '会员id', '会员名',
      '会员编号', '用户id', '客户id', '客户编号', '顾客id', '下单帐号', '下单账号', '用户账号', '买家'],
  },
  customer_name: {
    type: 'text',
    pii: true,
    synonyms: ['customername', 'name', 'fullname', 'buyername', 'recipient', 'recipientname', 'receivername',
      'consignee', 'shippingname',
      '收货人姓名', '收货人', '姓名', '客户名称', '客户姓名', '买家姓名'],
  },
  // A name split in two is joined "First Last" (姓名 for Chinese) before it is pseudonymized: name-parts.ts.
  first_name: { type: 'text', pii: true, synonyms: ['firstname', 'givenname', 'forename', '名'] },
  last_name: { type: 'text', pii: true, synonyms: ['lastname', 'familyname', 'surname', '姓'] },
  phone: {
    type: 'text',
    pii: true,
    synonyms: ['phone', 'mobile', 'tel', 'telephone', 'phonenumber', 'mobilephone', 'cellphone', '手机', '手机号',
      '手机号码', '联系电话', '电话', '联系手机'],
  },
  email: { type: 'text', pii: true, synonyms: ['email', 'emailaddress', 'mail', '邮箱', '电子邮件', '电子邮箱'] },
  address: {
    type: 'text',
    pii: true,
    // The first line before a bare "address": "Default Address Address1", not "Default Address Company".
    synonyms: ['address1', 'addressline1', 'address', 'shippingaddress', 'street', 'streetaddress', 'deliveryaddress',
      '收货地址', '地址', '详细地址'],
  },
  gender: { type: 'gender', synonyms: ['gender', 'sex', '性别'] },
  birth_year: { type: 'integer', synonyms: ['birthyear', 'yearofbirth', 'yearbirth', 'born', '出生年份', '出生年'] },
  age: { type: 'integer', synonyms: ['age', '年龄'] },
  city: { type: 'text', synonyms: ['city', 'town', '城市', '所在城市', '收货城市', '市'] },
  country: { type: 'text', synonyms: ['country', 'countryname', 'nation', '国家', '国家地区'] },
  occupation: { type: 'text', synonyms: ['occupation', 'job', 'profession', 'jobtitle', '职业'] },
  interests: { type: 'text', synonyms: ['interests', 'interest', 'hobbies', 'hobby', 'tags', '兴趣', '爱好', '兴趣爱好', '标签'] },
  signup_at: {
    type: 'date',
    synonyms: ['signupdate', 'signup', 'signupat', 'signuptime', 'registeredat', 'registrationdate', 'registerdate',
      'joindate', 'joined', 'membersince', 'customersince', 'dtcustomer', '注册时间', '注册日期', '入会时间'],
  },
  product: {
    type: 'id',
    synonyms: ['sku', 'customlabel', 'skureferenceno', 'stockcode', 'productid', 'product', 'itemid', 'item',
      'productcode', 'goodsid', 'skuid', 'itemcode', 'movieid', 'asin', '商品编号', '商品id', '宝贝id', '商家编码', '货号',
      '商品编码', 'sku编码', '商品'],
  },
  title: {
    type: 'text',
    synonyms: ['description', 'productname', 'title', 'itemname', 'goodsname', 'productdescription', 'producttitle',
      '商品名称', '宝贝标题', '商品标题', '标题', '品名', '商品描述'],
  },
  category: {
    type: 'text',
    synonyms: ['category', 'productcategory', 'categoryname', 'department', '类目', '商品类目', '分类', '品类', '商品分类'],
  },
  price: {
    type: 'money',
    synonyms: ['price', 'listprice', 'unitprice', 'saleprice', 'retailprice', '价格', '售价', '单价', '商品价格', '标价'],
  },
  cost: { type: 'money', synonyms: ['cost', 'costprice', 'unitcost', '成本', '成本价', '进价'] },
  stock: { type: 'integer', synonyms: ['stock', 'inventory', 'onhand', 'stockqty', 'stocklevel', '库存', '库存数量', '库存量'] },
  date: {
    type: 'date',
    synonyms: ['invoicedate', 'orderdate', 'date', 'time', 'timestamp', 'createdat', 'ordertime', 'placedat',
      'datetime', 'eventtime', 'purchasedate', 'transactiondate', 'orderpurchasetimestamp', 'purchasetimestamp',
      'purchasetime', 'purchasedat', 'ordercreatedat', 'orderplacedat', 'ratedat', 'reviewdate', 'orderdatetime',
      'transactiondt',
      '下单时间', '订单创建时间', '创建时间', '付款时间', '日期', '时间', '交易时间', '评价时间', '评论时间', '下单日期',
      '购买时间', '行为时间'],
  },
  status: { type: 'status', synonyms: ['status', 'orderstatus', 'state', '订单状态', '状态', '交易状态'] },
  amount: {
    type: 'money',
    synonyms: ['amount', 'total', 'totalamount', 'paid', 'paidamount', 'ordertotal', 'ordervalue', 'payment',
      'grandtotal', 'totalpaid', 'amountpaid', 'sales', 'revenue', 'dollarvalue', 'dollars', '实付金额', '买家实际支付金额', '实收款', '订单金额',
      '总金额', '金额', '支付金额', '实付款', '实际支付金额'],
  },
  discount: { type: 'money', synonyms: ['discount', 'discountamount', '优惠金额', '折扣', '优惠', '折扣金额'] },
  coupon: { type: 'text', synonyms: ['coupon', 'couponcode', 'promocode', 'voucher', 'discountcode', '优惠券', '优惠券码'] },
  channel: { type: 'text', synonyms: ['channel', 'source', 'platform', 'saleschannel', '渠道', '来源', '订单来源', '销售渠道'] },
  quantity: { type: 'number', synonyms: ['quantity', 'qty', 'units', 'count', 'number', '数量', '购买数量', '商品数量', '件数'] },
  unit_price: {
    type: 'money',
    synonyms: ['unitprice', 'price', 'itemprice', 'priceeach', 'soldfor', 'dealprice', '单价', '商品单价', '成交单价', '价格', '成交价',
      '京东价'],
  },
  line_no: {
    type: 'id',
    synonyms: ['orderitemid', 'lineno', 'linenumber', 'lineitemid', 'line', 'itemno', 'position', '行号', '子订单编号', '明细编号'],
  },
  line_amount: {
    type: 'money',
    // "Sales" per line (Sample Superstore) before it can be an order's total: in a file with products it is the line's.
    synonyms: ['lineamount', 'linetotal', 'subtotal', 'itemtotal', 'lineprice', 'sales', 'salesvalue', '小计', '商品总价',
      '商品金额'],
  },
  type: {
    type: 'event-type',
    synonyms: ['eventtype', 'type', 'action', 'behavior', 'behaviour', 'behaviortype', 'event', 'eventname',
      '行为类型', '行为', '事件类型', '事件'],
  },
  visitor: { type: 'id', synonyms: ['visitorid', 'visitor', 'anonymousid', 'cookieid', 'deviceid', '访客id', '访客'] },
  session: { type: 'id', synonyms: ['sessionid', 'session', '会话id', '会话'] },
  query: { type: 'text', synonyms: ['query', 'searchterm', 'searchquery', 'keyword', 'keywords', 'searchtext', '搜索词', '关键词'] },
  rating: {
    type: 'number',
    synonyms: ['rating', 'score', 'stars', 'star', 'rate', 'overall', '评分', '星级', '打分', '评价星级'],
  },
  text: {
    type: 'text',
    synonyms: ['review', 'text', 'comment', 'content', 'reviewtext', 'body', 'reviewbody', 'feedback',
      '评价内容', '评论内容', '评价', '评论', '内容', '买家评价'],
  },
  campaign: { type: 'id', synonyms: ['campaignid', 'campaign', 'campaigncode', '活动id', '活动编号', '活动'] },
  campaign_name: { type: 'text', synonyms: ['campaignname', '活动名称'] },
  sent_at: { type: 'date', synonyms: ['sentat', 'senttime', 'sendtime', 'sentdate', 'contactedat', '发送时间', '触达时间'] },
  arm: { type: 'arm', synonyms: ['arm', 'group', 'variant', 'treatment', 'testgroup', 'cohort', '分组', '组别'] },
  responded: { type: 'boolean', synonyms: ['responded', 'response', 'converted', 'conversion', '是否响应', '响应', '是否转化'] },
} satisfies Record<string, FieldSpec>;

export type FieldName = keyof typeof fields;
export const fieldNames = Object.keys(fields) as FieldName[];

/** Names accepted in `--columns` / `--map` besides the field names themselves. */
export const fieldAliases: Record<string, FieldName> = {
  user: 'customer',
  user_id: 'customer',
  customer_id: 'customer',
  item: 'product',
  item_id: 'product',
  sku: 'product',
  product_id: 'product',
  timestamp: 'date',
  time: 'date',
  placed_at: 'date',
  order: 'order_id',
  invoice: 'order_id',
  name: 'customer_name',
  description: 'title',
  price_each: 'unit_price',
  review: 'text',
};

export interface KindSpec {
  fields: FieldName[];
  /** Each inner list is satisfied when any one of its fields is mapped. */
  required: FieldName[][];
  /** What every row must hold, where that is less than the columns required (default: `required`). */
  rowRequired?: FieldName[][];
}

// prettier-ignore
const customerProfile: FieldName[] = [
  'customer_name', 'first_name', 'last_name', 'phone', 'email', 'address', 'gender', 'birth_year', 'age', 'city',
  'country', 'occupation', 'interests', 'signup_at',
];

// prettier-ignore
export const kinds: Record<ImportKind, KindSpec> = {
  'order-lines': {
    fields: ['order_id', 'product', 'quantity', 'unit_price', 'line_amount', 'line_no', 'date', 'customer', 'title',
      'category', 'status', 'amount', 'discount', 'coupon', 'channel', ...customerProfile],
    // Order-level fields (date, total, customer) often stand on an order's first line only (Shopify):
    // the writer asks for the date when it first meets an order. No quantity column means one unit a line.
    required: [['order_id'], ['product', 'title'], ['date'], ['unit_price', 'line_amount']],
    rowRequired: [['order_id'], ['product', 'title']],
  },
  orders: {
    fields: ['order_id', 'customer', 'date', 'status', 'amount', 'quantity', 'discount', 'coupon', 'channel', ...customerProfile],
    // Without an order id (CDNOW-style transaction logs) the id is derived from the row;
    // without an amount (Olist's orders file) the amount comes from the order lines.
    required: [['order_id', 'customer'], ['date']],
  },
  customers: { fields: ['customer', ...customerProfile], required: [['customer']] },
  products: { fields: ['product', 'title', 'category', 'price', 'cost', 'stock'], required: [['product']] },
  events: {
    fields: ['customer', 'visitor', 'session', 'date', 'type', 'product', 'category', 'query'],
    required: [['customer', 'visitor'], ['date'], ['type']],
  },
  ratings: { fields: ['customer', 'product', 'rating', 'date'], required: [['customer'], ['product'], ['rating']] },
  reviews: {
    // order_id: a review may name its order instead of the buyer and the product (writers.ts).
    fields: ['customer', 'product', 'rating', 'text', 'date', 'title', 'category', 'order_id'],
    required: [['text'], ['date']],
  },
  campaigns: {
    fields: ['campaign', 'customer', 'campaign_name', 'channel', 'coupon', 'sent_at', 'arm', 'responded', 'order_id'],
    required: [['campaign'], ['customer']],
  },
};

/** Lower-case, full-width folded, without spaces and punctuation: "Order ID" = "order_id" = "ＯｒｄｅｒＩＤ". */
export function normalizeHeader(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-./\\()[\]{}:：#*'"`,;|、（）【】]+/g, '');
}

/** Each field's synonyms normalized once: the mapping is suggested for every kind while a file is planned. */
const normalizedSynonyms = Object.fromEntries(
  fieldNames.map((name) => [name, fields[name].synonyms.map(normalizeHeader)]),
) as Record<FieldName, string[]>;

const synonymIndex: Map<string, FieldName> = new Map();
const exactNames: Map<string, FieldName> = new Map();
for (const name of fieldNames) {
  for (const s of normalizedSynonyms[name]) {
    synonymIndex.set(`${name}:${s}`, name);
    exactNames.set(s, name);
  }
}

/** How many different fields a row of names names exactly: tells a header row from a row of group labels. */
export function namedFieldCount(names: readonly unknown[]): number {
  const found = new Set<FieldName>();
  for (const n of names) {
    const field = n === null || n === undefined ? undefined : exactNames.get(normalizeHeader(String(n)));
    if (field) found.add(field);
  }
  return found.size;
}

/** Resolves a user-typed field name or alias (`--columns`, `--map`); undefined when unknown. */
export function resolveFieldName(name: string): FieldName | undefined {
  const key = name.trim().toLowerCase();
  if (key in fields) return key as FieldName;
  return fieldAliases[key];
}

export type Mapping = Record<string, FieldName | null>;

/**
 * Suggests which field each column holds, for one kind of file. Exact synonym
 * matches win over containment ("订单编号(主)" contains "订单编号"); each field
 * is given to one column only, the first that matches best.
 */
export function suggestMapping(header: readonly string[], kind: ImportKind): Mapping {
  const allowed = kinds[kind].fields;
  const normalized = header.map(normalizeHeader);
  const mapping: Mapping = Object.fromEntries(header.map((h) => [h, null]));
  const taken = new Set<FieldName>();
  const depth = Math.max(...allowed.map((f) => fields[f].synonyms.length));
  // Rank by synonym, then by field: "Order ID" claims order_id before a bare
  // "Name" could, wherever the columns stand in the file.
  const assign = (matches: (column: string, synonym: string, field: FieldName) => boolean) => {
    for (let rank = 0; rank < depth; rank++) {
      for (const field of allowed) {
        const sn = normalizedSynonyms[field][rank];
        if (taken.has(field) || sn === undefined) continue;
        const i = header.findIndex((column, j) => mapping[column] === null && matches(normalized[j] ?? '', sn, field));
        if (i < 0) continue;
        mapping[header[i]!] = field;
        taken.add(field);
      }
    }
  };
  assign((n, sn) => n === sn);
  // A bare "ID" is the id of what the file lists: a customers file's customer, an orders file's order. Before
  // containment, so that "User Name" does not take the customer from it.
  const bareId = bareIdField[kind];
  if (bareId && !taken.has(bareId) && allowed.includes(bareId)) {
    const i = normalized.findIndex((n, j) => n === 'id' && mapping[header[j]!] === null);
    if (i >= 0) {
      mapping[header[i]!] = bareId;
      taken.add(bareId);
    }
  }
  // Containment only for distinctive names: "id" or "名" alone would match everything. An identifier's word
  // stands at either end of the name ("Product ID (SKU)", "子订单编号"), not inside it ("MntMeatProducts").
  assign(
    (n, sn, field) =>
      (sn.length >= 4 || (/[^\x00-\x7f]/.test(sn) && sn.length >= 2)) &&
      (fields[field].type === 'id' ? n.startsWith(sn) || n.endsWith(sn) : n.includes(sn)) &&
      fits(n, field),
  );
  return mapping;
}

/** What a column named just "ID" holds, by kind of file; in other kinds it is left alone. */
const bareIdField: Partial<Record<ImportKind, FieldName>> = { customers: 'customer', orders: 'order_id' };

// Words that say what else a column holds. A name that merely contains a field's synonym is not taken for it
// when it also says it is a date ("Date Paid" is no amount), a part of an address ("Ship State" is no order
// status), another charge ("Order Sales Tax", "Shipping Discount" are neither the total nor the discount) or
// not an amount at all ("Payment Type", "Payment Method"), a discount where the total is sought, or a note
// ("买家留言" is no buyer).
const dateWords = ['date', 'time', '日期', '时间'];
const addressWords = ['ship', 'billing', 'delivery', 'address', 'province', 'postal', 'zip', '收货', '收件', '地址'];
const chargeWords = ['tax', 'vat', 'fee', 'shipping', 'postage', 'freight', 'refund', 'commission'];
const notAmountWords = ['type', 'method', 'status', 'currency', 'number', 'name', '方式', '类型', '状态'];
/** An amount of discount is never the order's total: "Cart Discount Amount", "优惠总金额". */
const discountWords = ['discount', 'coupon', 'promo', 'rebate', '优惠', '折扣', '减免'];
/** A review's body is not its id, score or title ("review_id", "review_score", "review_comment_title"). */
const notBodyWords = ['score', 'rating', 'stars', 'count', 'title', 'subject', 'summary', 'headline'];
const idLike = /(?:id|no|code|number)$/;
const idEnd = /id$/;
/** ...and a review's title is not the product's ("review_comment_title"). */
const reviewWords = ['review', 'comment', '评价', '评论'];
/**
 * A measure of something is no text: "product_description_lenght" (Olist's spelling), "product_photos_qty".
 * ("count" would catch "country" and "account".)
 */
const measureWords = ['length', 'lenght', 'qty', 'weight', 'height', 'width', '长度', '数量', '重量'];
const couponMoneyWords = ['disc', 'amount', 'amt', 'value', 'saving', '金额'];
/** Free text: "买家留言" (the buyer's message) names no buyer. */
const noteWords = ['note', 'message', 'comment', 'remark', 'memo', '留言', '备注', '附言'];
/** "Total (incl. VAT)" is still the total. */
const inclusiveWords = ['incl', 'including', 'with', '含'];
const addressFields: ReadonlySet<FieldName> = new Set([
  'customer_name',
  'first_name',
  'last_name',
  'phone',
  'email',
  'address',
  'city',
  'country',
]);

/** Whether a column whose normalized name contains one of `field`'s synonyms may be taken for it. */
function fits(column: string, field: FieldName): boolean {
  const type: FieldType = fields[field].type;
  const has = (words: readonly string[]) => words.some((w) => column.includes(w));
  // A date says when, whatever it is about: "shipping_limit_date" may still date an order.
  if (type === 'date') return true;
  if (has(dateWords)) return false;
  if (!addressFields.has(field) && has(addressWords)) return false;
  if (type !== 'text' && has(noteWords)) return false;
  // An id is no readable text: "category_id" is not the category when "category_code" names it; a review's body
  // is not even named like a code or number.
  if (type === 'text' && (field === 'text' ? idLike : idEnd).test(column)) return false;
  if (type === 'text' && has(measureWords)) return false;
  if (field === 'text' && has(notBodyWords)) return false;
  if (field === 'title' && has(reviewWords)) return false;
  // A coupon's money is not its code: dunnhumby's "COUPON_DISC", "Coupon Amount".
  if (field === 'coupon' && has(couponMoneyWords)) return false;
  if (type !== 'money') return true;
  if (has(notAmountWords)) return false;
  if (field === 'amount' && has(discountWords)) return false;
  return !has(chargeWords) || has(inclusiveWords);
}

/** Required field groups a mapping leaves unsatisfied, as readable names ("quantity or line_amount"). */
export function missingRequired(mapping: Mapping, kind: ImportKind): string[] {
  const mapped = new Set(Object.values(mapping).filter((f): f is FieldName => f !== null));
  return kinds[kind].required.filter((group) => !group.some((f) => mapped.has(f))).map((group) => group.join(' or '));
}

/**
 * Guesses what a file holds from its header: the kind whose required fields are
 * all present and which explains the most columns. Flat order-line exports win
 * over orders when a product and quantity column exist.
 */
export function detectKind(header: readonly string[]): ImportKind | null {
  let best: { kind: ImportKind; score: number } | null = null;
  let sales: { kind: ImportKind; missing: string[] } | null = null;
  for (const kind of importKinds) {
    const mapping = suggestMapping(header, kind);
    const missing = missingRequired(mapping, kind);
    // A file that names orders and lacks only a date (Instacart, dunnhumby's day numbers) or a price is a sales
    // record all the same: remembered, so that it is not taken for a product or customer list below.
    if (!sales && (kind === 'order-lines' || kind === 'orders') && salesFile(mapping, kind, missing)) {
      sales = { kind, missing };
    }
    if (missing.length > 0) continue;
    // A dated customer list is not an orders file: orders need an order id or an amount to be told apart.
    if (kind === 'orders' && !Object.values(mapping).some((f) => f === 'order_id' || f === 'amount')) continue;
    const mapped = Object.values(mapping).filter((f) => f !== null).length;
    // Prefer the more specific kinds on ties: the order of importKinds is that order.
    const score = mapped * 10 + kinds[kind].required.length;
    if (!best || score > best.score) best = { kind, score };
  }
  // A list would keep the file's products or customers and quietly drop every sale, and orders made up of rows
  // would drop the products of lines that name no order (Ta-Feng): the sales kind is taken instead, and the import
  // says which of its columns is missing.
  const overruled =
    best === null ||
    best.kind === 'products' ||
    best.kind === 'customers' ||
    (best.kind === 'orders' && sales?.kind === 'order-lines' && sales.missing.includes('order_id'));
  if (sales && overruled) return sales.kind;
  return best?.kind ?? null;
}

/**
 * Whether a mapping describes sales, missing at most a date, a price or the order id: it names orders (their id)
 * with their buyer or products, or it has buyers, products and prices or quantities (a till's lines, Ta-Feng).
 */
function salesFile(mapping: Mapping, kind: ImportKind, missing: readonly string[]): boolean {
  const mapped = new Set(Object.values(mapping));
  const lines =
    kind === 'order-lines' &&
    mapped.has('product') &&
    (mapped.has('order_id') ||
      (mapped.has('customer') && ['quantity', 'unit_price', 'line_amount'].some((f) => mapped.has(f as FieldName))));
  const orders = kind === 'orders' && mapped.has('order_id') && mapped.has('customer');
  if (!lines && !orders) return false;
  return missing.every((group) => group === 'date' || group === 'unit_price or line_amount' || group === 'order_id');
}
