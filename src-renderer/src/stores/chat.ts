/**
 * The marketing-copy chat as the view sees it: the model library and the loaded model, the conversations, and
 * the reply being streamed. Replies arrive as 'chat' server events; the stored message replaces the streamed
 * text when the reply is done, so what the view shows is what the workspace kept.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { getTransport, toApiCallError } from '../api/transport.ts';
import type { Input, Output, ServerEvent } from '../api/types.ts';

type ChatEvent = Extract<ServerEvent, { type: 'chat' }>;
export type Download = Output<'llm.download.list'>[number];
export type Conversation = Output<'chat.list'>[number];
export type Message = Output<'chat.get'>['messages'][number];
export type ModelLibrary = Output<'llm.models'>;
export type LlmStatus = Output<'llm.status'>;

export const useChatStore = defineStore('chat', () => {
  const library = ref<ModelLibrary | null>(null);
  const status = ref<LlmStatus | null>(null);
  const loadingModel = ref(false);
  const conversations = ref<Conversation[]>([]);
  const activeId = ref<number | null>(null);
  const messages = ref<Message[]>([]);
  const streamId = ref<string | null>(null);
  const streamText = ref('');
  /** "Processing prompt n/m" of the reply being prepared, until its first token. */
  const promptProgress = ref<{ evaluated: number; total: number } | null>(null);
  const downloads = ref<Download[]>([]);
  const error = ref<string | null>(null);
  let off: (() => void) | null = null;

  const active = computed(() => conversations.value.find((c) => c.id === activeId.value) ?? null);
  const streaming = computed(() => streamId.value !== null);

  function onEvent(e: ChatEvent): void {
    if (e.conversationId !== activeId.value && e.streamId !== streamId.value) return;
    if (e.event !== 'prompt') promptProgress.value = null;
    if (e.event === 'start') {
      streamId.value = e.streamId;
      streamText.value = '';
      if (e.userMessage && e.conversationId === activeId.value) messages.value = [...messages.value, e.userMessage];
    } else if (e.event === 'prompt') {
      if (e.streamId === streamId.value) promptProgress.value = { evaluated: e.evaluated, total: e.total };
    } else if (e.event === 'chunk') {
      if (e.streamId === streamId.value) streamText.value += e.text;
    } else if (e.event === 'done') {
      streamId.value = null;
      streamText.value = '';
      if (e.conversationId === activeId.value) messages.value = [...messages.value, e.message];
      void refreshConversations();
    } else {
      streamId.value = null;
      streamText.value = '';
      error.value = e.message;
    }
  }

  async function call<M extends Parameters<ReturnType<typeof getTransport>['call']>[0]>(
    method: M,
    input: Input<M>,
  ): Promise<Output<M> | null> {
    try {
      return await getTransport().call(method, input);
    } catch (err) {
      error.value = toApiCallError(err).message;
      return null;
    }
  }

  async function start(): Promise<void> {
    if (!off) {
      off = getTransport().onEvent((e) => {
        if (e.type === 'chat') onEvent(e);
        else if (e.type === 'download') onDownload(e.download);
      });
    }
    await Promise.all([refreshLibrary(), refreshStatus(), refreshConversations(), refreshDownloads()]);
  }

  async function refreshLibrary(): Promise<void> {
    library.value = (await call('llm.models', {})) ?? library.value;
  }
  async function refreshDownloads(): Promise<void> {
    downloads.value = (await call('llm.download.list', {})) ?? downloads.value;
    // Downloads the app's last quit cut off go on by themselves; ones the merchant paused wait for Resume.
    for (const d of downloads.value) if (d.interrupted && d.status === 'paused') void downloadAction(d.id, 'resume');
  }

  function onDownload(d: Download): void {
    // Events and call results race: a start call's answer can arrive after the progress events it led to. The
    // newer state wins, or a download whose bytes came in at once would sit at 0 B until its next event.
    const held = downloads.value.find((x) => x.id === d.id);
    if (held && (held.updatedAt > d.updatedAt || (held.updatedAt === d.updatedAt && held.received > d.received))) {
      return;
    }
    const rest = downloads.value.filter((x) => x.id !== d.id);
    // A cancelled download leaves nothing behind: it drops out of the list.
    downloads.value = d.status === 'cancelled' ? rest : [d, ...rest];
    if (d.status === 'completed') void refreshLibrary();
  }

  /** Starts a download (a URL or hf: reference); progress arrives as events. */
  async function download(input: Input<'llm.download.start'>): Promise<boolean> {
    error.value = null;
    const started = await call('llm.download.start', input);
    if (started) onDownload(started);
    return started !== null;
  }

  async function downloadAction(id: string, action: 'pause' | 'resume' | 'cancel'): Promise<void> {
    error.value = null;
    if (action === 'cancel') {
      if (await call('llm.download.cancel', { id })) downloads.value = downloads.value.filter((x) => x.id !== id);
      return;
    }
    const d = await call(action === 'pause' ? 'llm.download.pause' : 'llm.download.resume', { id });
    if (d) onDownload(d);
  }

  async function refreshStatus(): Promise<void> {
    status.value = (await call('llm.status', {})) ?? status.value;
  }
  async function refreshConversations(): Promise<void> {
    conversations.value = (await call('chat.list', {})) ?? conversations.value;
  }

  async function addModel(path: string): Promise<void> {
    error.value = null;
    if (await call('llm.add', { path })) await refreshLibrary();
  }

  async function loadModel(path: string, gpu: Input<'llm.load'>['gpu']): Promise<void> {
    error.value = null;
    loadingModel.value = true;
    try {
      status.value = (await call('llm.load', { path, ...(gpu ? { gpu } : {}) })) ?? status.value;
    } finally {
      loadingModel.value = false;
    }
  }

  async function open(id: number): Promise<void> {
    activeId.value = id;
    const got = await call('chat.get', { conversationId: id });
    if (got && activeId.value === id) messages.value = got.messages;
  }

  async function create(input: Input<'chat.create'>): Promise<void> {
    error.value = null;
    const c = await call('chat.create', input);
    if (!c) return;
    await refreshConversations();
    await open(c.id);
  }

  async function remove(id: number): Promise<void> {
    await call('chat.delete', { conversationId: id });
    if (activeId.value === id) {
      activeId.value = null;
      messages.value = [];
    }
    await refreshConversations();
  }

  async function send(text: string, mode: 'send' | 'regenerate' | 'edit' = 'send'): Promise<boolean> {
    if (activeId.value === null) return false;
    error.value = null;
    const conversationId = activeId.value;
    if (mode !== 'send') {
      // The server drops the replaced turns; mirror it before the new reply streams in.
      const lastUser = messages.value.findLastIndex((m) => m.role === 'user');
      messages.value = messages.value.slice(0, mode === 'regenerate' ? lastUser + 1 : lastUser);
    }
    const started = await call('chat.send', { conversationId, mode, ...(mode === 'regenerate' ? {} : { text }) });
    if (!started) {
      await open(conversationId);
      return false;
    }
    streamId.value = started.streamId;
    return true;
  }

  async function stop(): Promise<void> {
    if (streamId.value) await call('chat.stop', { streamId: streamId.value });
  }

  async function saveToCampaign(messageId: number, campaign: string): Promise<boolean> {
    return (await call('chat.saveToCampaign', { messageId, campaign })) !== null;
  }

  return {
    library,
    status,
    loadingModel,
    conversations,
    activeId,
    active,
    messages,
    streaming,
    streamText,
    promptProgress,
    downloads,
    error,
    start,
    refreshLibrary,
    addModel,
    loadModel,
    refreshDownloads,
    download,
    downloadAction,
    open,
    create,
    remove,
    send,
    stop,
    saveToCampaign,
  };
});
