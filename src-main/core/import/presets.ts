/**
 * Mappings for the exports of common shop platforms, recognized by columns no
 * other layout has. They settle what header names alone cannot: Shopify's
 * "Name" is the order number, its "Total" the order's paid amount and
 * "Subtotal" is not a line amount; Amazon's "item-price" is a line amount.
 */
import { normalizeHeader, type FieldName, type ImportKind, type Mapping } from './fields.ts';

interface Preset {
  name: string;
  kind: ImportKind;
  /** Normalized headers that must all be present. */
  signature: string[];
  /** Normalized header → field. */
  fields: Record<string, FieldName>;
}

const presets: Preset[] = [
  {
    name: 'Shopify orders export',
    kind: 'order-lines',
    signature: ['name', 'financialstatus', 'lineitemquantity', 'lineitemprice', 'createdat'],
    fields: {
      name: 'order_id',
      email: 'email',
      financialstatus: 'status',
      createdat: 'date',
      total: 'amount',
      discountcode: 'coupon',
      discountamount: 'discount',
      lineitemquantity: 'quantity',
      lineitemname: 'title',
      lineitemprice: 'unit_price',
      lineitemsku: 'product',
      billingname: 'customer_name',
      billingaddress1: 'address',
      billingcity: 'city',
      billingcountry: 'country',
      billingphone: 'phone',
      source: 'channel',
    },
  },
  {
    // WooCommerce orders as the "Advanced Order Export For WooCommerce" plugin writes them by default, one row
    // per item: "Item Cost" is the item's unit price, "Order Subtotal Amount" the order's goods before discount.
    name: 'WooCommerce order export',
    kind: 'order-lines',
    signature: ['ordernumber', 'orderstatus', 'orderdate', 'itemcost', 'ordertotalamount'],
    fields: {
      ordernumber: 'order_id',
      orderstatus: 'status',
      orderdate: 'date',
      customeruserid: 'customer',
      emailbilling: 'email',
      phonebilling: 'phone',
      citybilling: 'city',
      countrycodebilling: 'country',
      cartdiscountamount: 'discount',
      ordertotalamount: 'amount',
      couponcode: 'coupon',
      sku: 'product',
      itemname: 'title',
      quantityrefund: 'quantity',
      quantity: 'quantity',
      itemcost: 'unit_price',
    },
  },
  {
    // Seller Central's "All Orders" report (tab-separated). Its item-price is the line's price for the whole
    // quantity, not a unit price; its promotion discounts are per line and negative, so they are left out
    // rather than taken as an order discount. The report names no buyer.
    name: 'Amazon All Orders report',
    kind: 'order-lines',
    signature: ['amazonorderid', 'purchasedate', 'itemprice', 'asin'],
    fields: {
      amazonorderid: 'order_id',
      purchasedate: 'date',
      orderstatus: 'status',
      saleschannel: 'channel',
      productname: 'title',
      sku: 'product',
      quantity: 'quantity',
      itemprice: 'line_amount',
      shipcity: 'city',
      shipcountry: 'country',
    },
  },
];

export interface PresetMatch {
  name: string;
  kind: ImportKind;
  mapping: Mapping;
}

export function matchPreset(header: readonly string[], kind: ImportKind | 'auto'): PresetMatch | null {
  const normalized = header.map(normalizeHeader);
  const present = new Set(normalized);
  for (const preset of presets) {
    if (kind !== 'auto' && kind !== preset.kind) continue;
    if (!preset.signature.every((h) => present.has(h))) continue;
    const mapping: Mapping = {};
    const used = new Set<FieldName>();
    header.forEach((column, i) => {
      const field = preset.fields[normalized[i] ?? ''] ?? null;
      // A field from one column only: the first of two spellings the preset knows ("Quantity (- Refund)", "Quantity").
      mapping[column] = field && !used.has(field) ? field : null;
      if (field) used.add(field);
    });
    return { name: preset.name, kind: preset.kind, mapping };
  }
  return null;
}
