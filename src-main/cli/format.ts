import type { ImportPreview, ImportResult, Stats } from '../core/api/contract.ts';

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

export function printPreview(p: ImportPreview): void {
  console.log(`${p.path}`);
  console.log(
    `  format ${p.format}, encoding ${p.encoding} (${p.encodingSource}), delimiter ${JSON.stringify(p.delimiter)}`,
  );
  console.log(`  kind ${p.kind ?? 'unknown (pass --kind)'}, mapping ${p.mappingSource}`);
  const width = Math.max(6, ...p.header.map((h) => h.length));
  console.log(`\n  ${'column'.padEnd(width)}  ${'field'.padEnd(12)}  first values`);
  p.header.forEach((h, i) => {
    const samples = p.rows
      .slice(0, 3)
      .map((r) => String(r[i] ?? ''))
      .join(' | ');
    console.log(`  ${h.padEnd(width)}  ${(p.mapping[h] ?? '—').padEnd(12)}  ${samples.slice(0, 60)}`);
  });
  if (p.notes?.length) console.log(`\n${p.notes.map((note) => `  note: ${note}`).join('\n')}`);
  if (p.missingRequired.length)
    console.log(`\n  still needed: ${p.missingRequired.join('; ')} (use --map "column=field")`);
}

const fixed = (v: unknown, digits = 4) => (typeof v === 'number' ? v.toFixed(digits) : String(v));

export function printClv(r: Record<string, unknown>): void {
  const bg = r.bgnbd as Record<string, number>;
  const gg = r.gammaGamma as Record<string, number> | null;
  console.log(
    `customers ${String(r.customers)}, repeat buyers ${String(r.repeatBuyers)} (calibration to ${String(r.calibrationEnd)}, ${String(r.timeUnit)}s)`,
  );
  console.log(
    `BG/NBD       r ${fixed(bg.r)}  alpha ${fixed(bg.alpha)}  a ${fixed(bg.a)}  b ${fixed(bg.b)}  log-likelihood ${fixed(bg.logLikelihood, 2)}`,
  );
  if (gg) console.log(`Gamma-Gamma  p ${fixed(gg.p)}  q ${fixed(gg.q)}  v ${fixed(gg.v)}`);
  const totals = r.totals as Record<string, number> | undefined;
  if (totals)
    console.log(
      `expected purchases next month ${fixed(totals.expectedPurchasesMonth, 1)}, total CLV ${fixed(totals.clv, 2)}, mean P(alive) ${fixed(totals.meanPAlive, 3)}`,
    );
  console.log(`stored as analysis run ${String(r.runId)}`);
}

export function printRfm(r: Record<string, unknown>): void {
  console.log(`RFM as of ${String(r.asOf)}, ${String(r.windowDays)}-day window, ${String(r.customers)} customers`);
  for (const seg of r.segments as { segment: string; customers: number; revenue: number }[]) {
    console.log(`  ${seg.segment.padEnd(20)} ${String(seg.customers).padStart(8)}  ${money(seg.revenue).padStart(14)}`);
  }
  console.log(`stored as analysis run ${String(r.runId)}`);
}

export function printCluster(r: Record<string, unknown>): void {
  const sizes = r.sizes as number[];
  console.log(
    `${String(r.algorithm)}: k ${String(r.k)} over ${String(r.customers)} customers (features ${(r.features as string[]).join(', ')})`,
  );
  if (typeof r.inertia === 'number') console.log(`inertia ${r.inertia.toFixed(4)}`);
  if (typeof r.silhouette === 'number') console.log(`silhouette ${r.silhouette.toFixed(4)}`);
  if (typeof r.noiseShare === 'number') console.log(`noise ${(r.noiseShare * 100).toFixed(1)}%`);
  const profiles = (r.profiles ?? []) as {
    cluster: number;
    size: number;
    revenueShare: number;
    means: Record<string, number>;
  }[];
  for (const p of profiles) {
    const means = Object.entries(p.means)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ');
    console.log(
      `  cluster ${p.cluster}: ${p.size} customers, ${(p.revenueShare * 100).toFixed(1)}% of revenue — ${means}`,
    );
  }
  if (!profiles.length) console.log(`sizes ${sizes.join(', ')}`);
  console.log(`stored as analysis run ${String(r.runId)}`);
}

/** Churn or spend model: its held-out metrics beside the baseline's, then the stored run. */
export function printModelRun(kind: 'churn' | 'regress' | 'next-action' | 'demand', r: Record<string, unknown>): void {
  const show = (label: string, m: unknown) => {
    const entries = Object.entries((m ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === 'number');
    if (!entries.length) return;
    const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(4));
    console.log(`${label.padEnd(10)} ${entries.map(([k, v]) => `${k} ${num(v as number)}`).join('  ')}`);
  };
  const titles = {
    churn: 'churn warning (held-out, time-based)',
    regress: 'next-period spend (held-out, time-based)',
    'next-action': 'next action (sessions after the cut-off)',
    demand: 'demand forecast (holdout weeks; baseline = seasonal naive)',
  };
  console.log(titles[kind]);
  show('model', r.metrics);
  show('baseline', (r.baseline as Record<string, unknown> | undefined)?.metrics ?? r.baseline);
  console.log(`stored as analysis run ${String(r.runId)}`);
}

export function printCampaign(r: Record<string, unknown>): void {
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const line = (label: string, u: Record<string, unknown>) => {
    const t = u.treatment as { n: number; rate: number };
    const c = u.control as { n: number; rate: number };
    const ci = u.ci95 as [number, number];
    const mark = u.significant ? ' *' : '';
    console.log(
      `  ${label.padEnd(20)} treatment ${pct(t.rate)} (n ${t.n})  control ${pct(c.rate)} (n ${c.n})  uplift ${pct(u.uplift as number)} [${pct(ci[0])}, ${pct(ci[1])}]${mark}`,
    );
  };
  const campaign = r.campaign as { externalId?: string; name?: string } | undefined;
  console.log(`campaign ${campaign?.externalId ?? ''} ${campaign?.name ?? ''} — ${String(r.method)}`);
  line('overall', r.overall as Record<string, unknown>);
  for (const seg of r.bySegment as (Record<string, unknown> & { segment: string })[]) line(seg.segment, seg);
  console.log(`moved: ${(r.movedUp as string[]).join(', ') || 'no segment'} (* = 95% interval excludes 0)`);
  console.log(`stored as analysis run ${String(r.runId)}`);
}
