// The user's data rights: a copy of everything stored (GET /api/v1/me/export)
// and deleting what they saved (their sheets and conversations).

import { bad, isRecord, type Transport } from './http.ts';

export interface DeletedData {
  sheets: number;
  conversations: number;
}

/** The proxy's maximum page size: fewer round trips while collecting ids. */
const PAGE_LIMIT = 200;

/** Everything the proxy stores about the caller, as the proxy returns it. */
export async function exportMyData(transport: Transport): Promise<Record<string, unknown>> {
  const body = await transport.json('/api/v1/me/export');
  if (!isRecord(body)) throw bad('data export');
  return body;
}

/** Every id in a paged list, following `next_cursor` to the end. */
async function allIds(transport: Transport, base: string, what: string): Promise<string[]> {
  const ids: string[] = [];
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ limit: String(PAGE_LIMIT) });
    if (cursor) query.set('cursor', cursor);
    const body = await transport.json(`${base}?${query.toString()}`);
    if (!isRecord(body) || !Array.isArray(body.items)) throw bad(what);
    for (const item of body.items as unknown[]) {
      if (!isRecord(item) || typeof item.id !== 'string') throw bad(what);
      ids.push(item.id);
    }
    if (typeof body.next_cursor !== 'string') return ids;
    // A server repeating a cursor would otherwise keep the pane looping forever.
    if (seenCursors.has(body.next_cursor)) throw bad(what);
    seenCursors.add(body.next_cursor);
    cursor = body.next_cursor;
  }
}

/**
 * Deletes the caller's saved sheets and conversations, one DELETE each (the
 * proxy has no bulk delete). Stops at the first failure, which is thrown:
 * what was deleted before it stays deleted, and running it again finishes.
 */
export async function deleteMyData(transport: Transport): Promise<DeletedData> {
  const deleted: DeletedData = { sheets: 0, conversations: 0 };
  for (const id of await allIds(transport, '/api/v1/sheets', 'sheet list')) {
    await transport.request(`/api/v1/sheets/${encodeURIComponent(id)}`, { method: 'DELETE' });
    deleted.sheets += 1;
  }
  for (const id of await allIds(transport, '/api/v1/conversations', 'conversation list')) {
    await transport.request(`/api/v1/conversations/${encodeURIComponent(id)}`, { method: 'DELETE' });
    deleted.conversations += 1;
  }
  return deleted;
}
