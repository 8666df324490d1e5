/**
 * Conversations with the local model, kept in the workspace so a chat survives a restart and can be
 * exported with the shop's other work. Grounding is stored as what the chat was attached to (a segment
 * name, a customer's external id, a product's SKU), not as the facts themselves: facts are read afresh
 * each turn, so they follow new imports and analyses.
 */
import type { Db } from '../db/workspace.ts';
import type { CopyLanguage, CopyTemplate, CopyTone } from '../llm/prompts.ts';

export type ChatGrounding = { segment: string } | { customer: string } | { product: string };

export interface ConversationOptions {
  tone: CopyTone;
  language: CopyLanguage;
}

export interface Conversation {
  id: number;
  title: string;
  template: CopyTemplate | null;
  grounding: ChatGrounding | null;
  systemPrompt: string | null;
  options: ConversationOptions;
  createdAt: number;
  updatedAt: number;
}

export interface MessageStats {
  tokens: number;
  tokensPerSecond: number | null;
  timeToFirstTokenMs: number | null;
  stopReason: string;
  /** Oldest turns left out of this reply's prompt to fit the context. */
  trimmedTurns?: number;
  promptTokens?: number;
  /** Prompt tokens actually evaluated; the rest came from the cached prefix. */
  evaluatedPromptTokens?: number;
}

export interface ChatMessage {
  id: number;
  conversationId: number;
  role: 'user' | 'assistant';
  text: string;
  stats: MessageStats | null;
  createdAt: number;
}

export interface NewConversation {
  title?: string | undefined;
  template?: CopyTemplate | null | undefined;
  grounding?: ChatGrounding | null | undefined;
  systemPrompt?: string | null | undefined;
  options?: Partial<ConversationOptions> | undefined;
}

interface ConversationRow {
  id: number;
  title: string;
  template: string | null;
  grounding: string | null;
  system_prompt: string | null;
  options: string;
  created_at: number;
  updated_at: number;
}

interface MessageRow {
  id: number;
  conversation_id: number;
  role: 'user' | 'assistant';
  text: string;
  stats: string | null;
  created_at: number;
}

const now = () => Math.floor(Date.now() / 1000);

function toConversation(r: ConversationRow): Conversation {
  const options = JSON.parse(r.options) as Partial<ConversationOptions>;
  return {
    id: r.id,
    title: r.title,
    template: r.template as CopyTemplate | null,
    grounding: r.grounding === null ? null : (JSON.parse(r.grounding) as ChatGrounding),
    systemPrompt: r.system_prompt,
    options: { tone: options.tone ?? 'friendly', language: options.language ?? 'zh' },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toMessage(r: MessageRow): ChatMessage {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    role: r.role,
    text: r.text,
    stats: r.stats === null ? null : (JSON.parse(r.stats) as MessageStats),
    createdAt: r.created_at,
  };
}

export function groundingLabel(g: ChatGrounding | null): string {
  if (!g) return '';
  if ('segment' in g) return g.segment;
  if ('customer' in g) return `customer ${g.customer}`;
  return `product ${g.product}`;
}

export function createConversation(db: Db, input: NewConversation): Conversation {
  const t = now();
  const title =
    input.title?.trim() ||
    [input.template ?? 'chat', groundingLabel(input.grounding ?? null)].filter(Boolean).join(' · ');
  const id = db
    .prepare(
      `INSERT INTO conversations (title, template, grounding, system_prompt, options, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      title,
      input.template ?? null,
      input.grounding ? JSON.stringify(input.grounding) : null,
      input.systemPrompt ?? null,
      JSON.stringify({ tone: input.options?.tone ?? 'friendly', language: input.options?.language ?? 'zh' }),
      t,
      t,
    ).lastInsertRowid;
  return getConversation(db, Number(id))!;
}

export function getConversation(db: Db, id: number): Conversation | undefined {
  const row = db.prepare('SELECT * FROM conversations WHERE id = ?').get(id) as ConversationRow | undefined;
  return row && toConversation(row);
}

export function listConversations(db: Db): (Conversation & { messages: number })[] {
  const rows = db
    .prepare(
      `SELECT c.*, (SELECT COUNT(*) FROM conversation_messages m WHERE m.conversation_id = c.id) AS n
       FROM conversations c ORDER BY c.updated_at DESC, c.id DESC`,
    )
    .all() as (ConversationRow & { n: number })[];
  return rows.map((r) => ({ ...toConversation(r), messages: r.n }));
}

export function deleteConversation(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM conversations WHERE id = ?').run(id).changes > 0;
}

export function listMessages(db: Db, conversationId: number): ChatMessage[] {
  return (
    db
      .prepare('SELECT * FROM conversation_messages WHERE conversation_id = ? ORDER BY id')
      .all(conversationId) as MessageRow[]
  ).map(toMessage);
}

export function appendMessage(
  db: Db,
  conversationId: number,
  role: 'user' | 'assistant',
  text: string,
  stats: MessageStats | null = null,
): ChatMessage {
  const t = now();
  const tx = db.transaction(() => {
    const id = db
      .prepare(
        'INSERT INTO conversation_messages (conversation_id, role, text, stats, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(conversationId, role, text, stats ? JSON.stringify(stats) : null, t).lastInsertRowid;
    db.prepare('UPDATE conversations SET updated_at = ? WHERE id = ?').run(t, conversationId);
    return Number(id);
  });
  const id = tx();
  return toMessage(db.prepare('SELECT * FROM conversation_messages WHERE id = ?').get(id) as MessageRow);
}

/** Removes messages after `keepThroughId` (regenerate drops the last reply; edit drops the last exchange). */
export function truncateAfter(db: Db, conversationId: number, keepThroughId: number): number {
  return db
    .prepare('DELETE FROM conversation_messages WHERE conversation_id = ? AND id > ?')
    .run(conversationId, keepThroughId).changes;
}

/** Appends a chat result to a campaign's note, creating the campaign when the name is new. */
export function saveToCampaign(db: Db, messageId: number, campaign: string): { campaignId: number } {
  const message = db.prepare('SELECT text FROM conversation_messages WHERE id = ?').pluck().get(messageId) as
    string | undefined;
  if (message === undefined) throw new Error(`no message ${messageId}`);
  return db.transaction(() => {
    let id = db
      .prepare('SELECT id FROM campaigns WHERE external_id = ? OR name = ?')
      .pluck()
      .get(campaign, campaign) as number | undefined;
    if (id === undefined) {
      id = Number(
        db.prepare('INSERT INTO campaigns (external_id, name, note) VALUES (?, ?, NULL)').run(campaign, campaign)
          .lastInsertRowid,
      );
    }
    db.prepare(
      "UPDATE campaigns SET note = CASE WHEN note IS NULL OR note = '' THEN ? ELSE note || char(10) || char(10) || ? END WHERE id = ?",
    ).run(message, message, id);
    return { campaignId: id };
  })();
}
