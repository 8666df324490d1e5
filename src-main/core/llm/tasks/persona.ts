// Personas: the typical customer of an RFM segment, or one customer, described by the model from aggregate facts
// (grounding.ts: pseudonyms and aggregates only) and kept in `personas`, one per (scope, subject).
import type { Db } from '../../db/workspace.ts';
import { UserError } from '../../jobs/context.ts';
import { customerGrounding, segmentGrounding, type Grounding } from '../grounding.ts';
import type { LlmRuntime } from '../runtime.ts';
import { CHANNELS, LIMITS, personaSchema, type Persona } from './schemas.ts';
import {
  askStructured,
  cleanLines,
  modelLabel,
  mustFit,
  oneLine,
  uniqueChoices,
  type TaskLanguage,
} from './structured.ts';

export type PersonaScope = 'segment' | 'customer';

export interface PersonaRequest {
  /** An RFM segment name ('Champions', 'At Risk', …) … */
  segment?: string;
  /** … or a customer's external id (the shop's own id; it never reaches the prompt). */
  customer?: string;
  language?: TaskLanguage;
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

export interface PersonaRecord {
  scope: PersonaScope;
  subject: string;
  /** The language the persona was written in. */
  language: TaskLanguage;
  persona: Persona;
  model: string;
  /** Unix seconds. */
  createdAt: number;
}

const INSTRUCTIONS: Record<TaskLanguage, (scope: PersonaScope) => string> = {
  en: (scope) =>
    [
      'You are a marketing analyst for an online shop.',
      scope === 'segment'
        ? 'From the aggregate facts below, describe the typical customer of this customer segment as a persona.'
        : 'From the facts below, describe this customer as a persona.',
      'Use only the facts given; do not invent figures. Never use a real name or contact details.',
      'Answer in English, as JSON with these fields:',
      `- name: a made-up label for the persona such as "Thrifty Regular" (at most ${LIMITS.personaName} characters)`,
      `- portrait: one paragraph describing them (at most ${LIMITS.portrait} characters)`,
      `- motivations: 1 to ${LIMITS.items} reasons they buy (each at most ${LIMITS.item} characters)`,
      `- preferredChannels: 1 to ${LIMITS.channels} of ${CHANNELS.join(', ')}`,
      `- offersToTry: 1 to ${LIMITS.items} offers likely to work (each at most ${LIMITS.item} characters)`,
      `- risks: 1 to ${LIMITS.items} risks, e.g. churn or discount dependence (each at most ${LIMITS.item} characters)`,
    ].join('\n'),
  zh: (scope) =>
    [
      '你是一家网店的营销分析师。',
      scope === 'segment'
        ? '根据下面的汇总数据，把这个客户分群的典型顾客描述成一个用户画像。'
        : '根据下面的数据，把这位顾客描述成一个用户画像。',
      '只使用给出的事实，不要编造数字。不要使用真实姓名或联系方式。',
      '用简体中文回答，输出 JSON，字段如下：',
      `- name：画像的虚构称呼，例如"精打细算的老顾客"（不超过${LIMITS.personaName}个字）`,
      `- portrait：一段描述（不超过${LIMITS.portrait}个字）`,
      `- motivations：1到${LIMITS.items}个购买动机（每个不超过${LIMITS.item}个字）`,
      `- preferredChannels：1到${LIMITS.channels}个触达渠道，取值为 ${CHANNELS.join(', ')}`,
      `- offersToTry：1到${LIMITS.items}个值得尝试的优惠（每个不超过${LIMITS.item}个字）`,
      `- risks：1到${LIMITS.items}个风险，如流失或依赖折扣（每个不超过${LIMITS.item}个字）`,
    ].join('\n'),
};

/**
 * What the persona is about: the grounding facts and the key it is stored under. Throws UserError for an unknown or
 * empty subject, so a caller can check a request before it loads a model.
 */
export function personaSubject(
  db: Db,
  request: Pick<PersonaRequest, 'segment' | 'customer'>,
): { scope: PersonaScope; subject: string; grounding: Grounding } {
  const { segment, customer } = request;
  if ((segment === undefined) === (customer === undefined)) {
    throw new UserError('A persona is for one segment or one customer: give exactly one');
  }
  try {
    if (segment !== undefined) return { scope: 'segment', subject: segment, grounding: segmentGrounding(db, segment) };
    const id = db.prepare('SELECT id FROM customers WHERE external_id = ?').pluck().get(customer) as number | undefined;
    if (id === undefined) throw new UserError(`No customer "${customer}" in this workspace`);
    return { scope: 'customer', subject: customer!, grounding: customerGrounding(db, id) };
  } catch (error) {
    // Grounding says "no customers in segment …" / "has no sales" with a RangeError: a user mistake here.
    if (error instanceof RangeError) throw new UserError(error.message);
    throw error;
  }
}

/** Trimmed one-line strings and unique list entries. */
function normalizePersona(p: Persona): Persona {
  return {
    name: oneLine(p.name),
    portrait: oneLine(p.portrait),
    motivations: cleanLines(p.motivations),
    preferredChannels: uniqueChoices(p.preferredChannels),
    offersToTry: cleanLines(p.offersToTry),
    risks: cleanLines(p.risks),
  };
}

/** Writes (or rewrites) the persona of a segment or customer and returns it as stored. */
export async function generatePersona(db: Db, runtime: LlmRuntime, request: PersonaRequest): Promise<PersonaRecord> {
  const language = request.language ?? 'zh';
  const { scope, subject, grounding } = personaSubject(db, request);
  const model = modelLabel(runtime);
  const facts = language === 'zh' ? '事实：' : 'Facts:';
  const { value } = await askStructured(
    runtime,
    personaSchema,
    {
      system: `${INSTRUCTIONS[language](scope)}\n\n${facts}\n${grounding.text}`,
      user: language === 'zh' ? '请写出这个用户画像。' : 'Write the persona.',
    },
    {
      language,
      ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    },
  );
  // Cleaning can empty a part the schema requires (a name of spaces): check again before storing.
  const persona = mustFit(personaSchema.validate, normalizePersona(value));
  const record: PersonaRecord = {
    scope,
    subject,
    language,
    persona,
    model,
    createdAt: Math.floor(Date.now() / 1000),
  };
  // One persona per subject: writing it in the other language replaces it (the row says which language it is in).
  db.prepare(
    `INSERT INTO personas (scope, subject, language, persona, model, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (scope, subject) DO UPDATE SET language = excluded.language, persona = excluded.persona,
       model = excluded.model, created_at = excluded.created_at`,
  ).run(scope, subject, language, JSON.stringify(persona), model, record.createdAt);
  return record;
}

/** Stored personas (all, or one scope / subject), each checked against the schema; a damaged row is skipped. */
export function readPersonas(db: Db, filter: { scope?: PersonaScope; subject?: string } = {}): PersonaRecord[] {
  const rows = db
    .prepare(
      `SELECT scope, subject, language, persona, model, created_at AS createdAt FROM personas
        WHERE (@scope IS NULL OR scope = @scope) AND (@subject IS NULL OR subject = @subject)
        ORDER BY scope, subject`,
    )
    .all({ scope: filter.scope ?? null, subject: filter.subject ?? null }) as (Omit<PersonaRecord, 'persona'> & {
    persona: string;
  })[];
  const out: PersonaRecord[] = [];
  for (const row of rows) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(row.persona);
    } catch {
      continue;
    }
    const checked = personaSchema.validate.safeParse(parsed);
    if (checked.success) out.push({ ...row, persona: checked.data });
  }
  return out;
}
