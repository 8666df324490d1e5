import type { ImportResult, Stats } from '../core/api/contract.ts';

const money = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function printStats(s: Stats): void {
  const rows: [string, string][] = [
    ['customers', s.customers.toLocaleString('en-US')],
    ['orders (sales)', s.orders.toLocaleString('en-US')],
    ['order lines', s.orderItems.toLocaleString('en-US')],
    ['products', s.products.toLocaleString('en-US')],
    ['revenue', money(s.revenue)],
    ['returns', `${s.returns.toLocaleString('en-US')} (${money(s.returnedAmount)})`],
    ['cancelled orders', s.cancelled.toLocaleString('en-US')],
    ['events', s.events.toLocaleString('en-US')],
    ['ratings', s.ratings.toLocaleString('en-US')],
    ['reviews', s.reviews.toLocaleString('en-US')],
    ['first order', s.firstOrderAt ?? '—'],
    ['last order', s.lastOrderAt ?? '—'],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(18)} ${v}`);
}

export function printImportResult(file: string, r: ImportResult): void {
  console.log(
    `${file}: ${r.kind}, ${r.rowsRead} rows read, ${r.rowsImported} imported, ${r.rowsRejected} rejected in ${r.seconds.toFixed(1)} s`,
  );
  for (const [table, n] of Object.entries(r.tables)) console.log(`  ${table.padEnd(18)} ${n}`);
  for (const e of r.errors.slice(0, 20))
    console.log(`  line ${e.line}${e.column ? ` [${e.column}]` : ''}: ${e.reason}`);
  if (r.errorCount > 20) console.log(`  … ${r.errorCount - 20} more (all are kept in the workspace)`);
}
