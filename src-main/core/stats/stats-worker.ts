/**
 * Entry of a thread that reads the Overview's figures (totals, trend) from its own read-only connection. On a
 * million-customer shop they scan every order (seconds): off the thread that serves the API, a slow read never
 * holds up other requests. It stores what it read in the workspace (figures-store.ts) before answering, so the
 * write waits here, never on the API's thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openWorkspace } from '../db/workspace.ts';
import { readFigures, type FiguresJob } from './figures.ts';
import { storeFigures } from './figures-store.ts';

const { dbPath, request, key, stamp } = workerData as FiguresJob;
const db = openWorkspace(dbPath, { readonly: true, check: false });
try {
  const value = readFigures(db, request);
  db.close();
  storeFigures(dbPath, key, stamp, value);
  parentPort?.postMessage({ ok: true, value });
} catch (err) {
  parentPort?.postMessage({ ok: false, message: (err as Error).message });
} finally {
  if (db.open) db.close();
}
