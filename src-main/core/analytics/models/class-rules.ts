/**
 * Readable rules of the classify job's one-vs-rest trees: per class, one
 * rule per leaf of that class's tree ("share:Books > 0.31 and age = 青年 →
 * Books 0.62 (n = 140)"), largest support first. The trees split prepared
 * columns (log1p, standardized); both steps are increasing, so every
 * threshold maps back to one raw-unit threshold with the same side for every
 * row, and the rules read — and evaluate — in the customer's own units.
 */
import { mergeConditions, type Condition, type Tree, type TreeNode } from './tree.ts';

export interface RawCondition {
  /** The feature's name as in the result's `features`. */
  feature: string;
  op: '≤' | '>';
  /** Raw units (days, counts, amounts, shares 0–1, one-hot 0/1). */
  value: number;
}

export interface ClassRule {
  conditions: RawCondition[];
  /** Share of the class among the leaf's training rows. */
  p: number;
  /** Training rows in the leaf (the rule's support). */
  n: number;
  text: string;
}

export interface ClassRuleSet {
  class: string;
  /** Every leaf of the class's tree, largest n first: together they cover each training row once. */
  rules: ClassRule[];
}

const round = (v: number) => {
  if (Math.abs(v) >= 10) return String(Math.round(v));
  return String(Math.round(v * 1000) / 1000);
};

// One-hot columns ("age=青年", "city=other") hold 0 or 1: a split reads as "is" or "is not".
const isOneHot = (feature: string) => feature.includes('=');

/** A condition in English, one-hots as "age = 青年" / "age ≠ 青年". */
export function conditionText(c: RawCondition): string {
  if (isOneHot(c.feature)) {
    const [name, level] = c.feature.split('=') as [string, string];
    // Thresholds of a 0/1 column lie in (0, 1): above means 1.
    return `${name} ${c.op === '>' ? '=' : '≠'} ${level}`;
  }
  return `${c.feature} ${c.op} ${round(c.value)}`;
}

/** Does the raw row satisfy every condition (the round trip of a rule)? */
export function ruleMatches(rule: ClassRule, raw: Float64Array, row: number, d: number, index: Map<string, number>) {
  return rule.conditions.every((c) => {
    const v = raw[row * d + index.get(c.feature)!]!;
    return c.op === '≤' ? v <= c.value : v > c.value;
  });
}

/**
 * Rules per class. `columns[j]` names the prepared column j of the trees;
 * `toRaw(j, t)` maps a prepared threshold back to raw units.
 */
export function classRules(
  trees: readonly Tree[],
  classes: readonly string[],
  columns: readonly string[],
  toRaw: (column: number, threshold: number) => number,
): ClassRuleSet[] {
  return trees.map((tree, c) => {
    const cls = classes[c]!;
    const rules: ClassRule[] = [];
    const walk = (node: TreeNode, path: Condition[]) => {
      if (node.feature < 0) {
        const conditions = mergeConditions(path).map((k) => ({
          feature: columns[k.feature]!,
          op: k.op,
          value: toRaw(k.feature, k.value),
        }));
        const when = conditions.length ? conditions.map(conditionText).join(' and ') : 'all';
        const text = `${when} → ${cls} ${node.p.toFixed(2)} (n = ${node.n})`;
        rules.push({ conditions, p: node.p, n: node.n, text });
        return;
      }
      walk(node.left!, [...path, { feature: node.feature, op: '≤', value: node.threshold }]);
      walk(node.right!, [...path, { feature: node.feature, op: '>', value: node.threshold }]);
    };
    walk(tree.root, []);
    // Largest support first; among equals the purer leaf.
    rules.sort((a, b) => b.n - a.n || b.p - a.p);
    return { class: cls, rules };
  });
}
