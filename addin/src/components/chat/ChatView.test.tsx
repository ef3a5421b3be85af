import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Answer, NewMessage, SendOptions } from '../../api/chat.ts';
import type { Conversation, ConversationSummary } from '../../api/conversations.ts';
import { ProxyError } from '../../api/http.ts';
import { renderWithFluent } from '../../test/render.tsx';
import { ChatView, type ChatApi, type ChatViewProps } from './ChatView.tsx';

const NOW = Date.parse('2026-11-26T10:00:00Z');

function summary(id: string, title: string | null, status: 'active' | 'archived' = 'active'): ConversationSummary {
  return { id, title, status, total_tokens: 0, created_at: '2026-11-26T09:00:00Z', updated_at: '2026-11-26T09:00:00Z' };
}

type Send = (id: string, message: NewMessage, options?: SendOptions) => Promise<Answer>;

/** An api whose answers the test scripts; conversations live in an array. */
function fakeApi(overrides: Partial<ChatApi> = {}) {
  const conversations = [summary('c-1', 'Q3 invoices'), summary('c-2', 'Old one', 'archived')];
  const api: ChatApi = {
    listConversations: vi.fn(() => Promise.resolve({ items: [...conversations], nextCursor: undefined })),
    getConversation: vi.fn((id: string): Promise<Conversation> =>
      Promise.resolve({
        ...summary(id, 'Q3 invoices'),
        messages: [
          { id: 'm1', role: 'user', text: 'Total?' },
          { id: 'm2', role: 'assistant', text: 'The total is **1,200**.' },
        ],
      }),
    ),
    renameConversation: vi.fn((id: string, title: string) => {
      const found = conversations.find((c) => c.id === id);
      if (found) found.title = title;
      return Promise.resolve({ ...summary(id, title), messages: [] });
    }),
    setConversationStatus: vi.fn((id: string, status: 'active' | 'archived') => {
      const found = conversations.find((c) => c.id === id);
      if (found) found.status = status;
      return Promise.resolve({ ...summary(id, null, status), messages: [] });
    }),
    deleteConversation: vi.fn((id: string) => {
      conversations.splice(conversations.findIndex((c) => c.id === id), 1);
      return Promise.resolve();
    }),
    sendMessage: vi.fn<Send>(() => Promise.reject(new Error('not scripted'))),
    ...overrides,
  };
  return api;
}

/** A streamed answer: calls onStart, sends each delta, then ends with `status`. */
function streamed(conversationId: string, deltas: string[], status: Answer['status'] = 'done'): Send {
  return async (_id, _message, options) => {
    options?.onStart?.(conversationId);
    let text = '';
    for (const delta of deltas) {
      await Promise.resolve();
      text += delta;
      options?.onEvent?.({ type: 'delta', text: delta });
    }
    return { conversationId, status, text, ...(status === 'done' ? { messageId: 'm-9', finishReason: 'stop' } : {}) };
  };
}

function setup(props: Partial<ChatViewProps> = {}, api = fakeApi()) {
  const user = userEvent.setup();
  renderWithFluent(<ChatView api={api} now={() => NOW} {...props} />);
  return { user, api };
}

async function ask(user: ReturnType<typeof userEvent.setup>, question: string) {
  await user.type(screen.getByRole('textbox', { name: /Message/ }), question);
  await user.click(screen.getByRole('button', { name: 'Send' }));
}

/** Waits until the answer has stopped streaming: the message is then re-rendered
 * from the stored conversation, so buttons found earlier may be detached. */
async function answerSettled() {
  await waitFor(() => {
    expect(screen.queryByRole('button', { name: 'Stop' })).not.toBeInTheDocument();
  });
}

describe('ChatView', () => {
  it('lists active conversations and opens one with its messages rendered as Markdown', async () => {
    const { user, api } = setup();
    const nav = await screen.findByRole('navigation', { name: 'Conversations' });
    expect(await within(nav).findByRole('button', { name: 'Q3 invoices' })).toBeVisible();
    expect(within(nav).queryByRole('button', { name: /Old one/ })).not.toBeInTheDocument();

    await user.click(screen.getByRole('switch', { name: 'Show archived' }));
    expect(within(nav).getByRole('button', { name: 'Old one (archived)' })).toBeVisible();

    await user.click(within(nav).getByRole('button', { name: 'Q3 invoices' }));
    expect(api.getConversation).toHaveBeenCalledWith('c-1');
    const log = await screen.findByRole('log', { name: 'Conversation' });
    expect(within(log).getByText('1,200').tagName).toBe('STRONG');
  });

  it('streams an answer into a new conversation and sends with the new id next time', async () => {
    const sendMessage = vi.fn<Send>(streamed('c-new', ['| Region | Total |\n', '|---|---|\n', '| North | 1,200 |\n']));
    const { user, api } = setup({}, fakeApi({ sendMessage }));
    await ask(user, 'Totals by region?');

    const table = await screen.findByRole('table');
    expect(within(table).getAllByRole('row')).toHaveLength(2);
    expect(sendMessage.mock.calls[0]?.[0]).toBe('new');
    expect(sendMessage.mock.calls[0]?.[1]).toEqual({ text: 'Totals by region?' });
    expect(screen.getByRole('textbox', { name: /Message/ })).toHaveValue('');
    await waitFor(() => {
      expect(screen.getAllByTestId('assistant-message').at(-1)).toHaveAttribute('data-state', 'done');
    });
    // The list is reloaded so the new conversation appears.
    expect(vi.mocked(api.listConversations).mock.calls.length).toBeGreaterThanOrEqual(2);

    await ask(user, 'And south?');
    expect(sendMessage.mock.calls[1]?.[0]).toBe('c-new');
  });

  it('sends the sheet context when one is provided', async () => {
    const sendMessage = vi.fn<Send>(streamed('c-1', ['ok']));
    const { user } = setup({ getSheetContext: () => Promise.resolve({ columns: ['A'] }) }, fakeApi({ sendMessage }));
    await ask(user, 'q');
    await screen.findByText('ok');
    expect(sendMessage.mock.calls[0]?.[1]).toEqual({ text: 'q', sheet_context: { columns: ['A'] } });
  });

  it('stops a streaming answer with the Stop button', async () => {
    const sendMessage = vi.fn<Send>(
      (_id, _message, options) =>
        new Promise<Answer>((resolve) => {
          options?.onStart?.('c-1');
          options?.onEvent?.({ type: 'delta', text: 'Partial' });
          options?.signal?.addEventListener('abort', () => {
            resolve({ conversationId: 'c-1', status: 'cancelled', text: 'Partial' });
          });
        }),
    );
    const { user } = setup({}, fakeApi({ sendMessage }));
    await ask(user, 'Long question');
    await user.click(await screen.findByRole('button', { name: 'Stop' }));

    expect(await screen.findByText('Stopped.')).toBeVisible();
    expect(screen.getAllByTestId('assistant-message').at(-1)).toHaveAttribute('data-state', 'cancelled');
    expect(screen.getByRole('button', { name: 'Send' })).toBeInTheDocument();
  });

  it('keeps a cut-off answer, marks it, and says so', async () => {
    const { user } = setup({}, fakeApi({ sendMessage: vi.fn<Send>(streamed('c-1', ['Half of it'], 'incomplete')) }));
    await ask(user, 'q');
    expect(await screen.findByText('This answer was cut off before it finished.')).toBeVisible();
    expect(screen.getByTestId('answer-problem')).toHaveTextContent('The connection broke before the answer finished');
    expect(screen.getByText('Half of it')).toBeVisible();
  });

  it('shows an error event from the server next to the partial answer', async () => {
    const sendMessage = vi.fn<Send>((_id, _m, options) => {
      options?.onStart?.('c-1');
      return Promise.resolve({ conversationId: 'c-1', status: 'error', text: 'So far', error: { code: 'upstream_truncated', message: 'Gemini’s answer was cut off before it finished; try again' } });
    });
    const { user } = setup({}, fakeApi({ sendMessage }));
    await ask(user, 'q');
    expect(await screen.findByTestId('answer-problem')).toHaveTextContent('Gemini’s answer was cut off before it finished; try again');
  });

  it.each([
    [new ProxyError(503, 'ai_not_configured', 'AI chat is not configured on this server: set GEMINI_API_KEY'), 'not_configured', 'AI chat is not configured on this server: set GEMINI_API_KEY'],
    [new ProxyError(422, 'pii_blocked', 'The question contains 2 email addresses.'), 'pii_blocked', 'Mask the data on the Preview & Mask tab'],
    [new ProxyError(422, 'context_too_large', 'The selection needs 2,400,000 tokens.'), 'context_too_large', 'Select fewer rows or columns'],
    [new ProxyError(401, 'unauthorized', 'a valid bearer token is required'), 'sign_in', 'a valid bearer token is required'],
    [new ProxyError(502, 'upstream_error', 'Gemini refused the request (400 INVALID_ARGUMENT)'), 'error', 'Gemini refused the request'],
  ])('explains %s and keeps the draft', async (error, kind, text) => {
    const { user } = setup({}, fakeApi({ sendMessage: vi.fn<Send>(() => Promise.reject(error)) }));
    await ask(user, 'Which columns are dates?');
    const problem = await screen.findByTestId('chat-problem');
    expect(problem).toHaveAttribute('data-kind', kind);
    expect(problem).toHaveTextContent(text);
    expect(screen.getByRole('textbox', { name: /Message/ })).toHaveValue('Which columns are dates?');
    expect(screen.queryByTestId('user-message')).not.toBeInTheDocument();
  });

  it('shows the retry time of a rate limit and blocks sending until then', async () => {
    const error = new ProxyError(429, 'rate_limited', 'too many requests; slow down', 42);
    const { user } = setup({}, fakeApi({ sendMessage: vi.fn<Send>(() => Promise.reject(error)) }));
    await ask(user, 'q');
    const problem = await screen.findByTestId('chat-problem');
    expect(problem).toHaveAttribute('data-kind', 'rate_limited');
    expect(problem).toHaveTextContent('Too many requests; slow down.');
    const expected = new Date(NOW + 42_000).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    expect(screen.getByTestId('retry-time')).toHaveTextContent(`Sending is possible again at ${expected}.`);
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
  });

  it('says when the daily budget is used up and when it renews', async () => {
    const error = new ProxyError(429, 'budget_exhausted', "today's AI token budget is used up; it renews at midnight UTC", 3600);
    const { user } = setup({}, fakeApi({ sendMessage: vi.fn<Send>(() => Promise.reject(error)) }));
    await ask(user, 'q');
    const problem = await screen.findByTestId('chat-problem');
    expect(problem).toHaveAttribute('data-kind', 'budget_exhausted');
    expect(problem).toHaveTextContent("Today's AI token budget is used up; it renews at midnight UTC.");
  });

  it('goes offline with the browser and recovers by itself when the connection returns', async () => {
    const online = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(true);
    const api = fakeApi();
    const { user } = setup({}, api);
    await screen.findByRole('button', { name: 'Q3 invoices' });
    await user.type(screen.getByRole('textbox', { name: /Message/ }), 'q');

    online.mockReturnValue(false);
    vi.mocked(api.listConversations).mockRejectedValueOnce(new ProxyError(0, 'network_error', 'Could not reach the Ledgerlight server (Failed to fetch).'));
    act(() => {
      window.dispatchEvent(new Event('offline'));
    });
    expect(screen.getByTestId('chat-problem')).toHaveAttribute('data-kind', 'offline');
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();

    const callsBefore = vi.mocked(api.listConversations).mock.calls.length;
    online.mockReturnValue(true);
    act(() => {
      window.dispatchEvent(new Event('online'));
    });
    expect(screen.queryByTestId('chat-problem')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send' })).toBeEnabled();
    expect(vi.mocked(api.listConversations).mock.calls.length).toBe(callsBefore);
  });

  it('reloads the list when the connection returns after a failed load', async () => {
    vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    const api = fakeApi();
    vi.mocked(api.listConversations).mockRejectedValueOnce(new ProxyError(0, 'network_error', 'Could not reach the Ledgerlight server.'));
    setup({}, api);
    expect(await screen.findByTestId('chat-problem')).toHaveAttribute('data-kind', 'offline');
    // Let the failed load settle before the connection returns.
    await act(async () => {
      await (vi.mocked(api.listConversations).mock.results[0]?.value as Promise<unknown>).catch(() => undefined);
    });

    vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(true);
    act(() => {
      window.dispatchEvent(new Event('online'));
    });
    expect(await screen.findByRole('button', { name: 'Q3 invoices' })).toBeVisible();
    await waitFor(() => {
      expect(screen.queryByTestId('chat-problem')).not.toBeInTheDocument();
    });
  });

  it('renames, archives and deletes through the actions menu', async () => {
    const { user, api } = setup();
    await user.click(await screen.findByRole('button', { name: 'Actions for Q3 invoices' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Rename' }));
    const title = screen.getByRole('textbox', { name: 'Conversation title' });
    await user.clear(title);
    await user.type(title, 'Q3 review{Enter}');
    expect(api.renameConversation).toHaveBeenCalledWith('c-1', 'Q3 review');
    expect(await screen.findByRole('button', { name: 'Q3 review' })).toBeVisible();

    await user.click(screen.getByRole('button', { name: 'Actions for Q3 review' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Archive' }));
    expect(api.setConversationStatus).toHaveBeenCalledWith('c-1', 'archived');
    await waitFor(() => {
      expect(screen.queryByRole('button', { name: 'Q3 review' })).not.toBeInTheDocument();
    });

    await user.click(screen.getByRole('switch', { name: 'Show archived' }));
    await user.click(screen.getByRole('button', { name: 'Actions for Old one' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Delete' }));
    const confirm = screen.getByRole('group', { name: 'Delete Old one?' });
    await user.click(within(confirm).getByRole('button', { name: 'Delete' }));
    expect(api.deleteConversation).toHaveBeenCalledWith('c-2');
    await waitFor(() => {
      expect(screen.queryByRole('button', { name: /Old one/ })).not.toBeInTheDocument();
    });
  });

  it('shows a failed rename as an error', async () => {
    const api = fakeApi({ renameConversation: vi.fn(() => Promise.reject(new ProxyError(404, 'not_found', 'not found'))) });
    const { user } = setup({}, api);
    await user.click(await screen.findByRole('button', { name: 'Actions for Q3 invoices' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Rename' }));
    await user.type(screen.getByRole('textbox', { name: 'Conversation title' }), ' 2{Enter}');
    expect(await screen.findByTestId('chat-problem')).toHaveTextContent('not found');
  });

  it('inserts a table from an answer into the sheet and undoes it', async () => {
    const undo = vi.fn(() => Promise.resolve());
    const insertTable = vi.fn(() => Promise.resolve({ address: 'Sheet1!C5:D6', undo }));
    const sendMessage = vi.fn<Send>(streamed('c-1', ['| Region | Total |\n|---|---|\n| North | 1,200.50 |\n| =cmd | 15% |\n']));
    const { user } = setup({ insertTable }, fakeApi({ sendMessage }));
    await ask(user, 'q');
    await answerSettled();
    await waitFor(() => {
      expect(screen.getByRole('button', { name: 'Insert the table (Region, Total) into the sheet' })).toBeEnabled();
    });
    await user.click(screen.getByRole('button', { name: 'Insert the table (Region, Total) into the sheet' }));

    expect(insertTable).toHaveBeenCalledWith({
      values: [
        ['Region', 'Total'],
        ['North', 1200.5],
        ['=cmd', 0.15],
      ],
      numberFormat: [
        ['General', 'General'],
        ['General', '#,##0.00'],
        ['@', '0%'],
      ],
    });
    expect(await screen.findByTestId('insert-notice')).toHaveTextContent('Inserted 3 × 2 cells at Sheet1!C5:D6');
    await user.click(screen.getByRole('button', { name: 'Undo insert' }));
    expect(undo).toHaveBeenCalled();
    expect(await screen.findByTestId('insert-notice')).toHaveTextContent('The insert was undone');
  });

  it('inserts a formula from a code block at the selected cell', async () => {
    const insertFormula = vi.fn(() => Promise.resolve({ address: 'Sheet1!E2', undo: () => Promise.resolve() }));
    const answer = 'Use this:\n\n```excel\n=SUMIFS(B:B,A:A,"North")\n```\n\nNot this:\n\n```\nprint(1)\n```\n';
    const { user } = setup({ insertFormula }, fakeApi({ sendMessage: vi.fn<Send>(streamed('c-1', [answer])) }));
    await ask(user, 'q');
    await answerSettled();
    const formulaButton = () =>
      screen.getByRole('button', { name: 'Insert the formula =SUMIFS(B:B,A:A,"North") at the selected cell' });
    await waitFor(() => {
      expect(formulaButton()).toBeEnabled();
    });
    expect(screen.getAllByRole('button', { name: /Insert the formula/ })).toHaveLength(1);
    await user.click(formulaButton());
    expect(insertFormula).toHaveBeenCalledWith('=SUMIFS(B:B,A:A,"North")');
    expect(await screen.findByTestId('insert-notice')).toHaveTextContent('Inserted the formula at Sheet1!E2');
  });

  it('has no insert button outside Excel, and shows an insert failure', async () => {
    const sendMessage = vi.fn<Send>(streamed('c-1', ['| A |\n|---|\n| 1 |\n']));
    const first = setup({}, fakeApi({ sendMessage }));
    await ask(first.user, 'q');
    await screen.findByRole('table');
    expect(screen.queryByRole('button', { name: /Insert table/ })).not.toBeInTheDocument();
  });

  it('reports a failed insert', async () => {
    const insertTable = vi.fn(() => Promise.reject(new Error('The sheet is protected.')));
    const { user } = setup({ insertTable }, fakeApi({ sendMessage: vi.fn<Send>(streamed('c-1', ['| A |\n|---|\n| 1 |\n'])) }));
    await ask(user, 'q');
    await waitFor(() => {
      expect(screen.getByRole('button', { name: 'Insert the table (A) into the sheet' })).toBeEnabled();
    });
    await user.click(screen.getByRole('button', { name: 'Insert the table (A) into the sheet' }));
    expect(await screen.findByTestId('insert-notice')).toHaveTextContent('The table could not be inserted: The sheet is protected.');
  });

  it('never renders raw HTML or script links from an answer', async () => {
    const answer = 'Hi <img src=x onerror="alert(1)"> <script>alert(2)</script> [click](javascript:alert(3)) [docs](https://example.com/docs)';
    const { user } = setup({}, fakeApi({ sendMessage: vi.fn<Send>(streamed('c-1', [answer])) }));
    await ask(user, 'q');
    const message = await screen.findByText(/Hi/);
    const container = message.closest('[data-testid="assistant-message"]');
    expect(container?.querySelector('img, script')).toBeNull();
    expect(screen.getByText('click').getAttribute('href') ?? '').not.toMatch(/javascript/i);
    const docs = screen.getByRole('link', { name: 'docs' });
    expect(docs).toHaveAttribute('href', 'https://example.com/docs');
    expect(docs).toHaveAttribute('rel', 'noopener noreferrer nofollow');
    expect(docs).toHaveAttribute('target', '_blank');
  });

  it('shows today’s usage and refreshes it after an answer', async () => {
    const usage = { date: '2026-11-26', tokens_used_today: 1200, daily_token_budget: 1_000_000, budget_left: 998_800, requests_in_window: 1, rate_limit_rpm: 20, window_seconds: 60 };
    const getUsage = vi.fn(() => Promise.resolve(usage));
    const { user } = setup({ getUsage }, fakeApi({ sendMessage: vi.fn<Send>(streamed('c-1', ['ok'])) }));
    expect(await screen.findByTestId('usage')).toHaveTextContent(`Today: ${(1200).toLocaleString()} of ${(1_000_000).toLocaleString()} tokens used`);
    await ask(user, 'q');
    await waitFor(() => {
      expect(getUsage).toHaveBeenCalledTimes(2);
    });
  });

  it('shows the token estimate slot when one is given', async () => {
    const { user } = setup({ tokenEstimate: (draft) => <span data-testid="slot">{draft.length} chars</span> });
    await user.type(screen.getByRole('textbox', { name: /Message/ }), 'abc');
    expect(screen.getByTestId('slot')).toHaveTextContent('3 chars');
  });

  it('shows the server’s exact token count, debounced, without a slot', async () => {
    const countTokens = vi.fn(() => Promise.resolve({ total_tokens: 1234, model: 'gemini-flash-latest' }));
    const { user } = setup({ countTokens });
    await user.type(screen.getByRole('textbox', { name: /Message/ }), 'Sum the amounts');
    expect(await screen.findByText(/tokens \(exact count from the server\)/, {}, { timeout: 3000 })).toHaveTextContent((1234).toLocaleString());
    // One count for the whole burst of typing.
    expect(countTokens).toHaveBeenCalledTimes(1);
    expect(countTokens).toHaveBeenCalledWith('Sum the amounts', expect.any(AbortSignal));
  });
});
