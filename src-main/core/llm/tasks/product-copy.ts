// Product copy: a description and selling points written from the product's facts and the segments that buy it
// (productGrounding), kept in `product_copy`, one per product.
import type { Db } from '../../db/workspace.ts';
import { UserError } from '../../jobs/context.ts';
import { productGrounding } from '../grounding.ts';
import type { LlmRuntime } from '../runtime.ts';
import { LIMITS, productCopySchema, type ProductCopy } from './schemas.ts';
import { askStructured, cleanLines, modelLabel, mustFit, type TaskLanguage } from './structured.ts';

export interface ProductCopyRequest {
  /** The product's SKU or workspace id. */
  product: string | number;
  language?: TaskLanguage;
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

export interface ProductCopyRecord {
  productId: number;
  sku: string;
  copy: ProductCopy;
  language: TaskLanguage;
  model: string;
  /** Unix seconds. */
  createdAt: number;
}

const SYSTEM: Record<TaskLanguage, string> = {
  en: [
    'You are a copywriter for an online shop. From the product facts below, write its shop page copy, as JSON with:',
    `- description: a short description of the product (at most ${LIMITS.description} characters)`,
    `- sellingPoints: 2 to ${LIMITS.sellingPoints} selling points (each at most ${LIMITS.sellingPoint} characters)`,
    'Speak to the customer segments that buy it. Use only the facts given; do not invent prices or discounts.',
    'Write in English.',
  ].join('\n'),
  zh: [
    '你是一家网店的文案撰写人。根据下面的商品事实，为商品页写文案，输出 JSON，字段如下：',
    `- description：商品的简短描述（不超过${LIMITS.description}个字）`,
    `- sellingPoints：2到${LIMITS.sellingPoints}个卖点（每个不超过${LIMITS.sellingPoint}个字）`,
    '面向购买它的客户分群来写。只使用给出的事实，不要编造价格或折扣。',
    '使用简体中文。',
  ].join('\n'),
};

/** The product with this SKU (or workspace id); UserError when there is none. */
export function findProduct(db: Db, product: string | number): { id: number; sku: string } {
  const row = db
    .prepare(`SELECT id, sku FROM products WHERE ${typeof product === 'number' ? 'id' : 'sku'} = ?`)
    .get(product) as { id: number; sku: string } | undefined;
  if (!row) throw new UserError(`No product "${product}" in this workspace`);
  return row;
}

/** Writes (or rewrites) the copy of one product and returns it as stored. */
export async function generateProductCopy(
  db: Db,
  runtime: LlmRuntime,
  request: ProductCopyRequest,
): Promise<ProductCopyRecord> {
  const language = request.language ?? 'zh';
  const row = findProduct(db, request.product);
  const model = modelLabel(runtime);
  const grounding = productGrounding(db, row.id);
  const { value } = await askStructured(
    runtime,
    productCopySchema,
    {
      system: `${SYSTEM[language]}\n\n${language === 'zh' ? '事实：' : 'Facts:'}\n${grounding.text}`,
      user: language === 'zh' ? '请写出商品文案。' : 'Write the product copy.',
    },
    {
      language,
      ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    },
  );
  const copy = mustFit(productCopySchema.validate, {
    description: value.description.trim(),
    sellingPoints: cleanLines(value.sellingPoints),
  });
  const createdAt = Math.floor(Date.now() / 1000);
  db.prepare(
    `INSERT INTO product_copy (product_id, copy, language, model, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (product_id) DO UPDATE SET copy = excluded.copy, language = excluded.language,
       model = excluded.model, created_at = excluded.created_at`,
  ).run(row.id, JSON.stringify(copy), language, model, createdAt);
  return { productId: row.id, sku: row.sku, copy, language, model, createdAt };
}

/** The stored copy of a product (SKU or id), or null when none was written or it no longer fits the schema. */
export function readProductCopy(db: Db, product: string | number): ProductCopyRecord | null {
  const row = db
    .prepare(
      `SELECT p.id AS productId, p.sku, c.copy, c.language, c.model, c.created_at AS createdAt
         FROM product_copy c JOIN products p ON p.id = c.product_id
        WHERE ${typeof product === 'number' ? 'p.id' : 'p.sku'} = ?`,
    )
    .get(product) as (Omit<ProductCopyRecord, 'copy'> & { copy: string }) | undefined;
  if (!row) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(row.copy);
  } catch {
    return null;
  }
  const checked = productCopySchema.validate.safeParse(parsed);
  return checked.success ? { ...row, copy: checked.data } : null;
}
