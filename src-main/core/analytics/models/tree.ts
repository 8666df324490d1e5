/**
 * CART classification tree for a binary label (Gini impurity, max depth,
 * min samples per leaf), grown like scikit-learn's DecisionTreeClassifier
 * (best split over all features, thresholds halfway between neighbouring
 * values), plus readable rules such as
 *   "recency > 90 and frequency ≤ 2 → churn 0.82 (n = 120)".
 */

export interface TreeOptions {
  maxDepth?: number;
  minSamplesLeaf?: number;
  minSamplesSplit?: number;
}

export interface TreeNode {
  /** −1 for a leaf. */
  feature: number;
  threshold: number;
  left: TreeNode | null;
  right: TreeNode | null;
  n: number;
  /** Share of label 1 among the node's rows. */
  p: number;
  impurity: number;
}

export interface Tree {
  root: TreeNode;
  d: number;
  /** Normalized total Gini decrease per feature (scikit-learn's feature_importances_). */
  importances: Float64Array;
  leaves: number;
  depth: number;
}

// scikit-learn treats values closer than this as equal when looking for a split.
const FEATURE_THRESHOLD = 1e-7;

const gini = (pos: number, n: number) => {
  if (n === 0) return 0;
  const p = pos / n;
  return 1 - p * p - (1 - p) * (1 - p);
};

export function fitTree(X: Float64Array, n: number, d: number, y: ArrayLike<number>, options: TreeOptions = {}): Tree {
  if (X.length !== n * d || y.length !== n || n === 0) throw new RangeError('X must be n × d and y of length n ≥ 1');
  const maxDepth = options.maxDepth ?? 4;
  const minLeaf = options.minSamplesLeaf ?? 1;
  const minSplit = Math.max(options.minSamplesSplit ?? 2, 2 * minLeaf);
  if (!(Number.isInteger(maxDepth) && maxDepth >= 0)) throw new RangeError('maxDepth must be a whole number ≥ 0');
  if (!(Number.isInteger(minLeaf) && minLeaf >= 1)) throw new RangeError('minSamplesLeaf must be a whole number ≥ 1');
  for (let i = 0; i < n; i++) if (y[i] !== 0 && y[i] !== 1) throw new RangeError('labels must be 0 or 1');
  const importances = new Float64Array(d);
  let leaves = 0;
  let depthReached = 0;
  const goLeft = new Uint8Array(n);

  // Each node holds its rows sorted by every feature (with the values, so the
  // split scan reads memory in order); a split partitions those lists stably,
  // so sorting happens once: O(n·d) per level, not n log n per node.
  const grow = (sorted: Int32Array[], values: Float64Array[], depth: number): TreeNode => {
    const rows = sorted[0]!;
    const m = rows.length;
    let pos = 0;
    for (let i = 0; i < m; i++) pos += y[rows[i]!]!;
    const impurity = gini(pos, m);
    const node: TreeNode = { feature: -1, threshold: 0, left: null, right: null, n: m, p: pos / m, impurity };
    depthReached = Math.max(depthReached, depth);
    if (depth >= maxDepth || m < minSplit || impurity <= 1e-12) {
      leaves++;
      return node;
    }
    // Best split: the largest decrease of the weighted child impurity.
    let bestScore = Infinity;
    let bestFeature = -1;
    let bestThreshold = 0;
    for (let j = 0; j < d; j++) {
      const order = sorted[j]!;
      const vals = values[j]!;
      let leftPos = 0;
      for (let k = 0; k < m - 1; k++) {
        leftPos += y[order[k]!]!;
        const nl = k + 1;
        if (nl < minLeaf) continue;
        if (m - nl < minLeaf) break;
        const xa = vals[k]!;
        const xb = vals[k + 1]!;
        if (xb <= xa + FEATURE_THRESHOLD) continue;
        const score = nl * gini(leftPos, nl) + (m - nl) * gini(pos - leftPos, m - nl);
        if (score < bestScore) {
          bestScore = score;
          bestFeature = j;
          let t = (xa + xb) / 2;
          if (t === xb) t = xa;
          bestThreshold = t;
        }
      }
    }
    if (bestFeature < 0) {
      leaves++;
      return node;
    }
    importances[bestFeature]! += m * impurity - bestScore;
    let nLeft = 0;
    for (let i = 0; i < m; i++) {
      const r = rows[i]!;
      const l = X[r * d + bestFeature]! <= bestThreshold ? 1 : 0;
      goLeft[r] = l;
      nLeft += l;
    }
    const left: Int32Array[] = [];
    const right: Int32Array[] = [];
    const leftV: Float64Array[] = [];
    const rightV: Float64Array[] = [];
    for (let j = 0; j < d; j++) {
      const order = sorted[j]!;
      const vals = values[j]!;
      const a = new Int32Array(nLeft);
      const b = new Int32Array(m - nLeft);
      const av = new Float64Array(nLeft);
      const bv = new Float64Array(m - nLeft);
      let ia = 0;
      let ib = 0;
      for (let k = 0; k < m; k++) {
        const r = order[k]!;
        if (goLeft[r] === 1) {
          av[ia] = vals[k]!;
          a[ia++] = r;
        } else {
          bv[ib] = vals[k]!;
          b[ib++] = r;
        }
      }
      left.push(a);
      right.push(b);
      leftV.push(av);
      rightV.push(bv);
    }
    node.feature = bestFeature;
    node.threshold = bestThreshold;
    node.left = grow(left, leftV, depth + 1);
    node.right = grow(right, rightV, depth + 1);
    return node;
  };
  const presorted: Int32Array[] = [];
  const values: Float64Array[] = [];
  const col = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    // A contiguous copy of the column: the comparator's reads then stay in cache.
    for (let i = 0; i < n; i++) col[i] = X[i * d + j]!;
    const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => col[a]! - col[b]! || a - b);
    presorted.push(order);
    values.push(Float64Array.from(order, (i) => col[i]!));
  }
  const root = grow(presorted, values, 0);
  let total = 0;
  for (let j = 0; j < d; j++) total += importances[j]!;
  if (total > 0) for (let j = 0; j < d; j++) importances[j]! /= total;
  return { root, d, importances, leaves, depth: depthReached };
}

/** The leaf a row falls into. */
export function leafOf(tree: Tree, X: Float64Array, i: number): TreeNode {
  let node = tree.root;
  while (node.feature >= 0) node = X[i * tree.d + node.feature]! <= node.threshold ? node.left! : node.right!;
  return node;
}

/** P(y = 1) per row: the label-1 share of its leaf. */
export function predictTree(tree: Tree, X: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = leafOf(tree, X, i).p;
  return out;
}

export interface Condition {
  feature: number;
  op: '≤' | '>';
  value: number;
}

export interface Rule {
  conditions: Condition[];
  p: number;
  n: number;
  text: string;
}

/**
 * One rule per leaf, conditions on the same feature merged to the tightest
 * bound; `format` maps a threshold to display units (e.g. undoing a log).
 */
export function treeRules(
  tree: Tree,
  names: readonly string[],
  options: { outcome?: string; format?: (feature: number, value: number) => string } = {},
): Rule[] {
  const outcome = options.outcome ?? 'p';
  const fmt = options.format ?? ((_: number, v: number) => String(Math.round(v * 100) / 100));
  const rules: Rule[] = [];
  const walk = (node: TreeNode, path: Condition[]) => {
    if (node.feature < 0) {
      const merged = mergeConditions(path);
      const cond = merged.map((c) => `${names[c.feature] ?? `x${c.feature}`} ${c.op} ${fmt(c.feature, c.value)}`);
      const text = `${cond.length ? cond.join(' and ') : 'all'} → ${outcome} ${node.p.toFixed(2)} (n = ${node.n})`;
      rules.push({ conditions: merged, p: node.p, n: node.n, text });
      return;
    }
    walk(node.left!, [...path, { feature: node.feature, op: '≤', value: node.threshold }]);
    walk(node.right!, [...path, { feature: node.feature, op: '>', value: node.threshold }]);
  };
  walk(tree.root, []);
  return rules;
}

/** The path's conditions, per feature only the tightest lower and upper bound, in first-seen order. */
export function mergeConditions(path: readonly Condition[]): Condition[] {
  const out: Condition[] = [];
  for (const c of path) {
    const k = out.findIndex((o) => o.feature === c.feature && o.op === c.op);
    if (k < 0) out.push({ ...c });
    else if (c.op === '≤') out[k]!.value = Math.min(out[k]!.value, c.value);
    else out[k]!.value = Math.max(out[k]!.value, c.value);
  }
  return out;
}

/** The conditions leading to row i's leaf (merged), for explaining a single prediction. */
export function pathOf(tree: Tree, X: Float64Array, i: number): Condition[] {
  const path: Condition[] = [];
  let node = tree.root;
  while (node.feature >= 0) {
    const left = X[i * tree.d + node.feature]! <= node.threshold;
    path.push({ feature: node.feature, op: left ? '≤' : '>', value: node.threshold });
    node = left ? node.left! : node.right!;
  }
  return mergeConditions(path);
}
