/**
 * The report as one self-contained HTML file: inline CSS, charts as inline
 * SVG, no scripts, no external URLs, so it opens offline, mails as one file
 * and prints to PDF as it looks. Every user-supplied string goes through
 * escapeHtml; chart labels are escaped by echarts' SVG writer.
 */
import { barChart, groupedBarChart, heatmap, scatterChart } from './charts.ts';
import { escapeHtml as h } from './escape.ts';
import type { ReportData } from './gather.ts';
import { formatters, translator, type Formatters, type MessageKey, type Translate } from './i18n.ts';
import type { ReportLang, ReportSection } from './sections.ts';
import { churnReasons, featureName, named, segmentName } from './wording.ts';

interface Ctx {
  t: Translate;
  f: Formatters;
  d: ReportData;
  lang: ReportLang;
}

const CSS = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#111827;margin:0;background:#fff;font-size:14px;line-height:1.45}
main{max-width:960px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:32px 0 8px;padding-bottom:4px;border-bottom:2px solid #2563eb}
h3{font-size:15px;margin:18px 0 6px}
.muted{color:#6b7280}
.small{font-size:12px}
nav ol{columns:2;margin:8px 0 0;padding-left:20px}
.kpis{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.kpi{border:1px solid #e5e7eb;border-radius:8px;padding:8px 12px;flex:1 1 auto;min-width:130px}
.kpi span{display:block;color:#6b7280;font-size:12px}
.kpi b{font-size:18px;white-space:nowrap}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}
th,td{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:8px 0 16px;break-inside:avoid;page-break-inside:avoid}
figure svg{max-width:100%;height:auto}
figcaption{font-weight:600;margin-bottom:4px}
.empty{border:1px dashed #d1d5db;border-radius:8px;padding:12px;color:#6b7280;background:#f9fafb}
.persona{border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;margin:8px 0;break-inside:avoid}
.persona dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0 0}
.persona dt{color:#6b7280}
.persona dd{margin:0}
code{background:#f3f4f6;padding:1px 4px;border-radius:4px}
@page{size:A4;margin:14mm}
@media print{main{padding:0}h2{break-after:avoid}}
`;

function table(head: { label: string; num?: boolean }[], rows: string[][]): string {
  const th = head.map((c) => `<th${c.num ? ' class="num"' : ''}>${h(c.label)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${r.map((cell, i) => `<td${head[i]?.num ? ' class="num"' : ''}>${cell}</td>`).join('')}</tr>`)
    .join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function kpis(items: [string, string][]): string {
  return `<div class="kpis">${items.map(([label, value]) => `<div class="kpi"><span>${h(label)}</span><b>${h(value)}</b></div>`).join('')}</div>`;
}

const figure = (caption: string, svg: string) => `<figure><figcaption>${h(caption)}</figcaption>${svg}</figure>`;

function notRun(c: Ctx, command: string): string {
  const [before, after] = c.t('notRun').split('{command}');
  return `<p class="empty">${h(before)}<code>${h(command)}</code>${h(after ?? '')}</p>`;
}

const runInfo = (c: Ctx, run: { runId: number; createdAt: number }) =>
  `<p class="muted small">${h(c.t('runInfo', { id: run.runId, at: new Date(run.createdAt * 1000).toISOString().slice(0, 16).replace('T', ' ') }))}</p>`;

function overview({ t, f, d }: Ctx): string {
  const s = d.stats;
  const items: [string, string][] = [
    [t('kpi.customers'), f.int(s.customers)],
    [t('kpi.orders'), f.int(s.orders)],
    [t('kpi.revenue'), f.money(s.revenue)],
    [t('kpi.aov'), f.money(s.orders > 0 ? s.revenue / s.orders : null)],
    [t('kpi.products'), f.int(s.products)],
    [t('kpi.returns'), f.int(s.returns)],
  ];
  if (d.rfm) items.push([t('kpi.segmented'), f.int(d.rfm.result.customers)]);
  if (d.clv?.result.totals.clv != null) {
    items.push([t('kpi.totalClv', { months: d.clv.result.horizon }), f.money(d.clv.result.totals.clv)]);
  }
  if (d.clv) items.push([t('kpi.meanPAlive'), f.pct(d.clv.result.totals.meanPAlive)]);
  if (d.churn) {
    items.push([t('kpi.churnAuc'), f.num(d.churn.result.metrics.auc, 3)]);
    items.push([t('kpi.atRisk'), f.int(d.churn.result.atRisk.length)]);
  }
  const period =
    s.firstOrderAt && s.lastOrderAt
      ? `<p class="muted">${h(t('kpi.period', { from: s.firstOrderAt.slice(0, 10), to: s.lastOrderAt.slice(0, 10) }))}</p>`
      : '';
  return kpis(items) + period;
}

function segments(c: Ctx): string {
  const { t, f, d } = c;
  if (!d.rfm) return notRun(c, 'workbench analyze rfm --db shop.db');
  const r = d.rfm.result;
  const total = r.customers || 1;
  const rows = r.segments.map((s) => [
    h(segmentName(t, s.segment)),
    f.int(s.customers),
    f.pct(s.customers / total),
    f.money(s.revenue),
  ]);
  const scores = ['1', '2', '3', '4', '5'];
  return [
    runInfo(c, d.rfm),
    `<p class="muted">${h(t('seg.asOf', { asOf: r.asOf, days: r.windowDays }))}</p>`,
    table(
      [
        { label: t('seg.segment') },
        { label: t('seg.customers'), num: true },
        { label: t('seg.share'), num: true },
        { label: t('seg.revenue'), num: true },
      ],
      rows,
    ),
    figure(
      t('seg.barTitle'),
      barChart({
        categories: r.segments.map((s) => segmentName(t, s.segment)),
        values: r.segments.map((s) => s.customers),
        horizontal: true,
        height: 40 + 26 * r.segments.length,
      }),
    ),
    // grid.customers[r-1][f-1]: rows are recency scores (y), columns frequency scores (x).
    figure(
      t('seg.heatTitle'),
      heatmap({
        xLabels: scores,
        yLabels: scores,
        values: r.grid.customers,
        xName: t('seg.frequency'),
        yName: t('seg.recency'),
      }),
    ),
    figure(
      t('seg.heatMoney'),
      heatmap({
        xLabels: scores,
        yLabels: scores,
        values: r.grid.meanMonetary,
        xName: t('seg.frequency'),
        yName: t('seg.recency'),
      }),
    ),
  ].join('');
}

function clusters(c: Ctx): string {
  const { t, f, d } = c;
  if (!d.cluster) return notRun(c, 'workbench analyze cluster --db shop.db --k 4');
  const r = d.cluster.result;
  const featureNames = r.profiles[0] ? Object.keys(r.profiles[0].means) : [];
  const rows = r.profiles.map((p) => [
    String(p.cluster + 1),
    f.int(p.size),
    f.pct(p.revenueShare),
    ...featureNames.map((name) => f.num((p.means as Record<string, number>)[name], 1)),
  ]);
  const groups = new Map<number, [number, number][]>();
  const { x, y, labels } = r.projection;
  for (let i = 0; i < labels.length; i++) {
    const g = labels[i]!;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push([Math.round(x[i]! * 1000) / 1000, Math.round(y[i]! * 1000) / 1000]);
  }
  const explained = r.projection.explained[0] + r.projection.explained[1];
  return [
    runInfo(c, d.cluster),
    `<p class="muted">${h(
      t('cluster.summary', {
        algorithm: named(t, 'algorithm', r.algorithm),
        k: r.k,
        silhouette: r.silhouette === null ? '—' : f.num(r.silhouette, 3),
        asOf: r.asOf,
      }),
    )}</p>`,
    table(
      [
        { label: t('cluster.cluster') },
        { label: t('cluster.size'), num: true },
        { label: t('cluster.revenueShare'), num: true },
        ...featureNames.map((name) => ({ label: featureName(t, name), num: true })),
      ],
      rows,
    ),
    labels.length > 0
      ? figure(
          t('cluster.scatterTitle', { explained: f.pct(explained) }),
          scatterChart({
            groups: [...groups.entries()]
              .sort((a, b) => a[0] - b[0])
              .map(([g, points]) => ({
                name: g < 0 ? t('cluster.noise') : `${t('cluster.cluster')} ${g + 1}`,
                points,
              })),
            xName: 'PC1',
            yName: 'PC2',
          }),
        )
      : '',
  ].join('');
}

function value(c: Ctx): string {
  const { t, f, d } = c;
  if (!d.clv || !d.clvViews) return notRun(c, 'workbench analyze clv --db shop.db --calibration-end YYYY-MM-DD');
  const r = d.clv.result;
  const dist = d.clvViews.distribution;
  const pa = d.clvViews.pAlive;
  const unit = t(r.timeUnit === 'day' ? 'value.unit.day' : 'value.unit.week');
  const binLabel = (i: number) => f.num(dist.edges[i]!, dist.measure === 'clv' ? 0 : 2);
  return [
    runInfo(c, d.clv),
    kpis([
      [t('kpi.customers'), f.int(r.customers)],
      [t('value.repeatBuyers'), f.int(r.repeatBuyers)],
      [t('kpi.meanPAlive'), f.pct(r.totals.meanPAlive)],
      [t('kpi.totalClv', { months: r.horizon }), f.money(r.totals.clv)],
    ]),
    `<p class="muted small">${h(
      t('value.params', {
        r: f.num(r.bgnbd.r, 3),
        alpha: f.num(r.bgnbd.alpha, 3),
        a: f.num(r.bgnbd.a, 3),
        b: f.num(r.bgnbd.b, 3),
        end: r.calibrationEnd,
      }),
    )}</p>`,
    r.gammaGamma === null ? `<p class="muted">${h(t('value.noSpend'))}</p>` : '',
    figure(
      dist.measure === 'clv' ? t('value.distTitle', { months: r.horizon }) : t('value.distTitleExpected'),
      barChart({ categories: dist.counts.map((_, i) => binLabel(i)), values: dist.counts, rotate: 45 }),
    ),
    dist.clippedAbove > 0
      ? `<p class="muted small">${h(t('value.clipped', { share: f.pct(dist.clippedAbove) }))}</p>`
      : '',
    figure(
      t('value.pAliveTitle', { T: pa.T, unit }),
      heatmap({
        xLabels: pa.recency.map(String),
        yLabels: pa.frequency.map(String),
        values: pa.values.map((row) => row.map((v) => Math.round(v * 100) / 100)),
        xName: t('value.recency', { unit }),
        yName: t('value.frequency'),
        digits: 2,
        width: 720,
        height: 440,
      }),
    ),
    `<h3>${h(t('value.topTitle'))}</h3>`,
    table(
      [
        { label: '#' },
        { label: t('value.customer') },
        { label: t('value.pAlive'), num: true },
        { label: t('value.expected'), num: true },
        { label: t('value.clv'), num: true },
      ],
      r.top
        .slice(0, 20)
        .map((x, i) => [
          String(i + 1),
          h(x.externalId),
          f.pct(x.pAlive),
          f.num(x.expectedPurchasesMonth, 2),
          f.money(x.clv),
        ]),
    ),
  ].join('');
}

function churn(c: Ctx): string {
  const { t, f, d } = c;
  if (!d.churn) return notRun(c, 'workbench analyze churn --db shop.db --as-of YYYY-MM-DD');
  const r = d.churn.result;
  const metricRows: [MessageKey, number, number][] = [
    ['churn.auc', r.metrics.auc, r.baseline.auc],
    ['churn.accuracy', r.metrics.accuracy, r.baseline.accuracy],
    ['churn.precision', r.metrics.precision, r.baseline.precision],
    ['churn.recall', r.metrics.recall, r.baseline.recall],
    ['churn.f1', r.metrics.f1, r.baseline.f1],
  ];
  return [
    runInfo(c, d.churn),
    `<p class="muted">${h(t('churn.summary', { model: named(t, 'model', r.model), asOf: r.asOf, days: r.horizonDays }))}</p>`,
    kpis([
      [t('churn.auc'), f.num(r.metrics.auc, 3)],
      [t('churn.rate'), f.pct(r.evaluation.churnRate)],
      [t('kpi.atRisk'), f.int(r.atRisk.length)],
    ]),
    table(
      [{ label: t('churn.metric') }, { label: t('churn.model'), num: true }, { label: t('churn.baseline'), num: true }],
      metricRows.map(([k, m, b]) => [h(t(k)), f.num(m, 3), f.num(b, 3)]),
    ),
    figure(
      t('churn.importance'),
      barChart({
        categories: r.importances.map((i) => featureName(t, i.feature)),
        values: r.importances.map((i) => Math.round(i.mean * 1e4) / 1e4),
        horizontal: true,
        height: 40 + 26 * r.importances.length,
      }),
    ),
    `<h3>${h(t('churn.atRiskTitle'))}</h3>`,
    table(
      [
        { label: '#' },
        { label: t('value.customer') },
        { label: t('churn.probability'), num: true },
        { label: t('churn.reasons') },
      ],
      r.atRisk
        .slice(0, 25)
        .map((a, i) => [String(i + 1), h(a.externalId), f.pct(a.probability), h(churnReasons(a, t, f, 3))]),
    ),
  ].join('');
}

const RANKING = ['precision', 'recall', 'ndcg', 'map', 'hitRate', 'coverage'] as const;

/** The latest rating-model cross-validation: mean and per-fold RMSE/MAE, fit and test time. */
function ratingEval(c: Ctx, run: NonNullable<ReportData['ratingEval']>): string {
  const { t, f } = c;
  const r = run.result;
  return [
    `<h3>${h(t('rec.ratingTitle', { algo: r.algo, folds: r.folds, ratings: f.int(r.ratings) }))}</h3>`,
    runInfo(c, run),
    table(
      [
        { label: t('rec.fold') },
        { label: 'RMSE', num: true },
        { label: 'MAE', num: true },
        { label: t('rec.fitSeconds'), num: true },
        { label: t('rec.testSeconds'), num: true },
      ],
      [
        ...r.rmse.folds.map((v, i) => [
          String(i + 1),
          f.num(v, 4),
          f.num(r.mae.folds[i]!, 4),
          f.num(r.fitSeconds.folds[i]!, 2),
          f.num(r.testSeconds.folds[i]!, 2),
        ]),
        [
          h(t('rec.mean')),
          f.num(r.rmse.mean, 4),
          f.num(r.mae.mean, 4),
          f.num(r.fitSeconds.mean, 2),
          f.num(r.testSeconds.mean, 2),
        ],
      ],
    ),
  ].join('');
}

function recommendations(c: Ctx): string {
  const { t, f, d } = c;
  const parts: string[] = [];
  if (d.recommendEval) {
    const r = d.recommendEval.result;
    // The stored run says which implicit model was evaluated (item-kNN unless --algo als).
    const als = r.algo === 'als';
    const title = t(als ? 'rec.evalTitleAls' : 'rec.evalTitle', { split: named(t, 'split', r.split), k: r.k });
    const model = t(als ? 'rec.modelAls' : 'rec.model');
    parts.push(
      runInfo(c, d.recommendEval),
      `<h3>${h(title)}</h3>`,
      table(
        [{ label: t('rec.metric') }, { label: model, num: true }, { label: t('rec.popularity'), num: true }],
        RANKING.map((m) => [h(t(`rec.${m}`)), f.num(r.model[m], 4), f.num(r.popularity[m], 4)]),
      ),
      figure(
        title,
        groupedBarChart({
          categories: RANKING.map((m) => t(`rec.${m}`)),
          series: [
            { name: model, values: RANKING.map((m) => Math.round(r.model[m] * 1e4) / 1e4) },
            { name: t('rec.popularity'), values: RANKING.map((m) => Math.round(r.popularity[m] * 1e4) / 1e4) },
          ],
        }),
      ),
    );
  } else parts.push(notRun(c, 'workbench recommend eval --db shop.db --implicit'));
  if (d.ratingEval) parts.push(ratingEval(c, d.ratingEval));
  parts.push(`<h3>${h(t('rec.segmentTitle'))}</h3>`);
  if (!d.segmentLists) parts.push(`<p class="empty">${h(t('rec.noSegments'))}</p>`);
  else {
    for (const s of d.segmentLists) {
      parts.push(
        `<h3 class="small">${h(segmentName(t, s.segment))} <span class="muted">(${h(f.int(s.customers))})</span></h3>`,
        s.items.length === 0
          ? `<p class="muted small">${h(t('noneStored'))}</p>`
          : table(
              [
                { label: '#' },
                { label: t('rec.product') },
                { label: t('rec.sku') },
                { label: t('rec.score'), num: true },
              ],
              s.items.map((it, i) => [String(i + 1), h(it.title ?? it.sku), h(it.sku), f.num(it.score, 2)]),
            ),
      );
    }
  }
  return parts.join('');
}

function campaigns(c: Ctx): string {
  const { t, f, d } = c;
  const parts: string[] = [];
  if (d.campaign) {
    const r = d.campaign.result;
    const row = (name: string, u: typeof r.overall, significant: boolean | null) => [
      h(name),
      f.pct(u.treatment.rate),
      f.pct(u.control.rate),
      f.pct(u.uplift),
      h(`${f.pct(u.ci95[0])} … ${f.pct(u.ci95[1])}`),
      f.num(u.pValue, 3),
      significant === null ? '' : h(t(significant ? 'yes' : 'no')),
    ];
    parts.push(
      runInfo(c, d.campaign),
      `<h3>${h(t('camp.title', { name: r.campaign.name ?? r.campaign.externalId }))}</h3>`,
      table(
        [
          { label: t('camp.segment') },
          { label: t('camp.treatment'), num: true },
          { label: t('camp.control'), num: true },
          { label: t('camp.uplift'), num: true },
          { label: t('camp.ci') },
          { label: t('camp.pValue'), num: true },
          { label: t('camp.significant') },
        ],
        [
          row(t('camp.overall'), r.overall, null),
          ...r.bySegment.map((s) => row(segmentName(t, s.segment), s, s.significantAdjusted)),
        ],
      ),
    );
  } else parts.push(notRun(c, 'workbench analyze campaign --db shop.db'));
  if (d.demand) {
    const r = d.demand.result;
    parts.push(
      `<h3>${h(t('camp.demandTitle', { level: r.level }))}</h3>`,
      runInfo(c, d.demand),
      table(
        [
          { label: t('camp.series') },
          { label: t('camp.units'), num: true },
          { label: t('camp.smapeModel'), num: true },
          { label: t('camp.smapeBaseline'), num: true },
          { label: t('camp.forecast'), num: true },
        ],
        r.series.slice(0, 15).map((s) => [
          h(s.key),
          f.int(s.totalUnits),
          f.num(s.smapeModel, 1),
          f.num(s.smapeBaseline, 1),
          f.num(
            s.forecast.reduce((a, b) => a + b, 0),
            0,
          ),
        ]),
      ),
    );
    if (r.restock.length > 0) {
      parts.push(
        `<h3>${h(t('camp.restock'))}</h3>`,
        table(
          [
            { label: t('rec.product') },
            { label: t('camp.stock'), num: true },
            { label: t('camp.forecast'), num: true },
            { label: t('camp.shortfall'), num: true },
          ],
          r.restock
            .slice(0, 15)
            .map((x) => [h(x.title ?? x.sku), f.int(x.stock), f.num(x.forecastUnits, 0), f.num(x.shortfall, 0)]),
        ),
      );
    }
  }
  if (d.nextAction) {
    const r = d.nextAction.result;
    parts.push(
      `<h3>${h(t('camp.nextTitle'))}</h3>`,
      runInfo(c, d.nextAction),
      `<p>${h(
        t('camp.nextSummary', {
          acc: f.pct(r.metrics.accuracy),
          base: f.pct(r.baseline.accuracy),
          f1: f.num(r.metrics.macroF1, 3),
          test: f.int(r.sessions.test),
        }),
      )}</p>`,
    );
    const rows = r.predictions.map((p) => [
      h(p.prefix.length ? p.prefix.join(' → ') : '∅'),
      h(
        Object.entries(p.probabilities)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([state, prob]) => `${state} ${f.pct(prob)}`)
          .join(', '),
      ),
    ]);
    if (rows.length > 0) parts.push(table([{ label: t('camp.prefix') }, { label: t('camp.predicted') }], rows));
  }
  return parts.join('');
}

function personaFields(value: unknown, f: Formatters): [string, string][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [['', String(value)]];
  return Object.entries(value as Record<string, unknown>).map(([k, v]) => {
    if (Array.isArray(v)) return [k, v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join('; ')];
    if (typeof v === 'number') return [k, f.num(v, 2)];
    if (v !== null && typeof v === 'object') return [k, JSON.stringify(v)];
    return [k, String(v ?? '')];
  });
}

function personas(c: Ctx): string {
  const { t, f, d } = c;
  if (d.personas.length === 0) return `<p class="empty">${h(t('noneStored'))}</p>`;
  return d.personas
    .map(
      (p) =>
        `<div class="persona"><b>${h(p.scope === 'segment' ? segmentName(t, p.subject) : p.subject)}</b> <span class="muted small">${h(`${t('persona.scope')}: ${p.scope} · ${t('persona.model')}: ${p.model}`)}</span>` +
        `<dl>${personaFields(p.persona, f)
          .map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v)}</dd>`)
          .join('')}</dl></div>`,
    )
    .join('');
}

function reviews(c: Ctx): string {
  const { t, f, d } = c;
  const r = d.reviews;
  if (!r) return `<p class="empty">${h(t('noneStored'))}</p>`;
  return [
    kpis([
      [t('reviews.analysed'), f.int(r.analysed)],
      [t('reviews.meanSentiment'), f.num(r.meanSentiment, 2)],
      [t('reviews.positive'), f.int(r.positive)],
      [t('reviews.neutral'), f.int(r.neutral)],
      [t('reviews.negative'), f.int(r.negative)],
    ]),
    r.aspects.length > 0
      ? figure(
          t('reviews.aspects'),
          barChart({
            categories: r.aspects.map((a) => a.aspect),
            values: r.aspects.map((a) => a.count),
            horizontal: true,
            height: 40 + 24 * r.aspects.length,
          }),
        )
      : '',
    `<h3>${h(t('reviews.worst'))}</h3>`,
    table(
      [
        { label: t('reviews.product') },
        { label: t('reviews.rating'), num: true },
        { label: t('reviews.sentiment'), num: true },
        { label: t('reviews.summary') },
        { label: t('reviews.reply') },
      ],
      r.items.map((x) => [
        h(x.product ?? ''),
        f.num(x.rating, 1),
        f.num(x.sentiment, 2),
        h(x.summary),
        h(x.reply ?? ''),
      ]),
    ),
  ].join('');
}

const renderers: Record<ReportSection, (c: Ctx) => string> = {
  overview,
  segments,
  clusters,
  value,
  churn,
  recommendations,
  campaigns,
  personas,
  reviews,
};

export function renderHtml(data: ReportData, lang: ReportLang): string {
  const c: Ctx = { t: translator(lang), f: formatters(lang), d: data, lang };
  const { t } = c;
  const title = t('title');
  const nav = data.sections.map((s) => `<li><a href="#${s}">${h(t(`section.${s}`))}</a></li>`).join('');
  const body = data.sections
    .map((s) => `<section id="${s}"><h2>${h(t(`section.${s}`))}</h2>${renderers[s](c)}</section>`)
    .join('\n');
  const generated = t('generated', {
    at: data.generatedAt.slice(0, 16).replace('T', ' '),
    workspace: data.workspace,
  });
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${h(title)}</h1>
<p class="muted">${h(generated)}</p>
<nav><b>${h(t('contents'))}</b><ol>${nav}</ol></nav>
${body}
</main>
</body>
</html>
`;
}
