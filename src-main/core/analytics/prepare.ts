/**
 * Feature transforms for the clustering analyses, on an n × d matrix stored
 * row-major (element (i, j) at i·d + j) or column-major (at j·n + i). Each
 * transform returns its fitted parameters so a run can report them and map
 * results (cluster centers) back to original units with `inverseTransform`.
 */

export type Layout = 'row' | 'col';

export type TransformName = 'log1p' | 'standardize' | 'minmax';

export const TRANSFORMS: readonly TransformName[] = ['log1p', 'standardize', 'minmax'];

export type FittedTransform =
  | { kind: 'log1p' }
  /** x' = (x − mean) / scale; scale is the population std (ddof 0), 1 where it is 0. */
  | { kind: 'standardize'; mean: number[]; scale: number[] }
  /** x' = (x − min) / (max − min), or x − min where max = min (sklearn MinMaxScaler). */
  | { kind: 'minmax'; min: number[]; max: number[] };

export interface Matrix {
  data: Float64Array;
  n: number;
  d: number;
  layout: Layout;
}

const at = (m: Matrix, i: number, j: number) => (m.layout === 'row' ? i * m.d + j : j * m.n + i);

/** log(1 + x) per element; x must be > −1. Returns a new matrix. */
export function log1p(m: Matrix): { matrix: Matrix; fitted: FittedTransform } {
  const out = new Float64Array(m.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = m.data[i]!;
    if (!(v > -1)) throw new RangeError(`log1p needs values above −1, got ${v}`);
    out[i] = Math.log1p(v);
  }
  return { matrix: { ...m, data: out }, fitted: { kind: 'log1p' } };
}

/** Column means and population standard deviations (two-pass, so large offsets do not lose precision). */
function columnMoments(m: Matrix): { mean: number[]; std: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < m.d; j++) {
    let s = 0;
    for (let i = 0; i < m.n; i++) s += m.data[at(m, i, j)]!;
    const mu = m.n > 0 ? s / m.n : 0;
    let ss = 0;
    for (let i = 0; i < m.n; i++) {
      const e = m.data[at(m, i, j)]! - mu;
      ss += e * e;
    }
    mean.push(mu);
    std.push(m.n > 0 ? Math.sqrt(ss / m.n) : 0);
  }
  return { mean, std };
}

/** Zero mean, unit population variance per column (sklearn StandardScaler); constant columns are only centred. */
export function standardize(m: Matrix): { matrix: Matrix; fitted: FittedTransform } {
  const { mean, std } = columnMoments(m);
  // sklearn treats a std that is tiny relative to the mean as zero too; exact zero is what matters here.
  const scale = std.map((s) => (s === 0 ? 1 : s));
  const fitted: FittedTransform = { kind: 'standardize', mean, scale };
  return { matrix: apply(m, fitted), fitted };
}

/** Scales each column onto [0, 1]. */
export function minmax(m: Matrix): { matrix: Matrix; fitted: FittedTransform } {
  const min: number[] = [];
  const max: number[] = [];
  for (let j = 0; j < m.d; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < m.n; i++) {
      const v = m.data[at(m, i, j)]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    min.push(m.n > 0 ? lo : 0);
    max.push(m.n > 0 ? hi : 0);
  }
  const fitted: FittedTransform = { kind: 'minmax', min, max };
  return { matrix: apply(m, fitted), fitted };
}

/** Applies an already fitted transform to a (new) matrix with the same columns. */
export function apply(m: Matrix, t: FittedTransform): Matrix {
  if (t.kind === 'log1p') return log1p(m).matrix;
  const out = new Float64Array(m.data.length);
  for (let j = 0; j < m.d; j++) {
    const shift = t.kind === 'standardize' ? t.mean[j]! : t.min[j]!;
    const range = t.kind === 'standardize' ? t.scale[j]! : t.max[j]! - t.min[j]!;
    const div = range === 0 ? 1 : range;
    for (let i = 0; i < m.n; i++) {
      const k = at(m, i, j);
      out[k] = (m.data[k]! - shift) / div;
    }
  }
  return { ...m, data: out };
}

/** Maps a matrix back through one fitted transform. */
export function invert(m: Matrix, t: FittedTransform): Matrix {
  const out = new Float64Array(m.data.length);
  if (t.kind === 'log1p') {
    for (let k = 0; k < out.length; k++) out[k] = Math.expm1(m.data[k]!);
    return { ...m, data: out };
  }
  for (let j = 0; j < m.d; j++) {
    const shift = t.kind === 'standardize' ? t.mean[j]! : t.min[j]!;
    const range = t.kind === 'standardize' ? t.scale[j]! : t.max[j]! - t.min[j]!;
    const mul = range === 0 ? 1 : range;
    for (let i = 0; i < m.n; i++) {
      const k = at(m, i, j);
      out[k] = m.data[k]! * mul + shift;
    }
  }
  return { ...m, data: out };
}

/** Fits and applies a chain of transforms in order; returns the result and each step's fitted parameters. */
export function transform(m: Matrix, names: readonly string[]): { matrix: Matrix; fitted: FittedTransform[] } {
  let cur = m;
  const fitted: FittedTransform[] = [];
  for (const name of names) {
    let step: { matrix: Matrix; fitted: FittedTransform };
    if (name === 'log1p') step = log1p(cur);
    else if (name === 'standardize') step = standardize(cur);
    else if (name === 'minmax') step = minmax(cur);
    else throw new RangeError(`unknown transform "${name}" (expected one of ${TRANSFORMS.join(', ')})`);
    cur = step.matrix;
    fitted.push(step.fitted);
  }
  return { matrix: cur, fitted };
}

/** Undoes a chain of fitted transforms (last first), e.g. to report cluster centers in original units. */
export function inverseTransform(m: Matrix, fitted: readonly FittedTransform[]): Matrix {
  let cur = m;
  for (let s = fitted.length - 1; s >= 0; s--) cur = invert(cur, fitted[s]!);
  return cur;
}

/** Copies a matrix into the other layout. */
export function toLayout(m: Matrix, layout: Layout): Matrix {
  if (m.layout === layout) return m;
  const out: Matrix = { data: new Float64Array(m.data.length), n: m.n, d: m.d, layout };
  for (let i = 0; i < m.n; i++) for (let j = 0; j < m.d; j++) out.data[at(out, i, j)] = m.data[at(m, i, j)]!;
  return out;
}
