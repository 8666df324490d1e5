/**
 * Mapping suggestions for exports this importer has no preset for. Headers of Etsy's "sold order items" and
 * eBay's orders report (as the platforms name their columns): a column whose name merely contains a field's
 * word must not be taken for that field when the rest of the name says otherwise ("Date Paid" is no amount,
 * "Ship State" no order status, "Order Sales Tax" no order total, "Payment Type" no amount).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectKind, suggestMapping } from '../src-main/core/import/fields.ts';
import { runImport } from '../src-main/core/import/importer.ts';
import { matchPreset } from '../src-main/core/import/presets.ts';
import { previewImport } from '../src-main/core/import/preview.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

const etsy = [
  'Sale Date', 'Item Name', 'Buyer', 'Quantity', 'Price', 'Coupon Code', 'Coupon Details', 'Discount Amount',
  'Shipping Discount', 'Order Shipping', 'Order Sales Tax', 'Item Total', 'Currency', 'Transaction ID', 'Listing ID',
  'Date Paid', 'Date Shipped', 'Ship Name', 'Ship Address1', 'Ship City', 'Ship State', 'Ship Zipcode',
  'Ship Country', 'Order ID', 'Variations', 'Order Type', 'Listings Type', 'Payment Type', 'SKU',
]; // prettier-ignore

const ebay = [
  'Sales Record Number', 'Order Number', 'Buyer Username', 'Buyer Name', 'Buyer Email', 'Item Number', 'Item Title',
  'Custom Label', 'Quantity', 'Sold For', 'Total Price', 'Sale Date', 'Paid On Date', 'Ship To Country',
]; // prettier-ignore

/** The mapped columns only, column → field. */
const mapped = (header: string[]) => {
  const kind = detectKind(header);
  expect(kind).toBe('order-lines');
  return Object.fromEntries(Object.entries(suggestMapping(header, kind!)).filter(([, f]) => f !== null));
};

describe('mapping suggestions for unseen exports', () => {
  it("takes Etsy's sold order items as order lines, leaving dates, address parts and other charges alone", () => {
    expect(mapped(etsy)).toEqual({
      'Sale Date': 'date',
      'Item Name': 'title',
      Buyer: 'customer',
      Quantity: 'quantity',
      Price: 'unit_price',
      'Coupon Code': 'coupon',
      'Discount Amount': 'discount',
      'Item Total': 'line_amount',
      'Ship Name': 'customer_name',
      'Ship Address1': 'address',
      'Ship City': 'city',
      'Ship Country': 'country',
      'Order ID': 'order_id',
      SKU: 'product',
    });
  });

  it("takes eBay's orders report with the seller's SKU (Custom Label) and the price an item sold for", () => {
    expect(mapped(ebay)).toEqual({
      'Order Number': 'order_id',
      'Buyer Username': 'customer',
      'Buyer Name': 'customer_name',
      'Buyer Email': 'email',
      'Item Title': 'title',
      'Custom Label': 'product',
      Quantity: 'quantity',
      'Sold For': 'unit_price',
      'Total Price': 'amount',
      'Sale Date': 'date',
      'Ship To Country': 'country',
    });
  });

  it('still finds what such words do not rule out', () => {
    const header = ['Order ID', 'SKU', 'Qty', 'Unit Price', 'Order Total (incl. VAT)', 'shipping_limit_date'];
    expect(suggestMapping(header, 'order-lines')).toMatchObject({
      'Order Total (incl. VAT)': 'amount',
      shipping_limit_date: 'date',
    });
    // A bare "Tax" or "Payment Method" is no order total, even with nothing else to take.
    expect(suggestMapping(['Order ID', 'Customer', 'Order Date', 'Sales Tax', 'Payment Method'], 'orders')).toEqual({
      'Order ID': 'order_id',
      Customer: 'customer',
      'Order Date': 'date',
      'Sales Tax': null,
      'Payment Method': null,
    });
  });
});

describe('an eBay-style report end to end', () => {
  const ws = tempWorkspace();
  afterAll(() => ws.cleanup());

  it('imports the item prices and "Mar-01-24" dates, and reports the summary lines at the end as bad rows', async () => {
    const file = join(ws.dir, 'ebay.csv');
    writeFileSync(
      file,
      [
        ebay.join(','),
        '1001,12-34567-89012,buyer_a,Ann A,ann@example.com,123456789012,Vintage Lamp,LAMP-01,1,$45.00,$52.99,Mar-01-24,Mar-01-24,United States',
        '1002,12-34567-89013,buyer_b,Ben B,ben@example.com,123456789013,Brass Hook,HOOK-02,3,$4.00,$15.49,Mar-02-24,Mar-02-24,United Kingdom',
        '',
        '2 record(s) downloaded,,,,,,,,,,,,,',
        'Seller ID : myshop,,,,,,,,,,,,,',
      ].join('\n'),
    );
    const r = await runImport(ws.db, { path: file }, testContext(ws.path));
    expect(r.kind).toBe('order-lines');
    expect(r.rowsImported).toBe(2);
    expect(r.rowsRejected).toBe(2);
    const lines = ws.db
      .prepare(
        `SELECT p.sku, i.quantity, i.unit_price AS price, o.amount, date(o.placed_at, 'unixepoch') AS day
           FROM order_items i JOIN products p ON p.id = i.product_id JOIN orders o ON o.id = i.order_id ORDER BY p.sku`,
      )
      .all();
    expect(lines).toEqual([
      { sku: 'HOOK-02', quantity: 3, price: 4, amount: 15.49, day: '2024-03-02' },
      { sku: 'LAMP-01', quantity: 1, price: 45, amount: 52.99, day: '2024-03-01' },
    ]);
  });
});

describe("Amazon's All Orders report", () => {
  const ws = tempWorkspace();
  afterAll(() => ws.cleanup());

  it('reads item-price as the line total for its quantity, not as a unit price', async () => {
    const header = [
      'amazon-order-id', 'merchant-order-id', 'purchase-date', 'last-updated-date', 'order-status',
      'fulfillment-channel', 'sales-channel', 'product-name', 'sku', 'asin', 'item-status', 'quantity', 'currency',
      'item-price', 'item-tax', 'shipping-price', 'item-promotion-discount', 'ship-city', 'ship-state', 'ship-country',
    ]; // prettier-ignore
    const row = (order: string, status: string, name: string, sku: string, qty: number, price: string, promo: string) =>
      [order, '', '2024-03-01T14:05:00+00:00', '2024-03-02T10:00:00+00:00', status, 'Amazon', 'Amazon.com', name, sku,
        `B0${sku}`, status, qty, 'USD', price, '0.00', '0.00', promo, 'PORTLAND', 'OR', 'US'].join('\t'); // prettier-ignore
    const file = join(ws.dir, 'all-orders.txt');
    writeFileSync(
      file,
      [
        header.join('\t'),
        row('111-1234567-1234567', 'Shipped', 'Blue Mug', 'MUG-BLU', 2, '36.00', '-3.60'),
        row('111-1234567-1234567', 'Shipped', 'Red Mug', 'MUG-RED', 1, '18.00', '0'),
        row('222-7654321-7654321', 'Cancelled', 'Napkins', 'NAP-4', 0, '', ''),
      ].join('\n'),
    );
    const r = await runImport(ws.db, { path: file }, testContext(ws.path));
    expect(r.rowsImported).toBe(2);
    expect(r.errors).toEqual([{ line: 4, column: 'quantity', reason: expect.stringMatching(/quantity is 0/) }]);
    const lines = ws.db
      .prepare(
        `SELECT p.sku, i.quantity, i.unit_price AS price, o.amount, o.discount
           FROM order_items i JOIN products p ON p.id = i.product_id JOIN orders o ON o.id = i.order_id ORDER BY p.sku`,
      )
      .all();
    expect(lines).toEqual([
      { sku: 'MUG-BLU', quantity: 2, price: 18, amount: 54, discount: 0 },
      { sku: 'MUG-RED', quantity: 1, price: 18, amount: 54, discount: 0 },
    ]);
  });
});

describe('Chinese platform exports without a preset', () => {
  it("takes Douyin's order export without mistaking the buyer's message for the buyer", () => {
    const header = ['主订单编号', '子订单编号', '选购商品', '商品数量', '商品ID', '商品单价', '订单应付金额', '运费',
      '优惠总金额', '支付方式', '收件人', '收件人手机号', '详细地址', '买家留言', '订单提交时间', '流量来源', '订单状态']; // prettier-ignore
    expect(detectKind(header)).toBe('order-lines');
    const m = suggestMapping(header, 'order-lines');
    expect(m).toMatchObject({
      主订单编号: 'order_id',
      商品ID: 'product',
      商品单价: 'unit_price',
      订单应付金额: 'amount',
    });
    expect(m['买家留言']).toBeNull();
  });

  it("reads JD's order export as order lines: 京东价 is the unit price, 下单帐号 the buyer", () => {
    const header = ['订单号', '商品ID', '商品名称', '订购数量', '支付方式', '下单时间', '京东价', '订单金额', '订单状态',
      '下单帐号', '客户姓名', '联系电话', '运费金额']; // prettier-ignore
    expect(detectKind(header)).toBe('order-lines');
    expect(suggestMapping(header, 'order-lines')).toMatchObject({
      订单号: 'order_id',
      商品ID: 'product',
      订购数量: 'quantity',
      下单时间: 'date',
      京东价: 'unit_price',
      订单金额: 'amount',
      下单帐号: 'customer',
      运费金额: null,
    });
  });
});

describe('more exports', () => {
  it("takes Shopee's order export with the deal price (not the original) and the receiver's name", () => {
    const header = ['Order ID', 'Order Status', 'Order Creation Date', 'Product Name', 'SKU Reference No.',
      'Variation Name', 'Original Price', 'Deal Price', 'Quantity', 'Product Subtotal', 'Total Discount',
      'Buyer Paid Shipping Fee', 'Grand Total', 'Username (Buyer)', 'Receiver Name', 'Phone Number']; // prettier-ignore
    expect(detectKind(header)).toBe('order-lines');
    expect(suggestMapping(header, 'order-lines')).toMatchObject({
      'SKU Reference No.': 'product',
      'Variation Name': null,
      'Original Price': null,
      'Deal Price': 'unit_price',
      'Total Discount': 'discount',
      'Buyer Paid Shipping Fee': null,
      'Grand Total': 'amount',
      'Username (Buyer)': 'customer',
      'Receiver Name': 'customer_name',
    });
  });

  it('never takes an amount of discount for the order total', () => {
    expect(suggestMapping(['Order ID', 'Date', 'Cart Discount Amount'], 'orders')['Cart Discount Amount']).toBe(
      'discount',
    );
    expect(suggestMapping(['订单号', '下单时间', '优惠总金额'], 'orders')['优惠总金额']).toBe('discount');
    expect(suggestMapping(['订单号', '下单时间', '优惠金额', '订单总金额'], 'orders')).toMatchObject({
      优惠金额: 'discount',
      订单总金额: 'amount',
    });
  });

  it('recognizes a WooCommerce order export and reads Item Cost as the unit price', () => {
    const header = ['Order ID', 'Order Number', 'Order Status', 'Order Date', 'Email (Billing)', 'Cart Discount Amount',
      'Order Subtotal Amount', 'Order Total Amount', 'SKU', 'Item Name', 'Quantity (- Refund)', 'Item Cost']; // prettier-ignore
    const preset = matchPreset(header, 'auto');
    expect(preset?.name).toBe('WooCommerce order export');
    expect(preset?.mapping).toMatchObject({
      'Order Number': 'order_id',
      'Order Subtotal Amount': null,
      'Order Total Amount': 'amount',
      'Cart Discount Amount': 'discount',
      'Quantity (- Refund)': 'quantity',
      'Item Cost': 'unit_price',
    });
  });
});

it("maps Shopify's customer export: the first address line, not the company", () => {
  const header = ['Customer ID', 'First Name', 'Last Name', 'Email', 'Default Address Company',
    'Default Address Address1', 'Default Address Address2', 'Default Address City', 'Default Address Country Code',
    'Phone', 'Total Spent', 'Tags']; // prettier-ignore
  expect(detectKind(header)).toBe('customers');
  expect(suggestMapping(header, 'customers')).toMatchObject({
    'Customer ID': 'customer',
    Email: 'email',
    'Default Address Company': null,
    'Default Address Address1': 'address',
    'Default Address City': 'city',
    'Default Address Country Code': 'country',
    Phone: 'phone',
    Tags: 'interests',
  });
});

describe('a suggestion the values contradict', () => {
  const ws = tempWorkspace();
  afterAll(() => ws.cleanup());
  const superstore = [
    'Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,Customer Name,Segment,Country,City,State,Postal Code,Region,Product ID,Category,Sub-Category,Product Name,Sales,Quantity,Discount,Profit',
    '1,CA-2016-152156,11/8/2016,11/11/2016,Second Class,CG-12520,Claire Gute,Consumer,United States,Henderson,Kentucky,42420,South,FUR-BO-10001798,Furniture,Bookcases,Bush Somerset Collection Bookcase,261.96,2,0,41.9136',
    '2,CA-2016-152156,11/8/2016,11/11/2016,Second Class,CG-12520,Claire Gute,Consumer,United States,Henderson,Kentucky,42420,South,FUR-CH-10000454,Furniture,Chairs,"Hon Deluxe Fabric Upholstered Stacking Chairs, Rounded Back",731.94,3,0,219.582',
    '3,CA-2016-138688,6/12/2016,6/16/2016,Second Class,DV-13045,Darrin Van Huff,Corporate,United States,Los Angeles,California,90036,West,OFF-LA-10000240,Office Supplies,Labels,Self-Adhesive Address Labels,14.62,2,0,6.8714',
  ].join('\n');

  it('imports Sample Superstore: its "State" of US states is no order status, its "Sales" the line amount', async () => {
    const file = join(ws.dir, 'superstore.csv');
    writeFileSync(file, superstore);
    const preview = await previewImport(ws.db, { path: file });
    expect(preview.kind).toBe('order-lines');
    expect(preview.mapping).toMatchObject({ State: null, Sales: 'line_amount', 'Product ID': 'product' });
    expect(preview.rows).toHaveLength(3);
    const r = await runImport(ws.db, { path: file }, testContext(ws.path));
    expect(r.rowsImported).toBe(3);
    const orders = ws.db.prepare('SELECT external_id, amount, status FROM orders ORDER BY external_id').all();
    expect(orders).toEqual([
      { external_id: 'CA-2016-138688', amount: 14.62, status: 'completed' },
      { external_id: 'CA-2016-152156', amount: 993.9, status: 'completed' },
    ]);
  });

  it('leaves a column the user mapped alone, even when its values fail (they are then reported)', async () => {
    const file = join(ws.dir, 'superstore-mapped.csv');
    writeFileSync(file, superstore.replaceAll('CA-2016-', 'CB-2016-'));
    const r = await runImport(ws.db, { path: file, map: { State: 'status' } }, testContext(ws.path));
    expect(r.rowsImported).toBe(0);
    expect(r.errors[0]?.reason).toMatch(/unknown order status: "Kentucky"/);
  });
});

it('maps the public Amazon review dumps (reviewerID, asin, overall) as reviews with their buyer, product and stars', () => {
  const header = [
    'reviewerID',
    'asin',
    'reviewerName',
    'helpful',
    'reviewText',
    'overall',
    'summary',
    'unixReviewTime',
    'reviewTime',
  ];
  expect(detectKind(header)).toBe('reviews');
  expect(suggestMapping(header, 'reviews')).toMatchObject({
    reviewerID: 'customer',
    asin: 'product',
    reviewText: 'text',
    overall: 'rating',
    unixReviewTime: 'date',
  });
});

it("maps Olist's review file: the message is the review, not its id or score, and its title names no product", () => {
  const header = ['review_id', 'order_id', 'review_score', 'review_comment_title', 'review_comment_message',
    'review_creation_date', 'review_answer_timestamp']; // prettier-ignore
  expect(detectKind(header)).toBe('reviews');
  expect(suggestMapping(header, 'reviews')).toMatchObject({
    review_id: null,
    review_score: 'rating',
    review_comment_title: null,
    review_comment_message: 'text',
    review_creation_date: 'date',
  });
});

it("maps the REES46 multi-category store events: the readable category code, not the category's id", () => {
  const header = ['event_time', 'event_type', 'product_id', 'category_id', 'category_code', 'brand', 'price', 'user_id',
    'user_session']; // prettier-ignore
  expect(detectKind(header)).toBe('events');
  expect(suggestMapping(header, 'events')).toMatchObject({
    event_time: 'date',
    event_type: 'type',
    product_id: 'product',
    category_id: null,
    category_code: 'category',
    user_id: 'customer',
    user_session: 'session',
  });
});

it('does not take a wide customer-profile table (Customer Personality Analysis) for a product list', () => {
  const header = ['ID', 'Year_Birth', 'Education', 'Marital_Status', 'Income', 'Dt_Customer', 'Recency', 'MntWines',
    'MntMeatProducts', 'NumWebPurchases', 'Z_CostContact', 'Response']; // prettier-ignore
  // "MntMeatProducts" (money spent on meat) names no product; its bare "ID" is the customer's, as in any customer list.
  expect(detectKind(header)).toBe('customers');
  expect(suggestMapping(header, 'customers')).toMatchObject({
    ID: 'customer',
    Year_Birth: 'birth_year',
    Dt_Customer: 'signup_at',
  });
});
