/**
 * Excel stores the worksheets before sharedStrings.xml and styles.xml in the
 * zip. exceljs's streaming reader then spools every sheet to a temp file and
 * parses it only after the whole zip is read, and abandoned temp files keep
 * their descriptors open. A local file can be read in any order, so this reads
 * the zip's central directory and streams the same entries with the worksheets
 * last: exceljs then parses each sheet straight from the zip.
 */

import type { FileHandle } from 'node:fs/promises';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const WORKSHEET = /^xl\/worksheets\/sheet\d+\.xml$/;

export interface ZipPlan {
  /** Byte ranges [start, end) of the file, in the order to stream them. */
  ranges: [number, number][];
  hasSharedStrings: boolean;
}

/**
 * The reordered plan; 'damaged' where the zip has no readable directory (a
 * truncated or corrupt file); 'as-is' where the zip is valid but of a kind this
 * does not reorder (zip64, data before the first entry).
 */
export async function planZipOrder(handle: FileHandle, size: number): Promise<ZipPlan | 'damaged' | 'as-is'> {
  const tailSize = Math.min(size, 22 + 0xffff);
  const tail = await readAt(handle, size - tailSize, tailSize);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return 'damaged';
  const count = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) return 'as-is';
  if (cdOffset + cdSize > size) return 'damaged';

  const cd = await readAt(handle, cdOffset, cdSize);
  const entries: { name: string; offset: number }[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) return 'damaged';
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    const offset = cd.readUInt32LE(p + 42);
    if (offset >= cdOffset) return 'damaged';
    entries.push({ name: cd.toString('utf8', p + 46, p + 46 + nameLength), offset });
    p += 46 + nameLength + extraLength + commentLength;
  }
  entries.sort((a, b) => a.offset - b.offset);
  if (entries.length === 0) return 'damaged';
  if (entries[0]!.offset !== 0) return 'as-is';

  // Each entry runs to the next one (so a data descriptor after its data comes along).
  const spans = entries.map((entry, i): { name: string; range: [number, number] } => ({
    name: entry.name,
    range: [entry.offset, entries[i + 1]?.offset ?? cdOffset],
  }));
  const sheets = spans.filter((s) => WORKSHEET.test(s.name));
  const others = spans.filter((s) => !WORKSHEET.test(s.name));
  return {
    ranges: [...others, ...sheets].map((s) => s.range).concat([[cdOffset, size]]),
    hasSharedStrings: spans.some((s) => s.name === 'xl/sharedStrings.xml'),
  };
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** The ranges' bytes in order, in chunks of at most `chunk` bytes; `onRead` counts them. */
export async function* readRanges(
  handle: FileHandle,
  ranges: [number, number][],
  onRead: (bytes: number) => void,
  chunk = 256 * 1024,
): AsyncGenerator<Buffer> {
  for (const [start, end] of ranges) {
    for (let position = start; position < end;) {
      const length = Math.min(chunk, end - position);
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      onRead(bytesRead);
      yield buffer.subarray(0, bytesRead);
    }
  }
}
