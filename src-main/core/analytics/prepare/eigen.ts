/**
 * Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations:
 * O(d³) per sweep and a handful of sweeps, exact to rounding — the right tool
 * for covariance matrices of up to ~100 features (PCA, projections).
 */

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: Float64Array;
  /** d × d row-major, row c = the unit eigenvector of values[c]. */
  vectors: Float64Array;
}

/** A is d × d row-major and symmetric (only read, not changed). */
export function symmetricEigen(A: ArrayLike<number>, d: number): SymmetricEigen {
  if (A.length !== d * d) throw new RangeError(`matrix must be ${d} × ${d}`);
  const a = Float64Array.from(A);
  // v's columns collect the rotations: A = V diag(λ) Vᵀ.
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let scale = 0;
  for (let k = 0; k < d * d; k++) scale += a[k]! * a[k]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q]! ** 2;
    // Relative stop: the off-diagonal mass is rounding noise next to the whole matrix.
    if (off <= 1e-30 * scale || off < 1e-300) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (apq === 0) continue;
        const theta = (a[q * d + q]! - a[p * d + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < d; r++) {
          const arp = a[r * d + p]!;
          const arq = a[r * d + q]!;
          a[r * d + p] = c * arp - s * arq;
          a[r * d + q] = s * arp + c * arq;
        }
        for (let r = 0; r < d; r++) {
          const apr = a[p * d + r]!;
          const aqr = a[q * d + r]!;
          a[p * d + r] = c * apr - s * aqr;
          a[q * d + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < d; r++) {
          const vrp = v[r * d + p]!;
          const vrq = v[r * d + q]!;
          v[r * d + p] = c * vrp - s * vrq;
          v[r * d + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((x, y) => a[y * d + y]! - a[x * d + x]! || x - y);
  const values = Float64Array.from(order, (i) => a[i * d + i]!);
  const vectors = new Float64Array(d * d);
  order.forEach((col, c) => {
    for (let r = 0; r < d; r++) vectors[c * d + r] = v[r * d + col]!;
  });
  return { values, vectors };
}
