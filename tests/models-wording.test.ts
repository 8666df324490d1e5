/**
 * The Models view words structured churn reasons and classify rules in the UI
 * language from the core's structured results (the core keeps English text for
 * the CLI). Checked with the real vue-i18n messages of both locales.
 */
import { describe, expect, it } from 'vitest';
import { createI18n } from 'vue-i18n';
import enUS from '../src-renderer/src/i18n/en-US.ts';
import zhCN from '../src-renderer/src/i18n/zh-CN.ts';
import { featureLabel } from '../src-renderer/src/components/models/feature-label.ts';
import { reasonText, ruleText } from '../src-renderer/src/components/models/wording.ts';
import type { ChurnReason, ClassRule } from '../src-renderer/src/api/results.ts';

function words(locale: 'en-US' | 'zh-CN') {
  const i18n = createI18n({ legacy: false, locale, messages: { 'en-US': enUS, 'zh-CN': zhCN } });
  const t = (key: string, named?: Record<string, unknown>) => i18n.global.t(key, named ?? {});
  const te = (key: string) => i18n.global.te(key);
  return { t, te, locale };
}

const typical: ChurnReason = {
  feature: 'recency',
  value: 212.4,
  direction: 'above',
  reference: 61.2,
  referenceKind: 'typical',
  logOdds: 0.8312,
};
const threshold: ChurnReason = {
  feature: 'meanGap',
  value: 12,
  direction: 'below',
  reference: 30.5,
  referenceKind: 'threshold',
  logOdds: null,
};
const rule: ClassRule = {
  conditions: [
    { feature: 'share:Books', op: '>', value: 0.315 },
    { feature: 'age=青年', op: '≤', value: 0.5 },
    { feature: 'gender=female', op: '>', value: 0.5 },
  ],
  p: 0.625,
  n: 140,
  text: '',
};

describe('Models view wording', () => {
  it('churn reasons in English carry the feature, value, direction, reference and log-odds', () => {
    const { t, te, locale } = words('en-US');
    expect(reasonText(typical, t, te, locale)).toBe('Recency (days) 212, above the typical 61 (+0.83 log-odds)');
    expect(reasonText(threshold, t, te, locale)).toBe('Mean days between orders at most 31');
  });

  it('churn reasons in Chinese use the Chinese feature names and words, no English left', () => {
    const { t, te, locale } = words('zh-CN');
    const a = reasonText(typical, t, te, locale);
    expect(a).toBe('距上次购买（天）为 212，高于常见值 61（对数几率 +0.83）');
    const b = reasonText(threshold, t, te, locale);
    expect(b).toBe('平均购买间隔（天）不超过 31');
    expect(reasonText({ ...typical, direction: 'below', logOdds: 0.2 }, t, te, locale)).toContain('低于');
    for (const s of [a, b]) expect(s).not.toMatch(/[a-zA-Z]{3,}/);
  });

  it('classify rules: per-category features, one-hots as is / is not, class, p and n', () => {
    const en = words('en-US');
    expect(ruleText(rule, 'Books', en.t, en.te, en.locale)).toBe(
      'Share of spend on Books above 0.32 and Age group is not 青年 and Gender is female → Books 0.63 (n = 140)',
    );
    const zh = words('zh-CN');
    expect(ruleText(rule, 'Books', zh.t, zh.te, zh.locale)).toBe(
      'Books消费占比高于 0.32，且年龄段不是青年，且性别为女 → Books 0.63（n = 140）',
    );
    expect(ruleText({ ...rule, conditions: [] }, 'Books', zh.t, zh.te, zh.locale)).toMatch(/^所有客户 → /);
  });

  it('feature labels: history features, per-category and one-hot columns, unknown names as they are', () => {
    const { t, te } = words('zh-CN');
    expect(featureLabel('recent90', t, te)).toBe('近 90 天订单数');
    expect(featureLabel('recency:Pets', t, te)).toBe('距上次购买Pets（天）');
    expect(featureLabel('gender=unknown', t, te)).toBe('性别 = 未知');
    expect(featureLabel('mystery', t, te)).toBe('mystery');
  });
});
