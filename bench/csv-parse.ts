/**
 * Micro-benchmark of the delimited-text reader: `node bench/csv-parse.ts [rows]`.
 * Writes an 8-column CSV to the temp folder once, then times the bare parser
 * over decoded chunks and the whole openSource() pipeline (read, decode, parse, batch).
 */

import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { DelimitedParser } from '../src-main/core/import/source/delimited-parser.ts';
import { openSource } from '../src-main/core/import/source/index.ts';

const rows = Number(process.argv[2] ?? 1_000_000);
const path = join(tmpdir(), `mw-bench-${rows}.csv`);

async function generate(): Promise<void> {
  const out = createWriteStream(path);
  out.write('order_id,customer_id,order_date,sku,quantity,unit_price,amount,status\n');
  let chunk = '';
  for (let i = 1; i <= rows; i++) {
    const qty = (i % 5) + 1;
    const price = ((i * 37) % 10000) / 100;
    const day = String((i % 28) + 1).padStart(2, '0');
    chunk += `${100000 + i},C${i % 50000},2024-03-${day},SKU-${i % 997},${qty},${price.toFixed(2)},${(qty * price).toFixed(2)},${i % 13 === 0 ? '"refunded, partial"' : 'paid'}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

if (!existsSync(path)) await generate();
const mb = statSync(path).size / 1e6;

// 1. The bare parser over 256 KiB string chunks already in memory.
const text = readFileSync(path, 'utf8');
const chunks: string[] = [];
for (let i = 0; i < text.length; i += 256 * 1024) chunks.push(text.slice(i, i + 256 * 1024));
for (let run = 0; run < 3; run++) {
  const start = performance.now();
  const parser = new DelimitedParser(',');
  let count = 0;
  for (const chunk of chunks) {
    parser.push(chunk);
    count += parser.take().length;
  }
  parser.end();
  count += parser.take().length;
  const s = (performance.now() - start) / 1000;
  console.log(
    `parser   run ${run + 1}: ${count} records in ${s.toFixed(3)} s = ${Math.round(count / s).toLocaleString('en')} rows/s (${(mb / s).toFixed(0)} MB/s)`,
  );
}

// Yardstick for this machine: naive line.split(',') over the same chunks (no quotes, no line numbers).
{
  const start = performance.now();
  let count = 0;
  let rest = '';
  for (const chunk of chunks) {
    const s = rest + chunk;
    let pos = 0;
    for (let end = s.indexOf('\n'); end !== -1; end = s.indexOf('\n', pos)) {
      if (s.slice(pos, end).split(',').length > 0) count++;
      pos = end + 1;
    }
    rest = s.slice(pos);
  }
  const s = (performance.now() - start) / 1000;
  console.log(
    `split()  yardstick: ${count} lines in ${s.toFixed(3)} s = ${Math.round(count / s).toLocaleString('en')} rows/s`,
  );
}

// 2. openSource(): file reads, encoding sniffing, UTF-8 decoding, parsing, batching.
for (let run = 0; run < 3; run++) {
  const start = performance.now();
  const source = await openSource(path);
  let count = 0;
  for await (const batch of source.batches()) count += batch.length;
  await source.close();
  const s = (performance.now() - start) / 1000;
  console.log(
    `pipeline run ${run + 1}: ${count} records in ${s.toFixed(3)} s = ${Math.round(count / s).toLocaleString('en')} rows/s (${(mb / s).toFixed(0)} MB/s)`,
  );
}
