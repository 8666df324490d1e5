/**
 * An ROC curve from scores and 0/1 labels, for a result that stored those
 * instead of the curve: one point per distinct score (ties step together),
 * thinned to at most `max` + 1 points so a large evaluation set stays light.
 */
export function rocFromScores(scores: number[], labels: number[], max = 200): { fpr: number[]; tpr: number[] } | null {
  const n = Math.min(scores.length, labels.length);
  let pos = 0;
  for (let i = 0; i < n; i++) pos += labels[i] === 1 ? 1 : 0;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const fpr = [0];
  const tpr = [0];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (labels[i] === 1) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i]) {
      fpr.push(fp / neg);
      tpr.push(tp / pos);
    }
  }
  if (fpr.length <= max + 1) return { fpr, tpr };
  const idx = Array.from({ length: max + 1 }, (_, k) => Math.round((k * (fpr.length - 1)) / max));
  return { fpr: idx.map((i) => fpr[i]!), tpr: idx.map((i) => tpr[i]!) };
}
