/**
 * Worker-thread entry of the reading half (rows.ts): posts row batches to the
 * importing thread, at most MAX_AHEAD unacknowledged, so a fast reader cannot
 * pile the file up in memory while SQLite writes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lineTransferables } from './line-prep.ts';
import type { ReaderChannel } from './reader-thread.ts';
import { transferables } from './row-columns.ts';
import { readRows, type RowStageSetup } from './rows.ts';

const MAX_AHEAD = 3;

/** The setup comes first (the thread may be started before the import is planned: see reader-thread.ts). */
export type ToReader = { type: 'setup'; setup: RowStageSetup } | { type: 'ack' } | { type: 'stop' };
export type FromReader =
  | { type: 'batch'; batch: import('./rows.ts').RowBatch }
  | { type: 'done'; fileHash: string | null }
  | { type: 'error'; name: string; message: string; stack: string | undefined };

const port = parentPort;
if (!port) throw new Error('row-worker.ts runs as a worker thread');
let ahead = 0;
let stopped = false;
let wake: (() => void) | null = null;
let setupGiven: (setup: RowStageSetup) => void = () => {};
const setup = new Promise<RowStageSetup>((resolve) => (setupGiven = resolve));
port.on('message', (m: ToReader) => {
  if (m.type === 'setup') setupGiven(m.setup);
  else if (m.type === 'ack') ahead--;
  else stopped = true;
  wake?.();
  wake = null;
});
// Batches, the end and failures go on the channel the importing thread polls (see reader-thread.ts).
const { port: out, posted } = workerData as ReaderChannel;
const post = (m: FromReader, transfer: ArrayBuffer[] = []) => {
  out.postMessage(m, transfer);
  Atomics.add(posted, 0, 1);
  Atomics.notify(posted, 0);
};

let fileHash: string | null = null;
try {
  for await (const batch of readRows(
    await setup,
    () => stopped,
    (hash) => (fileHash = hash),
  )) {
    const moved = [...transferables(batch.columns), batch.lines.buffer as ArrayBuffer];
    if (batch.prepared) moved.push(...lineTransferables(batch.prepared));
    post({ type: 'batch', batch }, moved);
    ahead++;
    while (ahead >= MAX_AHEAD && !stopped) await new Promise<void>((r) => (wake = r));
    if (stopped) break;
  }
  post({ type: 'done', fileHash });
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  post({ type: 'error', name: e.name, message: e.message, stack: e.stack });
} finally {
  port.close();
  out.close();
}
