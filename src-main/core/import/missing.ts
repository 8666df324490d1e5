/**
 * Missing-value policies, chosen per field: keep the gap (the default), drop
 * the row, carry the previous row's value forward, a constant, or the column's
 * mean / median / mode (computed in a first pass over the file).
 */
import { resolveFieldName, type FieldName } from './fields.ts';
import { Failure, MISSING, type Converter } from './convert.ts';
import { ImportError, type Cell } from './types.ts';
import type { Value } from './writers.ts';

export type Policy =
  { kind: 'keep' | 'drop' | 'ffill' | 'mean' | 'median' | 'mode' } | { kind: 'constant'; value: string | number };

export function parsePolicies(raw: Record<string, string | { constant: string | number }>): Map<FieldName, Policy> {
  const out = new Map<FieldName, Policy>();
  for (const [name, policy] of Object.entries(raw)) {
    const field = resolveFieldName(name);
    if (!field) throw new ImportError(`missing-value policy for unknown field "${name}"`);
    out.set(
      field,
      typeof policy === 'string' ? { kind: policy as 'keep' } : { kind: 'constant', value: policy.constant },
    );
  }
  return out;
}

const RESERVOIR = 100_000;

/** Column statistics gathered in the first pass: exact mean and mode, median from a seeded reservoir sample. */
class ColumnStats {
  sum = 0;
  n = 0;
  seen = 0;
  reservoir: number[] = [];
  counts = new Map<Value, number>();
  private state = 0x9e3779b9;

  add(v: Value): void {
    if (typeof v === 'number') {
      this.sum += v;
      this.n++;
      this.seen++;
      if (this.reservoir.length < RESERVOIR) this.reservoir.push(v);
      else {
        // xorshift32: deterministic, so the same file fills the same values.
        this.state ^= this.state << 13;
        this.state ^= this.state >>> 17;
        this.state ^= this.state << 5;
        const j = (this.state >>> 0) % this.seen;
        if (j < RESERVOIR) this.reservoir[j] = v;
      }
    }
    if (this.counts.size < 100_000 || this.counts.has(v)) this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
  }

  value(kind: 'mean' | 'median' | 'mode'): Value {
    if (kind === 'mean') return this.n ? this.sum / this.n : null;
    if (kind === 'median') {
      if (!this.reservoir.length) return null;
      const s = [...this.reservoir].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
    }
    let best: Value = null;
    let bestCount = 0;
    for (const [v, c] of this.counts) if (c > bestCount) [best, bestCount] = [v, c];
    return best;
  }
}

export class MissingFill {
  private readonly policies: Map<FieldName, Policy>;
  private readonly stats = new Map<FieldName, ColumnStats>();
  private readonly last = new Map<FieldName, Value>();
  private readonly constants = new Map<FieldName, Value>();
  private readonly ffill: boolean;

  constructor(policies: Map<FieldName, Policy>) {
    this.policies = policies;
    this.ffill = [...policies.values()].some((p) => p.kind === 'ffill');
    for (const [field, p] of policies)
      if (p.kind === 'mean' || p.kind === 'median' || p.kind === 'mode') this.stats.set(field, new ColumnStats());
  }

  needsPrescan(): boolean {
    return this.stats.size > 0;
  }

  observe(field: FieldName, v: Value | typeof MISSING | Failure): void {
    if (v === MISSING || v instanceof Failure) return;
    this.stats.get(field)?.add(v);
  }

  /** Whether `remember` keeps anything (a forward-fill policy): callers skip the call per cell otherwise. */
  remembers(): boolean {
    return this.ffill;
  }

  /** Notes a present value, for forward fill. */
  remember(field: FieldName, v: Value): void {
    if (this.ffill) this.last.set(field, v);
  }

  fill(field: FieldName, convert: Converter): Value | Failure {
    const p = this.policies.get(field);
    if (!p || p.kind === 'keep') return null;
    switch (p.kind) {
      case 'drop':
        return new Failure(`missing ${field} (policy: drop the row)`);
      case 'ffill':
        return this.last.get(field) ?? null;
      case 'mean':
      case 'median':
      case 'mode': {
        const v = this.stats.get(field)?.value(p.kind) ?? null;
        return typeof v === 'number' && p.kind !== 'mode' ? Math.round(v * 1e6) / 1e6 : v;
      }
      case 'constant': {
        if (!this.constants.has(field)) {
          const v = convert(p.value as Cell);
          if (v instanceof Failure || v === MISSING) {
            throw new ImportError(`missing-value constant for ${field}: ${v === MISSING ? 'empty' : v.reason}`);
          }
          this.constants.set(field, v);
        }
        return this.constants.get(field) ?? null;
      }
    }
  }
}
