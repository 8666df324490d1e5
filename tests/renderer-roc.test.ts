/**
 * The Models view's fallback ROC curve (drawn when a result stores scores and
 * labels instead of the curve): its area must equal the Mann–Whitney AUC,
 * P(score of a positive > score of a negative) with ties counting one half.
 */
import { describe, expect, it } from 'vitest';
import { rocFromScores } from '../src-renderer/src/components/models/roc.ts';

function trapezoid(fpr: number[], tpr: number[]): number {
  let area = 0;
  for (let i = 1; i < fpr.length; i++) area += ((fpr[i]! - fpr[i - 1]!) * (tpr[i]! + tpr[i - 1]!)) / 2;
  return area;
}

function mannWhitney(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((s, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((t, j) => {
      if (labels[j] === 1) return;
      pairs++;
      wins += s > t ? 1 : s === t ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('rocFromScores', () => {
  it('steps through each distinct score from (0, 0) to (1, 1)', () => {
    const roc = rocFromScores([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0]);
    expect(roc).toEqual({ fpr: [0, 0, 0.5, 0.5, 1], tpr: [0, 0.5, 0.5, 1, 1] });
  });

  it('has the Mann–Whitney area on scores with ties', () => {
    // A fixed linear congruential sequence: scores rounded to one decimal, so many tie.
    let x = 12345;
    const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const labels = Array.from({ length: 300 }, () => (next() < 0.4 ? 1 : 0));
    const scores = labels.map((y) => Math.round((next() + 0.3 * y) * 10) / 10);
    const roc = rocFromScores(scores, labels, 10_000);
    expect(roc).not.toBeNull();
    expect(trapezoid(roc!.fpr, roc!.tpr)).toBeCloseTo(mannWhitney(scores, labels), 12);
  });

  it('thins a long curve to at most max + 1 points, ends kept', () => {
    const scores = Array.from({ length: 1000 }, (_, i) => i / 1000);
    const labels = scores.map((_, i) => i % 2);
    const roc = rocFromScores(scores, labels, 50)!;
    expect(roc.fpr).toHaveLength(51);
    expect([roc.fpr[0], roc.tpr[0], roc.fpr[50], roc.tpr[50]]).toEqual([0, 0, 1, 1]);
  });

  it('has no curve when one class is missing', () => {
    expect(rocFromScores([0.1, 0.2], [1, 1])).toBeNull();
  });
});
