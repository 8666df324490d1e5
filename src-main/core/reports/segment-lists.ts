/**
 * What to promote to each RFM segment: item-kNN scores summed over the
 * segment's members (the same model as `recommend for --segment`), fitted
 * once for all segments instead of once per segment.
 */
import type { Db } from '../db/workspace.ts';
import type { RfmJobResult } from '../analytics/jobs.ts';
import { computeRfm } from '../analytics/rfm.ts';
import { buildMatrix, loadInteractions } from '../recommend/implicit/interactions.ts';
import { fitItemKnn } from '../recommend/implicit/item-knn.ts';
import { fitPopularity } from '../recommend/implicit/popularity.ts';
import { ImplicitRecommender } from '../recommend/implicit/recommend.ts';

export interface SegmentList {
  segment: string;
  customers: number;
  items: { sku: string; title: string | null; score: number }[];
}

export function segmentRecommendations(db: Db, rfmRun: RfmJobResult, n: number): SegmentList[] {
  const log = loadInteractions(db);
  if (log.itemIds.length === 0) return [];
  const matrix = buildMatrix(log);
  const rec = new ImplicitRecommender(
    matrix,
    fitItemKnn(matrix, { neighbours: Math.max(50, n) }),
    fitPopularity(matrix),
  );
  // Membership as of the stored run, so the lists match the segment table above them.
  const rfm = computeRfm(db, { asOf: rfmRun.asOf, windowDays: rfmRun.windowDays });
  const names = rfmRun.segments.filter((s) => s.customers > 0).map((s) => s.segment);
  const index = new Map(names.map((name, i) => [name, i]));
  const segmentOfCustomer = new Map(rfm.customers.map((c) => [c.customerId, index.get(c.segment) ?? -1]));
  const segmentOf = Int32Array.from(log.userIds, (id) => segmentOfCustomer.get(id) ?? -1);
  const lists = rec.bySegment(segmentOf, names.length, n);
  const product = db.prepare('SELECT sku, title FROM products WHERE id = ?');
  return names.map((segment, s) => ({
    segment,
    customers: rfmRun.segments.find((x) => x.segment === segment)?.customers ?? 0,
    items: (lists[s] ?? []).map((r) => ({
      ...(product.get(log.itemIds[r.item]!) as { sku: string; title: string | null }),
      score: r.score,
    })),
  }));
}
