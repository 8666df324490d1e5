// Marketing-copy prompts. The system prompt (instructions + grounding) depends only on template, tone, language and
// grounding, never on the request or the time: it is the stable prefix of every turn, so llama.cpp reuses its KV
// cache across turns instead of re-reading the grounding each time.
import type { LlmChatTurn } from './protocol.ts';

export const TEMPLATES = ['sms', 'push', 'email', 'product', 'coupon', 'social'] as const;
export type CopyTemplate = (typeof TEMPLATES)[number];
export const TONES = ['friendly', 'professional', 'playful', 'urgent'] as const;
export type CopyTone = (typeof TONES)[number];
export type CopyLanguage = 'zh' | 'en';

/** One SMS segment: 70 characters of Chinese (UCS-2), 160 of plain English (GSM-7). */
export const SMS_LIMIT: Record<CopyLanguage, number> = { zh: 70, en: 160 };

export interface PromptInput {
  template: CopyTemplate;
  tone: CopyTone;
  language: CopyLanguage;
  /** Grounding text (grounding.ts), or empty. */
  grounding: string;
  /** What the merchant asks for this turn, e.g. "announce the spring sale". */
  request: string;
  /** SMS/push character limit (default SMS_LIMIT / 100 for a push). */
  charLimit?: number;
}

export interface BuiltPrompt {
  system: string;
  user: string;
  /** A reply budget that fits the template (the SMS limit in tokens, with slack). */
  maxTokens: number;
  /** Hard character limit the reply must be clamped to, for SMS and push. */
  charLimit: number | null;
}

const TONE_TEXT: Record<CopyLanguage, Record<CopyTone, string>> = {
  en: {
    friendly: 'warm and friendly',
    professional: 'clear and professional',
    playful: 'playful and light',
    urgent: 'urgent, with a clear deadline',
  },
  zh: { friendly: '亲切友好', professional: '简洁专业', playful: '活泼俏皮', urgent: '紧迫，突出截止时间' },
};

const TEMPLATE_TEXT: Record<CopyLanguage, Record<CopyTemplate, (limit: number) => string>> = {
  en: {
    sms: (n) =>
      `Write one SMS message of at most ${n} characters, including a short opt-out note "Reply STOP to opt out".`,
    push: (n) => `Write one app push notification: a title and a body, at most ${n} characters in all.`,
    email: () => 'Write a marketing email: first a line "Subject: …" (at most 60 characters), then the body.',
    product: () => 'Write a product description: a one-line headline, then 2–4 short paragraphs or bullet points.',
    coupon: () =>
      'Plan a coupon campaign: who it targets, the offer, its validity period, and the message announcing it.',
    social: () => 'Write one social media post with 2–4 relevant hashtags.',
  },
  zh: {
    sms: (n) => `写一条短信，不超过${n}个字，结尾附"回T退订"。`,
    push: (n) => `写一条App推送：一个标题和一段正文，总共不超过${n}个字。`,
    email: () => '写一封营销邮件：第一行为"主题：……"（不超过30个字），然后是正文。',
    product: () => '写一段商品描述：一行标题，然后2到4段短文或要点。',
    coupon: () => '策划一次优惠券活动：目标人群、优惠内容、有效期，以及宣布活动的文案。',
    social: () => '写一条社交媒体帖子，带2到4个相关话题标签。',
  },
};

const RULES: Record<CopyLanguage, string> = {
  en: [
    'You are a marketing copywriter for an online shop.',
    'Use only the facts given below; do not invent prices, discounts or dates unless the request gives them.',
    'Never include customer names or contact details; address customers generically.',
    'Reply with the copy only, in English.',
  ].join('\n'),
  zh: [
    '你是一家网店的营销文案撰写人。',
    '只使用下面给出的事实；除非请求中给出，不要编造价格、折扣或日期。',
    '不要写入任何顾客姓名或联系方式，用泛称称呼顾客。',
    '只回复文案本身，使用简体中文。',
  ].join('\n'),
};

function limitOf(input: Pick<PromptInput, 'template' | 'language' | 'charLimit'>): number | null {
  if (input.charLimit !== undefined) return input.charLimit;
  if (input.template === 'sms') return SMS_LIMIT[input.language];
  if (input.template === 'push') return input.language === 'zh' ? 50 : 100;
  return null;
}

/** Builds the stable system prefix and this turn's user message. */
export function buildPrompt(input: PromptInput): BuiltPrompt {
  const lang = input.language;
  const limit = limitOf(input);
  const task = TEMPLATE_TEXT[lang][input.template](limit ?? 0);
  const tone = lang === 'zh' ? `语气：${TONE_TEXT.zh[input.tone]}。` : `Tone: ${TONE_TEXT.en[input.tone]}.`;
  const facts = input.grounding.trim()
    ? `${lang === 'zh' ? '事实（汇总数据）：' : 'Facts (aggregates):'}\n${input.grounding.trim()}`
    : '';
  const system = [RULES[lang], task, tone, facts].filter(Boolean).join('\n\n');
  // Chinese is about one token per character in small models' vocabularies, English about four characters a token;
  // the budget leaves slack and clampToLimit enforces the exact limit.
  const maxTokens =
    limit !== null
      ? Math.ceil(lang === 'zh' ? limit * 1.5 : limit / 2.5)
      : input.template === 'product' || input.template === 'email' || input.template === 'coupon'
        ? 512
        : 200;
  return { system, user: input.request.trim(), maxTokens, charLimit: limit };
}

/**
 * Cuts `text` to at most `limit` characters (code points: a Chinese SMS counts characters), at the last sentence
 * end or space when there is one in the last third, else hard.
 */
export function clampToLimit(text: string, limit: number): string {
  const chars = [...text.trim()];
  if (chars.length <= limit) return chars.join('');
  const cut = chars.slice(0, limit).join('');
  const boundary = Math.max(...['。', '！', '？', '.', '!', '?', '\n'].map((p) => cut.lastIndexOf(p)));
  if (boundary >= 0 && boundary >= (cut.length * 2) / 3) return cut.slice(0, boundary + 1).trim();
  const space = cut.lastIndexOf(' ');
  if (space >= (cut.length * 2) / 3) return cut.slice(0, space).trim();
  return cut;
}

export interface FitHistoryInput {
  system: string;
  user: string;
  /** Earlier turns, oldest first. */
  history: readonly LlmChatTurn[];
  contextSize: number;
  /** Tokens kept free for the reply. */
  reserve: number;
  /** The model's tokenizer, or an estimate. */
  countTokens: (text: string) => number;
  /** Tokens a chat template adds per turn (default 8). */
  perTurnOverhead?: number;
}

export interface FitHistoryResult {
  history: LlmChatTurn[];
  /** Oldest turns dropped to make room, in their original order. */
  trimmed: LlmChatTurn[];
  trimmedTokens: number;
  /** Tokens of system + kept history + user, overheads included. */
  promptTokens: number;
  /** True when even system + user alone leave no room for the reply: the caller must shorten them. */
  overflow: boolean;
}

/**
 * Drops the oldest turns, a user/assistant pair at a time, until the prompt plus `reserve` fits the context.
 * Trimming is explicit (the caller shows what went) rather than llama.cpp silently shifting the context, and the
 * system prefix is never touched so its cache stays valid.
 */
export function fitHistory(input: FitHistoryInput): FitHistoryResult {
  const over = input.perTurnOverhead ?? 8;
  const cost = (t: string): number => input.countTokens(t) + over;
  const fixed = cost(input.system) + cost(input.user);
  const costs = input.history.map((t) => cost(t.text));
  let total = fixed + costs.reduce((s, c) => s + c, 0);
  const budget = input.contextSize - input.reserve;
  let start = 0;
  while (total > budget && start < input.history.length) {
    // A pair, so the kept history still starts with a user turn.
    const step = input.history[start]?.role === 'user' && input.history[start + 1]?.role === 'assistant' ? 2 : 1;
    for (let i = 0; i < step; i++) total -= costs[start + i]!;
    start += step;
  }
  const trimmed = input.history.slice(0, start);
  return {
    history: input.history.slice(start),
    trimmed,
    trimmedTokens: costs.slice(0, start).reduce((s, c) => s + c, 0),
    promptTokens: total,
    overflow: total > budget,
  };
}
