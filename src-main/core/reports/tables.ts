/**
 * The report's data as plain tables (header + rows), one per spreadsheet
 * sheet; values stay numbers so a merchant can sort and sum them.
 */
import type { ReportData } from './gather.ts';
import { formatters, translator, type MessageKey } from './i18n.ts';
import type { ReportLang, ReportSection } from './sections.ts';
import type { Table } from './tabular.ts';
import { churnReasons, segmentName } from './wording.ts';

export interface NamedTable extends Table {
  /** Sheet name, at most 31 characters (Excel's limit). */
  name: string;
}

const round = (v: number | null | undefined, digits = 4) =>
  v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits;

export function reportTables(d: ReportData, lang: ReportLang): NamedTable[] {
  const t = translator(lang);
  const f = formatters(lang);
  const want = new Set<ReportSection>(d.sections);
  const out: NamedTable[] = [];
  const sheet = (key: MessageKey, table: Table) => out.push({ name: t(key).slice(0, 31), ...table });
  const notRun = (key: MessageKey, command: string) =>
    sheet(key, { columns: [t(key)], rows: [[t('notRun', { command })]] });

  if (want.has('overview')) {
    const s = d.stats;
    sheet('sheet.overview', {
      columns: [t('sheet.item'), t('sheet.value')],
      rows: [
        [t('kpi.customers'), s.customers],
        [t('kpi.orders'), s.orders],
        [t('kpi.revenue'), s.revenue],
        [t('kpi.aov'), s.orders > 0 ? round(s.revenue / s.orders, 2) : null],
        [t('kpi.products'), s.products],
        [t('kpi.returns'), s.returns],
      ],
    });
  }
  if (want.has('segments')) {
    if (!d.rfm) notRun('sheet.segments', 'workbench analyze rfm');
    else {
      const total = d.rfm.result.customers || 1;
      sheet('sheet.segments', {
        columns: [t('seg.segment'), t('seg.customers'), t('seg.share'), t('seg.revenue')],
        rows: d.rfm.result.segments.map((s) => [
          segmentName(t, s.segment),
          s.customers,
          round(s.customers / total),
          s.revenue,
        ]),
      });
    }
  }
  if (want.has('value')) {
    if (!d.clv) notRun('sheet.clv', 'workbench analyze clv --calibration-end YYYY-MM-DD');
    else {
      sheet('sheet.clv', {
        columns: [
          t('value.customer'),
          t('value.frequencyCol'),
          t('value.recencyCol'),
          t('value.ageCol'),
          t('value.monetaryCol'),
          t('value.pAlive'),
          t('value.expected'),
          t('value.expectedSpend'),
          t('value.clv'),
        ],
        rows: d.clv.result.top.map((c) => [
          c.externalId,
          c.frequency,
          round(c.recency, 2),
          round(c.T, 2),
          round(c.monetary, 2),
          round(c.pAlive),
          round(c.expectedPurchasesMonth),
          round(c.expectedSpend, 2),
          round(c.clv, 2),
        ]),
      });
    }
  }
  if (want.has('churn')) {
    if (!d.churn) notRun('sheet.churn', 'workbench analyze churn --as-of YYYY-MM-DD');
    else {
      sheet('sheet.churn', {
        columns: [t('value.customer'), t('churn.probability'), t('churn.reasons')],
        rows: d.churn.result.atRisk.map((a) => [a.externalId, round(a.probability), churnReasons(a, t, f)]),
      });
    }
  }
  if (want.has('recommendations')) {
    if (!d.segmentLists) notRun('sheet.recommendations', 'workbench analyze rfm');
    else {
      sheet('sheet.recommendations', {
        columns: [t('seg.segment'), '#', t('rec.sku'), t('rec.product'), t('rec.score')],
        rows: d.segmentLists.flatMap((s) =>
          s.items.map((it, i) => [segmentName(t, s.segment), i + 1, it.sku, it.title ?? it.sku, round(it.score)]),
        ),
      });
    }
    if (d.recommendEval) {
      const r = d.recommendEval.result;
      const metrics = ['precision', 'recall', 'ndcg', 'map', 'hitRate', 'coverage'] as const;
      sheet('sheet.recommendEval', {
        columns: [t('rec.metric'), t(r.algo === 'als' ? 'rec.modelAls' : 'rec.model'), t('rec.popularity')],
        rows: metrics.map((m) => [t(`rec.${m}`), round(r.model[m]), round(r.popularity[m])]),
      });
    }
    if (d.ratingEval) {
      const r = d.ratingEval.result;
      sheet('sheet.ratingEval', {
        columns: [t('rec.algo'), t('rec.fold'), 'RMSE', 'MAE', t('rec.fitSeconds'), t('rec.testSeconds')],
        rows: [
          ...r.rmse.folds.map((v, i) => [
            r.algo,
            i + 1,
            round(v),
            round(r.mae.folds[i]),
            round(r.fitSeconds.folds[i], 3),
            round(r.testSeconds.folds[i], 3),
          ]),
          [
            r.algo,
            t('rec.mean'),
            round(r.rmse.mean),
            round(r.mae.mean),
            round(r.fitSeconds.mean, 3),
            round(r.testSeconds.mean, 3),
          ],
        ],
      });
    }
  }
  if (want.has('personas') && d.personas.length > 0) {
    sheet('sheet.personas', {
      columns: [t('persona.scope'), t('persona.subject'), t('persona.model'), t('persona.json')],
      rows: d.personas.map((p) => [
        p.scope,
        p.subject,
        p.model,
        typeof p.persona === 'string' ? p.persona : JSON.stringify(p.persona),
      ]),
    });
  }
  if (want.has('reviews') && d.reviews) {
    sheet('sheet.reviews', {
      columns: [
        t('reviews.product'),
        t('reviews.rating'),
        t('reviews.sentiment'),
        t('reviews.summary'),
        t('reviews.reply'),
      ],
      rows: d.reviews.items.map((x) => [x.product, x.rating, round(x.sentiment, 3), x.summary, x.reply]),
    });
  }
  return out;
}
