// The only module family that talks to the Ledgerlight proxy. The proxy
// serves the pane, so by default every path is relative to its own origin.

import { sendMessage, type Answer, type NewMessage, type SendOptions } from './chat.ts';
import {
  countTokens,
  createConversation,
  deleteConversation,
  getConversation,
  getUsage,
  listConversations,
  renameConversation,
  setConversationStatus,
  type Conversation,
  type ConversationPage,
  type RecordStatus,
  type TokenCount,
  type Usage,
} from './conversations.ts';
import { deleteMyData, exportMyData, type DeletedData } from './myData.ts';
import { bad, createTransport, isRecord, ProxyError, type Fetch, type TransportOptions } from './http.ts';

export { ABORTED, BAD_RESPONSE, NETWORK_ERROR, ProxyError } from './http.ts';

export interface Health {
  status: string;
  version: string;
}

/** Everything the pane asks of the proxy, with the caller's token attached. */
export interface ProxyClient {
  getHealth(): Promise<Health>;
  /** False when the proxy serves one local user without sign-in. */
  requiresSignIn(): Promise<boolean>;
  /** The Gemini model the proxy answers with (GET /api/v1/config), to count and price for the same one. */
  getChatModel(): Promise<string>;
  listConversations(options?: { cursor?: string; limit?: number }): Promise<ConversationPage>;
  createConversation(title?: string): Promise<Conversation>;
  getConversation(id: string): Promise<Conversation>;
  renameConversation(id: string, title: string): Promise<Conversation>;
  setConversationStatus(id: string, status: RecordStatus): Promise<Conversation>;
  deleteConversation(id: string): Promise<void>;
  sendMessage(conversationId: string, message: NewMessage, options?: SendOptions): Promise<Answer>;
  countTokens(text: string, signal?: AbortSignal): Promise<TokenCount>;
  getUsage(): Promise<Usage>;
  /** Everything stored about the caller (GET /api/v1/me/export). */
  exportMyData(): Promise<Record<string, unknown>>;
  /** Deletes the caller's saved sheets and conversations. */
  deleteMyData(): Promise<DeletedData>;
}

export function createProxyClient(options: TransportOptions = {}): ProxyClient {
  const transport = createTransport(options);
  return {
    async getHealth() {
      const body = await transport.json('/health');
      if (isRecord(body) && typeof body.status === 'string' && typeof body.version === 'string') {
        return { status: body.status, version: body.version };
      }
      throw bad('health answer');
    },
    async requiresSignIn() {
      // Without a token, a proxy with auth answers 401; a local-mode proxy answers the profile.
      const anonymous = createTransport({ ...options, getAccessToken: () => Promise.resolve(null) });
      try {
        await anonymous.json('/api/v1/me');
        return false;
      } catch (thrown) {
        if (thrown instanceof ProxyError && thrown.status === 401) return true;
        throw thrown;
      }
    },
    async getChatModel() {
      const body = await transport.json('/api/v1/config');
      if (isRecord(body) && isRecord(body.ai) && typeof body.ai.model === 'string') return body.ai.model;
      throw bad('configuration answer');
    },
    listConversations: (page) => listConversations(transport, page),
    createConversation: (title) => createConversation(transport, title),
    getConversation: (id) => getConversation(transport, id),
    renameConversation: (id, title) => renameConversation(transport, id, title),
    setConversationStatus: (id, status) => setConversationStatus(transport, id, status),
    deleteConversation: (id) => deleteConversation(transport, id),
    sendMessage: (id, message, sendOptions) => sendMessage(transport, id, message, sendOptions),
    countTokens: (text, signal) => countTokens(transport, text, signal),
    getUsage: () => getUsage(transport),
    exportMyData: () => exportMyData(transport),
    deleteMyData: () => deleteMyData(transport),
  };
}

/** The Supabase project the proxy's operators configured, as it publishes it. */
export interface AnnouncedProject {
  supabaseUrl: string;
  anonKey: string;
}

/**
 * The Supabase project the proxy announces at GET /api/v1/config (public
 * values only), or null when it signs users in some other way (local mode,
 * or tokens from an issuer the pane cannot sign in with).
 */
export async function getAnnouncedProject(options: TransportOptions = {}): Promise<AnnouncedProject | null> {
  const body = await createTransport({ ...options, getAccessToken: () => Promise.resolve(null) }).json('/api/v1/config');
  if (!isRecord(body) || !isRecord(body.auth) || typeof body.auth.mode !== 'string') throw bad('configuration answer');
  const auth = body.auth;
  if (auth.mode !== 'supabase') return null;
  if (typeof auth.supabase_url !== 'string' || typeof auth.anon_key !== 'string') throw bad('configuration answer');
  return { supabaseUrl: auth.supabase_url, anonKey: auth.anon_key };
}

/** The proxy's health, on the pane's own origin. */
export function getHealth(fetchImpl?: Fetch): Promise<Health> {
  return createProxyClient(fetchImpl ? { fetch: fetchImpl } : {}).getHealth();
}
