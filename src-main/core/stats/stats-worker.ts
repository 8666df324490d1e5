/**
 * Entry of a thread that reads the Overview's figures (totals, trend) from its own read-only connection. On a
 * million-customer shop they scan every order (seconds): off the thread that serves the API, a slow read never
 * holds up other requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openWorkspace } from '../db/workspace.ts';
import { readFigures, type FiguresRequest } from './figures.ts';

const { dbPath, request } = workerData as { dbPath: string; request: FiguresRequest };
const db = openWorkspace(dbPath, { readonly: true, check: false });
try {
  parentPort?.postMessage({ ok: true, value: readFigures(db, request) });
} catch (err) {
  parentPort?.postMessage({ ok: false, message: (err as Error).message });
} finally {
  db.close();
}
