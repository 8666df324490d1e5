/** `workbench report`: the stored analyses as one HTML, PDF or XLSX file. */
import { extname } from 'node:path';
import { Option, type Command } from 'commander';
import { reportFormats, reportSections, type ReportFormat } from '../../core/reports/sections.ts';
import type { ReportResult } from '../../core/reports/create.ts';
import { CliError, jobOutcome, print, runJob, withService } from '../shared.ts';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write a report of the stored analyses: self-contained HTML, PDF (needs Chromium) or XLSX')
    .requiredOption('--db <file>', 'workspace file')
    .requiredOption('--out <file>', 'report file: .html, .pdf or .xlsx')
    .addOption(new Option('--format <format>', 'file type (default: from --out)').choices([...reportFormats]))
    .option('--sections <list>', `comma-separated subset of ${reportSections.join(',')} (default: all)`)
    .addOption(new Option('--lang <lang>', 'language of the report').choices(['en', 'zh']).default('en'))
    .option('--json', 'print JSON')
    .action(
      async (o: { db: string; out: string; format?: string; sections?: string; lang: 'en' | 'zh'; json?: boolean }) => {
        const ext = extname(o.out).slice(1).toLowerCase();
        const format = (o.format ?? ext) as ReportFormat;
        if (!(reportFormats as readonly string[]).includes(format)) {
          throw new CliError(`--out must end in .html, .pdf or .xlsx (or give --format), got "${o.out}"`);
        }
        const sections = o.sections
          ?.split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = sections?.filter((s) => !(reportSections as readonly string[]).includes(s)) ?? [];
        if (unknown.length > 0) {
          throw new CliError(`unknown section ${unknown.join(', ')} (choose from ${reportSections.join(', ')})`);
        }
        await withService(o.db, true, async (s) => {
          const { jobId } = await s.invoke('report.create', {
            format,
            lang: o.lang,
            out: o.out,
            ...(sections?.length ? { sections: sections as (typeof reportSections)[number][] } : {}),
          });
          const r = jobOutcome<ReportResult>(await runJob(s, jobId));
          print(!!o.json, r, () =>
            console.log(`wrote ${r.path} (${r.format}, ${(r.bytes / 1024).toFixed(0)} KiB, ${r.seconds.toFixed(1)} s)`),
          );
        });
      },
    );
}
