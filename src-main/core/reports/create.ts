/**
 * `report.create`: gathers the stored results, renders them as HTML, PDF or
 * XLSX, and writes the file. Runs as a job (the CLV distribution and the
 * segment lists read every sale; Chromium takes seconds to start).
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Db } from '../db/workspace.ts';
import { UserError, type JobContext } from '../jobs/context.ts';
import { gatherReportData } from './gather.ts';
import { renderHtml } from './html.ts';
import { chromiumPrinter, requireChromium, type PdfPrinter } from './pdf.ts';
import {
  isReportSection,
  reportFormats,
  reportLangs,
  reportSections,
  type ReportFormat,
  type ReportLang,
  type ReportSection,
} from './sections.ts';
import { reportTables } from './tables.ts';
import { writeXlsx } from './xlsx.ts';

export interface ReportParams {
  format: ReportFormat;
  /** Default: all, in the report's order. */
  sections?: string[];
  lang: ReportLang;
  /** Output file; default `report-<date>.<format>` beside the workspace. */
  out?: string;
}

export interface ReportResult {
  path: string;
  format: ReportFormat;
  lang: ReportLang;
  sections: ReportSection[];
  bytes: number;
  seconds: number;
}

function checkSections(names: string[] | undefined): ReportSection[] {
  if (names === undefined || names.length === 0) return [...reportSections];
  const unknown = names.filter((n) => !isReportSection(n));
  if (unknown.length > 0) {
    throw new UserError(`unknown section ${unknown.join(', ')} (choose from ${reportSections.join(', ')})`);
  }
  // The report's order, whatever order they were asked in.
  return reportSections.filter((s) => names.includes(s));
}

function outputPath(params: ReportParams, dbPath: string): string {
  if (params.out === undefined) {
    const stamp = new Date().toISOString().slice(0, 19).replaceAll(':', '').replace('T', '-');
    return join(dirname(resolve(dbPath)), `report-${stamp}.${params.format}`);
  }
  const path = resolve(params.out);
  const ext = extname(path).slice(1).toLowerCase();
  if ((reportFormats as readonly string[]).includes(ext) && ext !== params.format) {
    throw new UserError(`--out ${basename(path)} ends in .${ext} but the format is ${params.format}`);
  }
  if (!existsSync(dirname(path))) throw new UserError(`no folder ${dirname(path)} to write the report into`);
  return path;
}

export async function createReport(
  db: Db,
  params: ReportParams,
  ctx: JobContext,
  printPdf: PdfPrinter = chromiumPrinter,
): Promise<ReportResult> {
  if (!(reportFormats as readonly string[]).includes(params.format)) {
    throw new UserError(`format must be one of ${reportFormats.join(', ')}`);
  }
  if (!(reportLangs as readonly string[]).includes(params.lang)) {
    throw new UserError(`lang must be one of ${reportLangs.join(', ')}`);
  }
  const t0 = performance.now();
  const sections = checkSections(params.sections);
  const path = outputPath(params, ctx.dbPath);
  // Before the slow part: no point gathering for a PDF that cannot be printed.
  if (params.format === 'pdf' && printPdf === chromiumPrinter) requireChromium();
  const total = 3;
  ctx.progress(0, total, 'gathering stored results');
  const data = gatherReportData(db, {
    sections,
    workspace: basename(ctx.dbPath),
    charts: params.format !== 'xlsx',
    step: (message) => {
      ctx.throwIfCancelled();
      ctx.progress(0, total, message);
    },
  });
  ctx.throwIfCancelled();
  ctx.progress(1, total, 'rendering');
  if (params.format === 'xlsx') {
    await writeXlsx(path, reportTables(data, params.lang));
  } else {
    const html = renderHtml(data, params.lang);
    if (params.format === 'html') writeFileSync(path, html, 'utf8');
    else {
      ctx.progress(2, total, 'printing to PDF');
      const dir = mkdtempSync(join(tmpdir(), 'wb-report-'));
      try {
        const htmlPath = join(dir, 'report.html');
        writeFileSync(htmlPath, html, 'utf8');
        await printPdf(htmlPath, path);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  ctx.progress(total, total);
  return {
    path,
    format: params.format,
    lang: params.lang,
    sections,
    bytes: statSync(path).size,
    seconds: (performance.now() - t0) / 1000,
  };
}
