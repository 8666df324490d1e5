/** Shared shapes of the import pipeline: file → source → records → mapping → tables. */

export type FileFormat = 'delimited' | 'whitespace' | 'xlsx' | 'json' | 'ndjson';

/** A cell as a reader hands it over: text from text files, typed values from XLSX/JSON. */
export type Cell = string | number | boolean | Date | null;

export interface RawRecord {
  /** 1-based line in the file where the record starts (XLSX: the sheet row; JSON array: the line where its object opens). */
  line: number;
  values: Cell[];
  /** Set when the reader could not make a proper record of this line (invalid NDJSON, a non-object in a JSON list, an unclosed quote); `values` may then be empty. */
  error?: string;
}

export interface SourceInfo {
  format: FileFormat;
  /** iconv-lite name of the encoding used to decode text files ('utf8' for XLSX). */
  encoding: string;
  /** How the encoding was chosen: a BOM, detection, or the caller's override. */
  encodingSource: 'bom' | 'detected' | 'override' | 'binary';
  /** Field delimiter of delimited text ('\t', ',', ';', '|'); null for other formats. */
  delimiter: string | null;
  /** Column names: from the header row, the caller's --columns list, or the JSON keys seen. */
  header: string[];
  hasHeader: boolean;
  totalBytes: number;
  /** XLSX: the sheet read. */
  sheet?: string;
}

export interface SourceOptions {
  format?: FileFormat;
  encoding?: string;
  delimiter?: string;
  /** Names for a headerless file's columns, in order. When given, the first row is data. */
  columns?: string[];
  sheet?: string;
}

/**
 * A stream of records from one file. Batches keep the per-record overhead of
 * async iteration off the hot path. `bytesRead` drives progress and ETA.
 */
export interface RecordSource {
  info: SourceInfo;
  batches(): AsyncIterable<RawRecord[]>;
  bytesRead(): number;
  /** SHA-256 (hex) of the file's bytes once the reads have gone through all of them; null before, or where unknown. */
  fileHash?(): string | null;
  close(): Promise<void>;
}

/** A row problem with where it is, as the user will be shown it. */
export interface RowError {
  line: number;
  column: string | null;
  reason: string;
}

export class ImportError extends Error {
  override name = 'ImportError';
}
