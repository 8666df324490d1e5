/**
 * Weekly demand forecasting by least squares on a linear trend plus yearly
 * seasonality (3 Fourier pairs of the week of the year, only when the
 * training history spans at least 52 weeks, so they are identifiable),
 * compared with the seasonal-naive baseline (the value 52 weeks earlier; the
 * last value when history is shorter than a year).
 */

/** Mean weeks per year: the Fourier phase of a week follows the calendar. */
const YEAR_WEEKS = 365.2425 / 7;
const FOURIER_K = 3;

/** Design row for absolute week w (Monday-based week index since the epoch); n = training length for scaling. */
function features(w: number, w0: number, n: number, seasonal: boolean): number[] {
  const row = [1, (w - w0) / Math.max(1, n)];
  if (seasonal) {
    for (let k = 1; k <= FOURIER_K; k++) {
      const a = (2 * Math.PI * k * w) / YEAR_WEEKS;
      row.push(Math.sin(a), Math.cos(a));
    }
  }
  return row;
}

/** Solves the normal equations (XᵀX + εI)β = Xᵀy by Gaussian elimination with partial pivoting; ε keeps a flat series solvable. */
export function leastSquares(X: number[][], y: ArrayLike<number>): Float64Array {
  const p = X[0]?.length ?? 0;
  const A = Array.from({ length: p }, () => new Float64Array(p + 1));
  for (let i = 0; i < X.length; i++) {
    const r = X[i]!;
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < p; b++) A[a]![b]! += r[a]! * r[b]!;
      A[a]![p]! += r[a]! * y[i]!;
    }
  }
  for (let a = 0; a < p; a++) A[a]![a]! += 1e-9 * X.length;
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k <= p; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  return Float64Array.from({ length: p }, (_, a) => A[a]![p]! / A[a]![a]!);
}

export interface Forecaster {
  seasonal: boolean;
  coef: Float64Array;
  /** Forecast for absolute weeks (clipped at 0: demand is never negative). */
  predict(weeks: readonly number[]): Float64Array;
}

/** Fits the regression on y at absolute weeks w0, w0+1, …. */
export function fitTrendSeasonal(y: ArrayLike<number>, w0: number): Forecaster {
  const n = y.length;
  const seasonal = n >= 52;
  const X = Array.from({ length: n }, (_, t) => features(w0 + t, w0, n, seasonal));
  const coef = leastSquares(X, y);
  return {
    seasonal,
    coef,
    predict: (weeks) =>
      Float64Array.from(weeks, (w) => {
        const f = features(w, w0, n, seasonal);
        let v = 0;
        for (let j = 0; j < f.length; j++) v += f[j]! * coef[j]!;
        return Math.max(0, v);
      }),
  };
}

/** Seasonal-naive forecast h = 1..H weeks after the end of y: y[t − 52] (repeating), else the last value. */
export function seasonalNaive(y: ArrayLike<number>, horizon: number): Float64Array {
  const n = y.length;
  return Float64Array.from({ length: horizon }, (_, h) => {
    if (n >= 52) return y[n - 52 + (h % 52)]!;
    return n > 0 ? y[n - 1]! : 0;
  });
}

/** Symmetric MAPE in percent, 0–200; a week where both are 0 counts as a perfect 0. */
export function smape(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const f = forecast[i]!;
    const d = Math.abs(a) + Math.abs(f);
    if (d > 0) s += (200 * Math.abs(a - f)) / d;
  }
  return actual.length ? s / actual.length : 0;
}
