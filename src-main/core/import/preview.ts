import { importOptionsSchema, type ImportOptions, type ImportPreview } from '../api/contract.ts';
import type { Db } from '../db/workspace.ts';
import { openPlannedSource } from './importer.ts';
import type { Cell } from './types.ts';

const PREVIEW_ROWS = 20;

const plain = (v: Cell): string | number | boolean | null => (v instanceof Date ? v.toISOString() : v);

/** What an import would do — encoding, delimiter, kind, mapping, first rows — without writing anything. */
export async function previewImport(db: Db, rawOptions: ImportOptions): Promise<ImportPreview> {
  const options = importOptionsSchema.parse(rawOptions);
  const { source, plan, sample } = await openPlannedSource(db, options);
  try {
    // The first batch holds a thousand records, or the whole file when it is shorter.
    const rows: ImportPreview['rows'] = sample.slice(0, PREVIEW_ROWS).map((r) => r.values.map(plain));
    const { info } = source;
    return {
      path: options.path,
      format: info.format,
      encoding: info.encoding,
      encodingSource: info.encodingSource,
      delimiter: info.delimiter,
      header: info.header,
      rows,
      kind: plan.kind,
      mapping: plan.mapping,
      mappingSource: plan.mappingSource,
      missingRequired: plan.missingRequired,
      ...(plan.notes ? { notes: plan.notes } : {}),
    };
  } finally {
    await source.close();
  }
}
