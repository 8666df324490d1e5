/** Helper-thread entry for evaluate-parallel.ts: claims folds from the shared counter and sends each one's figures. */
import { parentPort, workerData } from 'node:worker_threads';
import { makeAlgorithm } from './algorithms.ts';
import { runFold } from './evaluate.ts';
import type { CvWorkerData, CvWorkerMessage } from './evaluate-parallel.ts';
import { kFold } from './folds.ts';

const { data, params, folds, seed, next } = workerData as CvWorkerData;
const algo = makeAlgorithm(params);
const splits = kFold(data.ratings.length, folds, seed);
const counter = new Int32Array(next);
const send = (m: CvWorkerMessage) => parentPort!.postMessage(m);
for (let f = Atomics.add(counter, 0, 1); f < splits.length; f = Atomics.add(counter, 0, 1)) {
  send({ fold: f, result: runFold(data, algo, splits[f]!) });
}
send({ done: true });
