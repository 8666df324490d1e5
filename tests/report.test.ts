/**
 * `workbench report` and `report.create` on a generated sample shop with a
 * few analyses stored: a self-contained HTML file with server-drawn SVG
 * charts in English and Chinese, an XLSX whose formula-looking text is
 * neutralized, a PDF printed by Chromium whose pages carry ink, and the
 * browser server's download of a finished report.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchService } from '../src-main/core/api/service.ts';
import { openWorkspace } from '../src-main/core/db/workspace.ts';
import { escapeHtml } from '../src-main/core/reports/escape.ts';
import { neutralizeCell, tableToCsv } from '../src-main/core/reports/tabular.ts';
import { startServer } from '../src-main/server/index.ts';
import { inkShare, readPgm } from './helpers/pgm.ts';
import { tempWorkspace } from './helpers/workspace.ts';

const bin = join(import.meta.dirname, '..', 'bin', 'workbench.js');
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
const json = (...args: string[]) => {
  const r = cli([...args, '--json']);
  if (r.status !== 0) throw new Error(`workbench ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

const HOSTILE_TITLE = '=HYPERLINK("http://evil.example/x","<script>alert(1)</script>")';
const HOSTILE_SEGMENT = '@SUM(1+1)';

// Each test spawns the CLI (a worker thread, maybe Chromium): generous limits for a loaded two-core machine.
describe('workbench report', { timeout: 180_000 }, () => {
  let ws: ReturnType<typeof tempWorkspace>;
  let rfm: { segments: { segment: string; customers: number }[] };
  let churnAuc: number;
  let enHtml = '';

  beforeAll(() => {
    ws = tempWorkspace();
    ws.db.close();
    json('demo', '--db', ws.path, '--customers', '400', '--seed', '3');
    rfm = json('analyze', 'rfm', '--db', ws.path);
    json('analyze', 'cluster', '--db', ws.path, '--k', '3', '--seed', '0');
    json('analyze', 'clv', '--db', ws.path, '--calibration-end', '2025-06-30');
    churnAuc = json('analyze', 'churn', '--db', ws.path, '--as-of', '2025-12-31').metrics.auc;
    json('recommend', 'eval', '--db', ws.path, '--implicit', '--k', '10');
    // The product recommended first to the biggest segment gets a title that is a formula and a script.
    const biggest = [...rfm.segments].sort((a, b) => b.customers - a.customers)[0]!.segment;
    const top = json('recommend', '--db', ws.path, '--segment', biggest, '--n', '1').items[0].sku as string;
    const db = openWorkspace(ws.path);
    db.prepare('UPDATE products SET title = ? WHERE sku = ?').run(HOSTILE_TITLE, top);
    db.prepare(
      `INSERT INTO personas (scope, subject, persona, model, created_at) VALUES ('segment', ?, ?, 'test-model', 0)`,
    ).run(HOSTILE_SEGMENT, JSON.stringify({ name: 'Loyal Lin', motto: '<b>bold</b>', interests: ['tea', '+1 deals'] }));
    db.close();
  }, 180_000);
  afterAll(() => ws.cleanup());

  const report = (out: string, ...extra: string[]) =>
    json('report', '--db', ws.path, '--out', join(ws.dir, out), ...extra);

  it('HTML: one self-contained file with SVG charts drawn from the stored runs, user text escaped', () => {
    const r = report('report.html');
    expect(r.format).toBe('html');
    const html = readFileSync(r.path, 'utf8');
    enHtml = html;
    // Offline: nothing fetched from anywhere, nothing that needs a script.
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/<script|<link|<iframe|<img/i);
    // CSS/SVG url() only to fragments inside the file (echarts' gradients), never to a resource.
    expect(html.match(/url\((?!#)[^)]*\)/gi) ?? []).toEqual([]);
    // Charts: segment bar, two R×F heat-maps, cluster scatter, CLV histogram, P(alive) matrix, importance, eval.
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).toBeGreaterThanOrEqual(8);
    for (const svg of svgs) expect(svg).toMatch(/<path|<rect/);
    // The segment bar chart labels and counts come from the stored RFM run.
    const nonEmpty = rfm.segments.filter((s) => s.customers > 0);
    for (const s of nonEmpty) {
      expect(html).toContain(`>${escapeHtml(s.segment)}</td><td class="num">${s.customers}</td>`);
    }
    expect(html).toContain(churnAuc.toFixed(3));
    // …and so do the bars of the segment chart (echarts writes its labels and values as SVG text).
    const start = html.indexOf('<figcaption>Customers per segment</figcaption>');
    const bars = html.slice(start, html.indexOf('</figure>', start));
    expect(start).toBeGreaterThan(0);
    for (const s of nonEmpty) {
      expect(bars).toContain(`>${escapeHtml(s.segment)}</text>`);
      expect(bars).toContain(`>${s.customers}</text>`);
    }
    // The hostile title shows as text: escaped, never as markup.
    expect(html).toContain(
      '=HYPERLINK(&quot;http://evil.example/x&quot;,&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;)',
    );
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt;');
    // Campaigns were never analysed: the section says so instead of failing.
    expect(html).toMatch(/<section id="campaigns">[\s\S]*?Not run yet[\s\S]*?workbench analyze campaign/);
  });

  it('zh and en differ in their words, not in their numbers', () => {
    const en = enHtml;
    expect(en).toContain('<html lang="en">');
    const zh = readFileSync(report('zh.html', '--lang', 'zh').path, 'utf8');
    expect(zh).not.toBe(en);
    expect(zh).toContain('<html lang="zh-CN">');
    expect(zh).toContain('店铺报告');
    expect(zh).toContain('尚未运行');
    expect(en).toContain('Shop report');
    expect(en).not.toContain('店铺报告');
    const svgCount = (s: string) => (s.match(/<svg/g) ?? []).length;
    expect(svgCount(zh)).toBe(svgCount(en));
  });

  it('--sections keeps only the sections asked for; an unknown one is a clear error', () => {
    const html = readFileSync(report('some.html', '--sections', 'churn,segments').path, 'utf8');
    expect(html).toContain('<section id="segments">');
    expect(html).toContain('<section id="churn">');
    expect(html.indexOf('id="segments"')).toBeLessThan(html.indexOf('id="churn"'));
    expect(html).not.toContain('<section id="clusters">');
    expect(html).not.toContain('<section id="overview">');
    const bad = cli(['report', '--db', ws.path, '--out', join(ws.dir, 'x.html'), '--sections', 'segments,bogus']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown section bogus/);
    expect(existsSync(join(ws.dir, 'x.html'))).toBe(false);
  });

  it('XLSX: the sheets open with exceljs, numbers stay numbers, formula-looking text is neutralized', async () => {
    const r = report('report.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(r.path);
    const names = wb.worksheets.map((s) => s.name);
    for (const name of ['Overview', 'Segments', 'CLV', 'Churn', 'Recommendations', 'Recommendation eval', 'Personas']) {
      expect(names).toContain(name);
    }
    const segments = wb.getWorksheet('Segments')!;
    expect(segments.rowCount).toBe(rfm.segments.length + 1);
    expect(segments.getRow(2).getCell(2).value).toBe(rfm.segments[0]!.customers);
    const strings: string[] = [];
    for (const sheet of wb.worksheets) {
      sheet.eachRow((row) =>
        row.eachCell((cell) => {
          expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
          if (typeof cell.value === 'string') strings.push(cell.value);
        }),
      );
    }
    expect(strings).toContain(`'${HOSTILE_TITLE}`);
    expect(strings).toContain(`'${HOSTILE_SEGMENT}`);
    for (const s of strings) expect(s).not.toMatch(/^[=+\-@]/);
  });

  it('PDF: printed by Chromium; pdftoppm renders pages that carry ink', () => {
    const r = report('report.pdf', '--lang', 'zh');
    expect(readFileSync(r.path).subarray(0, 5).toString()).toBe('%PDF-');
    const pages = join(ws.dir, 'pages');
    const conv = spawnSync('pdftoppm', ['-gray', '-r', '50', r.path, pages], { encoding: 'utf8' });
    expect(conv.error, 'pdftoppm (Debian poppler-utils) must be installed').toBeUndefined();
    expect(conv.status, conv.stderr).toBe(0);
    const files = readdirSync(ws.dir)
      .filter((f) => f.startsWith('pages') && f.endsWith('.pgm'))
      .sort();
    expect(files.length).toBeGreaterThanOrEqual(3);
    const ink = files.map((f) => inkShare(readPgm(join(ws.dir, f))));
    expect(ink[0]!).toBeGreaterThan(0.02);
    for (const share of ink) expect(share).toBeGreaterThan(0.002);
  });

  it('PDF without a Chromium: a clear message, exit 2, no file', () => {
    const out = join(ws.dir, 'none.pdf');
    const r = cli(['report', '--db', ws.path, '--out', out], { WORKBENCH_CHROMIUM: join(ws.dir, 'no-chromium') });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/needs Chromium/);
    expect(existsSync(out)).toBe(false);
  });

  it('report.create through the service, downloaded from the browser server with the token only', async () => {
    const service = new WorkbenchService(ws.path);
    const server = await startServer({ service, port: 0, staticDir: ws.dir });
    try {
      await expect(service.call('report.create', { format: 'html', sections: ['nope'] })).rejects.toMatchObject({
        code: 'invalid_input',
      });
      const out = join(ws.dir, 'service.html');
      const { jobId } = await service.invoke('report.create', { format: 'html', lang: 'zh', out, sections: ['value'] });
      const job = await service.jobs.wait(jobId);
      expect(job.status).toBe('completed');
      expect(job.result).toMatchObject({ path: out, format: 'html', sections: ['value'] });
      const url = `http://127.0.0.1:${server.port}/api/report/${jobId}`;
      expect((await fetch(url)).status).toBe(401);
      const res = await fetch(url, { headers: { Authorization: `Bearer ${server.token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toContain('service.html');
      expect(await res.text()).toBe(readFileSync(out, 'utf8'));
      const other = await service.invoke('stats.get', {});
      expect(other.customers).toBe(400);
    } finally {
      await server.close();
      await service.close();
    }
  });
});

describe('tabular exports', () => {
  it('neutralizeCell prefixes text a spreadsheet would run, and leaves numbers alone', () => {
    expect(neutralizeCell('=1+1')).toBe("'=1+1");
    expect(neutralizeCell('+1')).toBe("'+1");
    expect(neutralizeCell('-2')).toBe("'-2");
    expect(neutralizeCell('@A1')).toBe("'@A1");
    expect(neutralizeCell('\t=x')).toBe("'\t=x");
    expect(neutralizeCell('a=b')).toBe('a=b');
    expect(neutralizeCell(-2)).toBe(-2);
    expect(neutralizeCell(Number.NaN)).toBeNull();
    expect(neutralizeCell(undefined)).toBeNull();
  });

  it('tableToCsv quotes, neutralizes and starts with a BOM', () => {
    const csv = tableToCsv({
      columns: ['sku', 'title', 'n'],
      rows: [
        ['A1', '=cmd|"/c calc"!A0', 3],
        ['B2', 'tea, green', -1.5],
        ['C3', null, 0],
      ],
    });
    expect(csv).toBe('\uFEFFsku,title,n\r\nA1,"\'=cmd|""/c calc""!A0",3\r\nB2,"tea, green",-1.5\r\nC3,,0\r\n');
  });
});
