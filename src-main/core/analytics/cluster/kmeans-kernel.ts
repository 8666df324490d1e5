/**
 * The k-means assignment kernels, shared by the calling thread and the helper
 * thread (kmeans-worker.ts). Points are processed in fixed chunks of CHUNK
 * rows; each chunk sums its points into its own slot of `sums`/`counts`, and
 * the slots are added in chunk order afterwards. The chunking never depends on
 * how many threads run, so one thread and two give bit-identical centers.
 *
 * Every distance is computed as Σ (x − c)² in coordinate order — the same
 * arithmetic as sqDist — so Lloyd and Hamerly decide every point alike. Lloyd
 * sums its chunks afresh each assignment; Hamerly keeps running sums and moves
 * only the points that change cluster, so its centers match Lloyd's up to
 * rounding (about 1e-15 relative), not to the bit.
 */

/** Rows per accumulation chunk. */
export const CHUNK = 32_768;

export function chunkCount(n: number): number {
  return Math.ceil(n / CHUNK);
}

/**
 * Nearest and second-nearest center of the point at offset a: out[0] = index
 * (first on ties), out[1] = its squared distance, out[2] = the second
 * smallest. Four centers share one pass over the coordinates so their four
 * independent sums run in parallel on the CPU; each sum still adds its terms
 * in coordinate order, so every distance is bit-identical to sqDist's.
 */
export function nearestTwo(X: Float64Array, a: number, C: Float64Array, k: number, d: number, out: Float64Array): void {
  let best = 0;
  let bestD = Infinity;
  let second = Infinity;
  let j = 0;
  for (; j + 4 <= k; j += 4) {
    const b0 = j * d;
    const b1 = b0 + d;
    const b2 = b1 + d;
    const b3 = b2 + d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let t = 0; t < d; t++) {
      const x = X[a + t]!;
      const e0 = x - C[b0 + t]!;
      const e1 = x - C[b1 + t]!;
      const e2 = x - C[b2 + t]!;
      const e3 = x - C[b3 + t]!;
      s0 += e0 * e0;
      s1 += e1 * e1;
      s2 += e2 * e2;
      s3 += e3 * e3;
    }
    // In index order, strict <: the same winner and runner-up as one center at a time.
    if (s0 < bestD) {
      second = bestD;
      bestD = s0;
      best = j;
    } else if (s0 < second) second = s0;
    if (s1 < bestD) {
      second = bestD;
      bestD = s1;
      best = j + 1;
    } else if (s1 < second) second = s1;
    if (s2 < bestD) {
      second = bestD;
      bestD = s2;
      best = j + 2;
    } else if (s2 < second) second = s2;
    if (s3 < bestD) {
      second = bestD;
      bestD = s3;
      best = j + 3;
    } else if (s3 < second) second = s3;
  }
  for (; j < k; j++) {
    const b = j * d;
    let s = 0;
    for (let t = 0; t < d; t++) {
      const e = X[a + t]! - C[b + t]!;
      s += e * e;
    }
    if (s < bestD) {
      second = bestD;
      bestD = s;
      best = j;
    } else if (s < second) second = s;
  }
  out[0] = best;
  out[1] = bestD;
  out[2] = second;
}

/** Adds row a of X to slot `o` of sums. */
function accumulate(X: Float64Array, a: number, d: number, sums: Float64Array, o: number): void {
  for (let t = 0; t < d; t++) sums[o + t]! += X[a + t]!;
}

/** Takes row a of X off slot `o` of sums. */
function subtract(X: Float64Array, a: number, d: number, sums: Float64Array, o: number): void {
  for (let t = 0; t < d; t++) sums[o + t]! -= X[a + t]!;
}

/**
 * Lloyd assignment of chunks [c0, c1): nearest center of every point (first on
 * ties) into labels; with sums, each chunk's points summed into its slot
 * (sums: chunks × k × d, counts: chunks × k, zeroed by the caller). Returns how
 * many labels changed.
 */
export function lloydChunks(
  X: Float64Array,
  n: number,
  d: number,
  k: number,
  C: Float64Array,
  labels: Int32Array,
  c0: number,
  c1: number,
  sums: Float64Array | null,
  counts: Float64Array | null,
): number {
  if (d === 8) return lloyd8(X, n, k, C, labels, c0, c1, sums, counts);
  let changed = 0;
  const near = new Float64Array(3);
  for (let ch = c0; ch < c1; ch++) {
    const i1 = Math.min(n, (ch + 1) * CHUNK);
    const so = ch * k * d;
    const co = ch * k;
    for (let i = ch * CHUNK; i < i1; i++) {
      const a = i * d;
      nearestTwo(X, a, C, k, d, near);
      const best = near[0]!;
      if (labels[i] !== best) {
        changed++;
        labels[i] = best;
      }
      if (sums) {
        accumulate(X, a, d, sums, so + best * d);
        counts![co + best]!++;
      }
    }
  }
  return changed;
}

/**
 * What Hamerly's assignment reads besides the points: the per-point bounds
 * (upper ≥ distance to its center, lower ≤ distance to any other center) and
 * per-center figures — half the distance to the nearest other center, and the
 * loosening owed since the last assignment (its own move, added to upper; the
 * largest move of another center, taken off lower), applied as each point is
 * visited so the bounds are read and written in one pass.
 */
export interface HamerlyState {
  upper: Float64Array;
  lower: Float64Array;
  half: Float64Array;
  grow: Float64Array;
  shrink: Float64Array;
}

// Relative slack on the bound tests: rounding in the bound updates must never
// let a point skip a distance check that Lloyd would decide differently.
const SLACK = 1 - 1e-9;

/**
 * Hamerly assignment of chunks [c0, c1); `first` scans every point, `moved` applies grow/shrink. With sums, the
 * first assignment sums every point into its chunk's slot; later ones keep those running sums and move only the
 * points that change cluster (from the old cluster's slot to the new one's). Most points keep their cluster once
 * the centers settle, so an assignment then reads little more than the bounds: the points whose bounds hold are
 * not read at all.
 */
export function hamerlyChunks(
  X: Float64Array,
  n: number,
  d: number,
  k: number,
  C: Float64Array,
  labels: Int32Array,
  c0: number,
  c1: number,
  sums: Float64Array | null,
  counts: Float64Array | null,
  h: HamerlyState,
  first: boolean,
  moved: boolean,
): number {
  if (d === 8) return hamerly8(X, n, k, C, labels, c0, c1, sums, counts, h, first, moved);
  const { upper, lower, half, grow, shrink } = h;
  const near = new Float64Array(3);
  let changed = 0;
  for (let ch = c0; ch < c1; ch++) {
    const i1 = Math.min(n, (ch + 1) * CHUNK);
    const so = ch * k * d;
    const co = ch * k;
    for (let i = ch * CHUNK; i < i1; i++) {
      const a = i * d;
      let lab = labels[i]!;
      let u = Infinity;
      let l = 0;
      let scan = first;
      if (!first) {
        u = upper[i]!;
        l = lower[i]!;
        if (moved) {
          u += grow[lab]!;
          l -= shrink[lab]!;
        }
        const m = Math.max(half[lab]!, l) * SLACK;
        if (u > m) {
          // Tighten the upper bound to the exact distance (the same arithmetic as sqDist).
          const b = lab * d;
          let s = 0;
          for (let t = 0; t < d; t++) {
            const e = X[a + t]! - C[b + t]!;
            s += e * e;
          }
          u = Math.sqrt(s);
          scan = u > m;
        }
      }
      if (scan) {
        // Full scan, the same arithmetic and tie rule as Lloyd's.
        nearestTwo(X, a, C, k, d, near);
        const best = near[0]!;
        u = Math.sqrt(near[1]!);
        l = Math.sqrt(near[2]!);
        if (lab !== best) {
          changed++;
          if (sums && !first) {
            subtract(X, a, d, sums, so + lab * d);
            accumulate(X, a, d, sums, so + best * d);
            counts![co + lab]!--;
            counts![co + best]!++;
          }
          labels[i] = lab = best;
        }
      }
      upper[i] = u;
      lower[i] = l;
      if (sums && first) {
        accumulate(X, a, d, sums, so + lab * d);
        counts![co + lab]!++;
      }
    }
  }
  return changed;
}

/** Adds the chunk slots in chunk order into sums (k × d) and counts (k). */
export function reduceChunks(
  chunks: number,
  k: number,
  d: number,
  partSums: Float64Array,
  partCounts: Float64Array,
  sums: Float64Array,
  counts: Float64Array,
): void {
  const kd = k * d;
  sums.set(partSums.subarray(0, kd));
  counts.set(partCounts.subarray(0, k));
  for (let ch = 1; ch < chunks; ch++) {
    const so = ch * kd;
    for (let q = 0; q < kd; q++) sums[q]! += partSums[so + q]!;
    const co = ch * k;
    for (let j = 0; j < k; j++) counts[j]! += partCounts[co + j]!;
  }
}

/*
 * d = 8 (the common "a handful of features" case): the same loops with the
 * point's coordinates held in locals for every center and for the sums, and
 * the coordinate loop unrolled — the same sums in the same order, about half
 * the time per point.
 */

/** Σ (x − c)² for the row at offset b of C, in coordinate order (sqDist's arithmetic; the sign of x − c drops out). */
export function sqDist8(
  C: Float64Array,
  b: number,
  x0: number,
  x1: number,
  x2: number,
  x3: number,
  x4: number,
  x5: number,
  x6: number,
  x7: number,
): number {
  let e = x0 - C[b]!;
  let s = e * e;
  e = x1 - C[b + 1]!;
  s += e * e;
  e = x2 - C[b + 2]!;
  s += e * e;
  e = x3 - C[b + 3]!;
  s += e * e;
  e = x4 - C[b + 4]!;
  s += e * e;
  e = x5 - C[b + 5]!;
  s += e * e;
  e = x6 - C[b + 6]!;
  s += e * e;
  e = x7 - C[b + 7]!;
  return s + e * e;
}

/** Adds the point to slot o of sums. */
function add8(
  sums: Float64Array,
  o: number,
  x0: number,
  x1: number,
  x2: number,
  x3: number,
  x4: number,
  x5: number,
  x6: number,
  x7: number,
): void {
  sums[o]! += x0;
  sums[o + 1]! += x1;
  sums[o + 2]! += x2;
  sums[o + 3]! += x3;
  sums[o + 4]! += x4;
  sums[o + 5]! += x5;
  sums[o + 6]! += x6;
  sums[o + 7]! += x7;
}

/** lloydChunks for d = 8. */
function lloyd8(
  X: Float64Array,
  n: number,
  k: number,
  C: Float64Array,
  labels: Int32Array,
  c0: number,
  c1: number,
  sums: Float64Array | null,
  counts: Float64Array | null,
): number {
  let changed = 0;
  for (let ch = c0; ch < c1; ch++) {
    const i1 = Math.min(n, (ch + 1) * CHUNK);
    const so = ch * k * 8;
    const co = ch * k;
    for (let i = ch * CHUNK; i < i1; i++) {
      const a = i * 8;
      const x0 = X[a]!;
      const x1 = X[a + 1]!;
      const x2 = X[a + 2]!;
      const x3 = X[a + 3]!;
      const x4 = X[a + 4]!;
      const x5 = X[a + 5]!;
      const x6 = X[a + 6]!;
      const x7 = X[a + 7]!;
      let best = 0;
      let bestD = Infinity;
      for (let j = 0, b = 0; j < k; j++, b += 8) {
        const s = sqDist8(C, b, x0, x1, x2, x3, x4, x5, x6, x7);
        // Branch-free: the winner is unpredictable from point to point.
        const lt = s < bestD;
        best = lt ? j : best;
        bestD = lt ? s : bestD;
      }
      if (labels[i] !== best) {
        changed++;
        labels[i] = best;
      }
      if (sums) {
        const o = so + best * 8;
        add8(sums, o, x0, x1, x2, x3, x4, x5, x6, x7);
        counts![co + best]!++;
      }
    }
  }
  return changed;
}

/** hamerlyChunks for d = 8: the point is read only when its bounds fail. */
function hamerly8(
  X: Float64Array,
  n: number,
  k: number,
  C: Float64Array,
  labels: Int32Array,
  c0: number,
  c1: number,
  sums: Float64Array | null,
  counts: Float64Array | null,
  h: HamerlyState,
  first: boolean,
  moved: boolean,
): number {
  const { upper, lower, half, grow, shrink } = h;
  let changed = 0;
  for (let ch = c0; ch < c1; ch++) {
    const i1 = Math.min(n, (ch + 1) * CHUNK);
    const so = ch * k * 8;
    const co = ch * k;
    for (let i = ch * CHUNK; i < i1; i++) {
      let lab = labels[i]!;
      let u = Infinity;
      let l = 0;
      let m = 0;
      if (!first) {
        u = upper[i]!;
        l = lower[i]!;
        if (moved) {
          u += grow[lab]!;
          l -= shrink[lab]!;
        }
        m = Math.max(half[lab]!, l) * SLACK;
        if (u <= m) {
          upper[i] = u;
          lower[i] = l;
          continue;
        }
      }
      const a = i * 8;
      const x0 = X[a]!;
      const x1 = X[a + 1]!;
      const x2 = X[a + 2]!;
      const x3 = X[a + 3]!;
      const x4 = X[a + 4]!;
      const x5 = X[a + 5]!;
      const x6 = X[a + 6]!;
      const x7 = X[a + 7]!;
      let scan = first;
      if (!first) {
        // Tighten the upper bound to the exact distance (the same arithmetic as sqDist).
        const b = lab * 8;
        const s = sqDist8(C, b, x0, x1, x2, x3, x4, x5, x6, x7);
        u = Math.sqrt(s);
        scan = u > m;
      }
      if (scan) {
        // Full scan, the same arithmetic and tie rule as Lloyd's.
        let best = 0;
        let bestD = Infinity;
        let second = Infinity;
        for (let j = 0, b = 0; j < k; j++, b += 8) {
          const s = sqDist8(C, b, x0, x1, x2, x3, x4, x5, x6, x7);
          // Branch-free (as in lloyd8): if s < bestD it becomes the best and the old best the second.
          const lt = s < bestD;
          second = lt ? bestD : s < second ? s : second;
          best = lt ? j : best;
          bestD = lt ? s : bestD;
        }
        u = Math.sqrt(bestD);
        l = Math.sqrt(second);
        if (lab !== best) {
          changed++;
          if (sums && !first) {
            // The point moves between running sums: off its old cluster's slot, onto the new one's.
            const o = so + lab * 8;
            add8(sums, o, -x0, -x1, -x2, -x3, -x4, -x5, -x6, -x7); // a − x is a + (−x) to the bit
            counts![co + lab]!--;
            const p = so + best * 8;
            add8(sums, p, x0, x1, x2, x3, x4, x5, x6, x7);
            counts![co + best]!++;
          }
          labels[i] = lab = best;
        }
      }
      upper[i] = u;
      lower[i] = l;
      if (sums && first) {
        const o = so + lab * 8;
        add8(sums, o, x0, x1, x2, x3, x4, x5, x6, x7);
        counts![co + lab]!++;
      }
    }
  }
  return changed;
}
