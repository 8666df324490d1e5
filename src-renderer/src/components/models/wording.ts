/**
 * Words for the models' structured results in the UI language: churn reasons
 * (feature, direction, value, reference) and classify tree rules (raw-unit
 * conditions). The core keeps English text for the CLI; this is the
 * renderer's own wording of the same facts.
 */
import type { ChurnReason, ClassRule } from '../../api/results.ts';
import { formatNumber } from '../../util/format.ts';
import { featureLabel, levelLabel } from './feature-label.ts';

type Translate = (key: string, named?: Record<string, unknown>) => string;
type Exists = (key: string) => boolean;

// Shares and small values keep decimals; days, counts and amounts read as whole numbers.
const short = (v: number, locale: string) => formatNumber(v, locale, Math.abs(v) >= 10 ? 0 : 2);

export function reasonText(r: ChurnReason, t: Translate, te: Exists, locale: string): string {
  const feature = featureLabel(r.feature, t, te);
  if (r.referenceKind === 'threshold') {
    const dir = t(r.direction === 'above' ? 'models.reason.above' : 'models.reason.atMost');
    return t('models.reason.threshold', { feature, dir, reference: short(r.reference, locale) });
  }
  const lo = r.logOdds ?? 0;
  return t('models.reason.typical', {
    feature,
    value: short(r.value, locale),
    dir: t(r.direction === 'above' ? 'models.reason.above' : 'models.reason.below'),
    reference: short(r.reference, locale),
    logOdds: `${lo >= 0 ? '+' : ''}${formatNumber(lo, locale, 2)}`,
  });
}

function conditionText(c: ClassRule['conditions'][number], t: Translate, te: Exists, locale: string): string {
  const oneHot = /^([a-zA-Z]+)=(.+)$/.exec(c.feature);
  if (oneHot) {
    // A 0/1 column: above the threshold means the customer is in the level.
    const feature = te(`models.feature.${oneHot[1]}`) ? t(`models.feature.${oneHot[1]}`) : oneHot[1];
    const level = levelLabel(oneHot[2]!, t, te);
    return t(c.op === '>' ? 'models.rule.is' : 'models.rule.isNot', { feature, level });
  }
  const dir = t(c.op === '>' ? 'models.reason.above' : 'models.reason.atMost');
  return t('models.reason.threshold', {
    feature: featureLabel(c.feature, t, te),
    dir,
    reference: short(c.value, locale),
  });
}

/** "conditions → class p (n = …)" in the UI language. */
export function ruleText(rule: ClassRule, cls: string, t: Translate, te: Exists, locale: string): string {
  const when = rule.conditions.length
    ? rule.conditions.map((c) => conditionText(c, t, te, locale)).join(t('models.rule.and'))
    : t('models.rule.all');
  return t('models.rule.outcome', { when, class: cls, p: formatNumber(rule.p, locale, 2), n: rule.n });
}
