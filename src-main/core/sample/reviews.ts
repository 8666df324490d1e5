/**
 * Templated reviews with known sentiment. The overall label follows the star
 * rating (4–5 positive, 3 neutral, 1–2 negative); each review discusses 1–3
 * aspects whose polarities are recorded, so sentiment and aspect analyses have
 * exact labels to be scored against.
 */
import type { Rng } from './rng.ts';

export const aspects = ['price', 'quality', 'delivery', 'service'] as const;
export type Aspect = (typeof aspects)[number];
type Polarity = -1 | 0 | 1;
type Lang = 'zh' | 'en';

// [aspect][polarity + 1][lang] → sentences.
const sentences: Record<Aspect, readonly Record<Lang, readonly string[]>[]> = {
  price: [
    {
      zh: ['价格太贵了，不值这个钱。', '比别家贵不少，有点后悔。'],
      en: ['Way too expensive for what it is.', 'Overpriced, not worth the money.'],
    },
    {
      zh: ['价格一般，不算便宜也不算贵。', '价格中规中矩。'],
      en: ['The price is about average.', 'Not cheap, not expensive either.'],
    },
    {
      zh: ['价格很实惠，性价比高。', '这个价钱买到很划算。', '活动价入手，非常值。'],
      en: ['Great value for the price.', 'Very affordable, worth every penny.', 'Got it on sale, a real bargain.'],
    },
  ],
  quality: [
    {
      zh: ['质量很差，用了两天就坏了。', '做工粗糙，有明显瑕疵。'],
      en: ['Poor quality, broke after two days.', 'Cheaply made with visible defects.'],
    },
    {
      zh: ['质量还行，能用。', '做工一般，对得起价格。'],
      en: ['Quality is okay, it does the job.', 'Build quality is average.'],
    },
    {
      zh: ['质量很好，做工精细。', '用了一段时间，品质没得说。', '材质很好，超出预期。'],
      en: ['Excellent quality, well made.', 'Quality is great, better than expected.', 'Solid build, feels premium.'],
    },
  ],
  delivery: [
    {
      zh: ['物流太慢了，等了一个多星期。', '快递很慢，包装还破了。'],
      en: ['Delivery was very slow, it took over a week.', 'Shipping took forever and the box was damaged.'],
    },
    {
      zh: ['物流速度一般。', '快递正常时间送达。'],
      en: ['Delivery took the usual time.', 'Shipping was average.'],
    },
    {
      zh: ['物流很快，第二天就到了。', '快递给力，包装完好。'],
      en: ['Fast delivery, it arrived the next day.', 'Shipping was quick and the package was intact.'],
    },
  ],
  service: [
    {
      zh: ['客服态度很差，问题一直没解决。', '售后推来推去，非常失望。'],
      en: ['Customer service was rude and unhelpful.', 'Support never resolved my problem, very disappointed.'],
    },
    {
      zh: ['客服回复一般。', '售后没什么特别的。'],
      en: ['Customer service was fine.', 'Support replies were standard.'],
    },
    {
      zh: ['客服态度很好，回复及时。', '售后很耐心，问题很快解决了。'],
      en: ['Customer service was friendly and responsive.', 'Support solved my issue quickly.'],
    },
  ],
};

const openers: Record<Lang, readonly string[]> = {
  zh: ['买了{item}。', '给家人买的{item}。', '这次买的{item}。'],
  en: ['Bought the {item}.', 'Got the {item} as a gift.', 'Ordered the {item}.'],
};
const closers: Record<Lang, readonly (readonly string[])[]> = {
  zh: [['不会再买了。', '不推荐。'], ['总体还行。'], ['会回购的！', '推荐购买。']],
  en: [['Will not buy again.', 'Not recommended.'], ['Overall it is okay.'], ['Would buy again!', 'Recommended.']],
};

export interface ReviewDraft {
  text: string;
  language: Lang;
  /** Overall sentiment: 1 positive, 0 neutral, -1 negative. */
  sentiment: Polarity;
  aspects: Partial<Record<Aspect, Polarity>>;
}

export function sentimentOfRating(rating: number): Polarity {
  return rating >= 4 ? 1 : rating <= 2 ? -1 : 0;
}

export function draftReview(rng: Rng, rating: number, item: string, chinese: boolean): ReviewDraft {
  const lang: Lang = chinese ? 'zh' : 'en';
  const overall = sentimentOfRating(rating);
  const count = 1 + rng.int(3);
  // Distinct aspects: a partial shuffle of the four.
  const order = [...aspects];
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(order.length - i);
    [order[i], order[j]] = [order[j] as Aspect, order[i] as Aspect];
  }
  const chosen = order.slice(0, count);
  const polarities: Partial<Record<Aspect, Polarity>> = {};
  chosen.forEach((a, i) => {
    let p: Polarity = overall;
    // Neutral reviews with several aspects are mixed: one good, one bad, the rest so-so.
    if (overall === 0 && count >= 2) p = i === 0 ? 1 : i === 1 ? -1 : 0;
    // A clear review may have one lukewarm aspect besides its main point.
    else if (overall !== 0 && i > 0 && rng.chance(0.2)) p = 0;
    polarities[a] = p;
  });
  const parts: string[] = [];
  if (rng.chance(0.5)) parts.push(rng.pick(openers[lang]).replace('{item}', item));
  for (const a of chosen) parts.push(rng.pick(sentences[a][(polarities[a] ?? 0) + 1]?.[lang] ?? []));
  if (rng.chance(0.5)) parts.push(rng.pick(closers[lang][overall + 1] ?? []));
  return { text: parts.join(lang === 'zh' ? '' : ' '), language: lang, sentiment: overall, aspects: polarities };
}
