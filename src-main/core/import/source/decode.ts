/** Raw file chunks → text, with a stateful decoder so characters split between chunks stay whole. */

import iconv from 'iconv-lite';
import type { FileChunks } from './file-chunks.ts';

export async function* decodeChunks(file: FileChunks, encoding: string): AsyncGenerator<string> {
  // iconv-lite drops a leading BOM for the Unicode encodings (its default stripBOM).
  const decoder = iconv.getDecoder(encoding);
  let first = true;
  for await (const chunk of file.chunks()) {
    let text = decoder.write(chunk);
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length > 0) yield text;
  }
  const tail = decoder.end();
  if (tail) yield first && tail.charCodeAt(0) === 0xfeff ? tail.slice(1) : tail;
}

/** The start of the file as text; a character cut by the sample's end is dropped. */
export function decodeSample(sample: Buffer, encoding: string): string {
  const text = iconv.getDecoder(encoding).write(sample);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
