/**
 * The shared-memory layout between the thread running k-means and its helper
 * thread (kmeans-worker.ts): the control words they step through once per
 * command (one small buffer for the helper's lifetime), and the per-fit
 * buffers each side maps.
 */
import { HELPER_WORDS } from '../../util/helper-thread.ts';

/** Control words past the ones every helper has (util/helper-thread.ts). */
export const CHANGED = HELPER_WORDS; // labels the helper changed in that command
export const CTRL_WORDS = HELPER_WORDS + 1;

/** Commands past CMD_RELEASE and CMD_SETUP, in the bits OP_MASK keeps; flags ride in the bits above. */
export const CMD_LLOYD = 2;
export const CMD_HAMERLY = 3;
export const OP_MASK = 3;
export const FLAG_SUMS = 4;
export const FLAG_FIRST = 8;
export const FLAG_MOVED = 16;

/** One fit's buffers, as posted to the helper. */
export interface SharedSetup {
  n: number;
  d: number;
  k: number;
  chunks: number;
  x: SharedArrayBuffer;
  xOffset: number;
  labels: SharedArrayBuffer;
  /** centers (k·d), then half, grow and shrink (k each). */
  params: SharedArrayBuffer;
  partSums: SharedArrayBuffer;
  partCounts: SharedArrayBuffer;
  /** upper then lower (n each); empty for Lloyd. */
  bounds: SharedArrayBuffer;
}

export interface SharedViews {
  X: Float64Array;
  labels: Int32Array;
  centers: Float64Array;
  half: Float64Array;
  grow: Float64Array;
  shrink: Float64Array;
  partSums: Float64Array;
  partCounts: Float64Array;
  upper: Float64Array;
  lower: Float64Array;
}

export function sharedViews(s: SharedSetup): SharedViews {
  const { n, d, k } = s;
  const hasBounds = s.bounds.byteLength > 0;
  return {
    X: new Float64Array(s.x, s.xOffset, n * d),
    labels: new Int32Array(s.labels),
    centers: new Float64Array(s.params, 0, k * d),
    half: new Float64Array(s.params, k * d * 8, k),
    grow: new Float64Array(s.params, (k * d + k) * 8, k),
    shrink: new Float64Array(s.params, (k * d + 2 * k) * 8, k),
    partSums: new Float64Array(s.partSums),
    partCounts: new Float64Array(s.partCounts),
    upper: hasBounds ? new Float64Array(s.bounds, 0, n) : new Float64Array(0),
    lower: hasBounds ? new Float64Array(s.bounds, n * 8, n) : new Float64Array(0),
  };
}
