/**
 * A zh-CN report words what the analyses store in English or as codes — churn reasons (from their structured
 * form), RFM segment names, model features and model names — in Chinese, in the HTML and in the spreadsheet
 * tables; the English report keeps English. Built in-process on a generated sample shop with real stored runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRfm } from '../src-main/core/analytics/jobs.ts';
import { runChurn, type ChurnResult } from '../src-main/core/analytics/models/job.ts';
import { gatherReportData } from '../src-main/core/reports/gather.ts';
import { renderHtml } from '../src-main/core/reports/html.ts';
import { formatters } from '../src-main/core/reports/i18n.ts';
import { reportTables } from '../src-main/core/reports/tables.ts';
import { churnReasons } from '../src-main/core/reports/wording.ts';
import { translator } from '../src-main/core/reports/i18n.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

// English phrases of the core's reason text and of the English report dictionary: none may reach a zh report.
const ENGLISH_REASON = /log-odds|typical|\bat most\b|\babove\b|\bbelow\b/;
const SEGMENTS_EN = ['Champions', 'Potential Loyalist', 'Hibernating', "Can't Lose Them", 'About to Sleep'];

describe('report wording in the report language', { timeout: 120_000 }, () => {
  let ws: ReturnType<typeof tempWorkspace>;
  let asOf = '';
  beforeAll(async () => {
    ws = tempWorkspace();
    asOf = generateSampleShop(ws.db, { customers: 400, seed: 3 }).asOf;
    const ctx = testContext(ws.path);
    await runRfm(ws.db, { asOf }, ctx);
  });
  afterAll(() => ws.cleanup());

  const build = (lang: 'en' | 'zh') => {
    const data = gatherReportData(ws.db, { sections: ['segments', 'churn'], workspace: 'shop.db', charts: false });
    const churnSheet = reportTables(data, lang).find((s) => s.name === translator(lang)('sheet.churn'));
    return { html: renderHtml(data, lang), churnSheet, data };
  };

  it('logistic: zh reasons in Chinese with the customer’s own numbers, no English sentence; en keeps English', async () => {
    const r: ChurnResult = await runChurn(
      ws.db,
      { asOf, horizonDays: 90, model: 'logistic', seed: 3 },
      testContext(ws.path),
    );
    expect(r.atRisk.length).toBeGreaterThan(0);
    const zh = build('zh');
    const first = r.atRisk[0]!.why[0]!;
    const zf = formatters('zh');
    // The first at-risk customer's top reason, worded from its structured fields.
    expect(zh.html).toContain(`为 ${zf.short(first.value)}，`);
    expect(zh.html).toContain('常见值');
    expect(zh.html).toContain('对数几率');
    expect(zh.html).toContain('逻辑回归');
    expect(zh.html).not.toMatch(ENGLISH_REASON);
    for (const reason of r.atRisk[0]!.reasons) expect(zh.html).not.toContain(reason);
    // RFM segment names and feature names are translated too.
    expect(zh.html).toContain('重要价值客户');
    for (const s of SEGMENTS_EN) expect(zh.html).not.toContain(s);
    expect(zh.html).not.toMatch(/>(meanGap|recent90|discountShare)</);

    // The spreadsheet's churn sheet: every reason cell in Chinese.
    const cells = zh.churnSheet!.rows.map((row) => String(row[2]));
    expect(cells.length).toBe(r.atRisk.length);
    for (const cell of cells) {
      expect(cell).toMatch(/常见值/);
      expect(cell).not.toMatch(ENGLISH_REASON);
    }

    const en = build('en');
    expect(en.html).toContain('log-odds');
    expect(en.html).toContain('Champions');
    expect(en.html).not.toContain('常见值');
  });

  it('tree: threshold reasons in Chinese', async () => {
    const r = await runChurn(ws.db, { asOf, horizonDays: 90, model: 'tree', seed: 3 }, testContext(ws.path));
    expect(r.atRisk[0]!.why[0]!.referenceKind).toBe('threshold');
    const zh = build('zh');
    expect(zh.html).toContain('决策树');
    expect(zh.html).toMatch(/(高于|不超过) [\d.,]+/);
    expect(zh.html).not.toMatch(ENGLISH_REASON);
    expect(zh.churnSheet!.rows.every((row) => !ENGLISH_REASON.test(String(row[2])))).toBe(true);
  });

  it('a run stored before reasons were structured falls back to its English text', () => {
    const t = translator('zh');
    const f = formatters('zh');
    expect(churnReasons({ reasons: ['recency 40 (typical 10; +0.5 log-odds)', 'b', 'c'] }, t, f, 2)).toBe(
      'recency 40 (typical 10; +0.5 log-odds); b',
    );
  });
});
