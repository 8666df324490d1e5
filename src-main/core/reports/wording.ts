/**
 * The report's words for names and facts the analyses store in English or as codes: RFM segment names, model
 * features, model and algorithm names, evaluation splits and churn reasons (from their structured form, as the
 * renderer's models/wording.ts words them). A name the dictionary does not know — a merchant's own segment rule,
 * a future feature — is shown as stored.
 */
import type { ChurnReason } from '../analytics/models/job.ts';
import { hasMessage, type Formatters, type Translate } from './i18n.ts';

/** `prefix.name` translated when the dictionary has it, else the name itself. */
export function named(t: Translate, prefix: 'segment' | 'feature' | 'model' | 'algorithm' | 'split', name: string) {
  const key = `${prefix}.${name}`;
  return hasMessage(key) ? t(key) : name;
}

export const segmentName = (t: Translate, segment: string): string => named(t, 'segment', segment);
export const featureName = (t: Translate, feature: string): string => named(t, 'feature', feature);

/** Shares and small values keep decimals (f.short); days, counts and amounts read as whole numbers, as in the app. */
function reasonText(r: ChurnReason, t: Translate, f: Formatters): string {
  const feature = featureName(t, r.feature);
  if (r.referenceKind === 'threshold') {
    const dir = t(r.direction === 'above' ? 'reason.above' : 'reason.atMost');
    return t('reason.threshold', { feature, dir, reference: f.short(r.reference) });
  }
  const lo = r.logOdds ?? 0;
  return t('reason.typical', {
    feature,
    value: f.short(r.value),
    dir: t(r.direction === 'above' ? 'reason.above' : 'reason.below'),
    reference: f.short(r.reference),
    logOdds: `${lo >= 0 ? '+' : ''}${f.num(lo, 2)}`,
  });
}

/** A customer's churn reasons (the first `limit`) in the report's language, joined. */
export function churnReasons(
  a: { reasons: string[]; why?: ChurnReason[] },
  t: Translate,
  f: Formatters,
  limit = Infinity,
): string {
  // Runs stored before reasons were structured have the English text only.
  if (!a.why) return a.reasons.slice(0, limit).join('; ');
  return a.why
    .slice(0, limit)
    .map((r) => reasonText(r, t, f))
    .join(t('reason.separator'));
}
