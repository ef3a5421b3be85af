// The Preview & Mask tab and the chat together: nothing about the sheet is
// sent until the user confirms a preview, then exactly its payload is sent;
// a new policy or a new selection voids the confirmation; answers are shown
// un-masked and the estimate counts what will be sent.
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { App, type Services } from './App.tsx';
import type { Answer, NewMessage, SendOptions } from './api/chat.ts';
import type { MaskingApi } from './components/PreviewView.tsx';
import type { ChatWindow, MaskPolicy, OfficeRange, Preview, PriceTable, ScanResult, WindowInput } from './engine/types.ts';
import type { Selection } from './office/excel.ts';
import type { Preferences } from './settings.ts';
import { renderWithFluent } from './test/render.tsx';
import { ledgerFile, ledgerProfile } from './test/fixtures.ts';

const SELECTION: Selection = {
  address: 'Sheet1!A1:B3',
  values: [
    ['Customer', 'Email'],
    ['Alice', 'alice@example.com'],
    ['Bob', 'bob@example.org'],
  ],
};

const SCAN: ScanResult = {
  hasHeader: true,
  columns: ['Customer', 'Email'],
  findings: [
    { row: 0, column: 1, columnName: 'Email', type: 'email', start: 0, end: 17, score: 0.99, reason: 'pattern' },
    { row: 1, column: 1, columnName: 'Email', type: 'email', start: 0, end: 15, score: 0.99, reason: 'pattern' },
  ],
};

const PRICES: PriceTable = {
  version: 1,
  currency: 'USD',
  models: [{ model: 'gemini-flash-latest', tokenizer: 'gemma3', contextWindow: 1_000_000, maxOutputTokens: 8192, inputPerMillion: 0.3, outputPerMillion: 2.5 }],
};

/** A masker whose payload names the policy it was made with, so a policy change is visible in what is sent. */
function fakeMasking() {
  let policy: MaskPolicy | null = null;
  const masking: MaskingApi = {
    setPolicy: vi.fn((next: MaskPolicy) => {
      policy = next;
      return Promise.resolve();
    }),
    scan: vi.fn(() => Promise.resolve(SCAN)),
    preview: vi.fn((range: OfficeRange): Promise<Preview> => {
      const operator = policy?.columns?.Email ?? policy?.types?.email ?? 'none';
      const payload = `Columns: Customer | Email\nrows: ${String(range.values.length - 1)}\nEmail masked by ${JSON.stringify(operator)}: EMAIL_1, EMAIL_2 "quoted" \\ back`;
      return Promise.resolve({
        payload,
        tokens: 1000,
        budget: 4000,
        detail: 'full',
        columnsDescribed: 2,
        rowsIncluded: [0, 1],
        rowsOmitted: 0,
        cellsTruncated: 0,
        summary: { rows: [{ column: 'Email', type: 'email', operator: 'pseudonym', cells: 2 }], droppedColumns: [], maskedCells: 2 },
      });
    }),
  };
  return masking;
}

type Send = (conversationId: string, message: NewMessage, options?: SendOptions) => Promise<Answer>;

function setup(mode: 'excel' | 'browser' = 'excel') {
  const masking = fakeMasking();
  let selection = SELECTION;
  const sendMessage = vi.fn<Send>((...[, , options]) => {
    options?.onStart?.('c-1');
    const text = 'EMAIL_1 owes the most.';
    options?.onEvent?.({ type: 'delta', text });
    return Promise.resolve({ conversationId: 'c-1', status: 'done', text });
  });
  const buildWindow = vi.fn((input: WindowInput): Promise<ChatWindow> => {
    const input_ = input.message.length + (input.sheetContext?.length ?? 0);
    return Promise.resolve({
      request: { model: 'gemini-flash-latest', system: [], contents: [], maxOutputTokens: 0 },
      breakdown: { system: 0, sheetContext: 0, summary: 0, history: 0, message: 0, overhead: 0, input: input_, reservedOutput: 0, budget: 0, sheetContextDropped: false, summaryUsed: false, droppedMessages: [], keptMessages: 0 },
      cost: { currency: 'USD', inputTokens: input_, outputTokens: 0, input: 0.0012, output: 0, total: 0.0012 },
    });
  });
  const savePreferences = vi.fn<(next: Preferences) => void>();
  const services: Services = {
    profileFile: vi.fn(() => Promise.resolve(ledgerFile)),
    profileRange: vi.fn(() => Promise.resolve(ledgerProfile)),
    readSelection: vi.fn(() => Promise.resolve(selection)),
    engineVersion: vi.fn(() => Promise.resolve('0.1.0')),
    getHealth: vi.fn(() => Promise.resolve({ status: 'ok', version: '0.1.0' })),
    chat: {
      listConversations: vi.fn(() => Promise.resolve({ items: [], nextCursor: undefined })),
      getConversation: vi.fn(() => Promise.reject(new Error('not used'))),
      renameConversation: vi.fn(() => Promise.reject(new Error('not used'))),
      setConversationStatus: vi.fn(() => Promise.reject(new Error('not used'))),
      deleteConversation: vi.fn(() => Promise.resolve()),
      sendMessage,
    },
    requiresSignIn: vi.fn(() => Promise.resolve(false)),
    auth: null,
    supabase: undefined,
    saveSupabase: vi.fn(),
    savePreferences,
    buildWindow,
    masking: {
      open: vi.fn(() => Promise.resolve(masking)),
      readFileRange: vi.fn(() => Promise.resolve(SELECTION)),
      workbookName: () => 'customers.xlsx',
      priceTable: () => Promise.resolve(PRICES),
      chatModel: () => Promise.resolve('gemini-flash-latest'),
      unmask: (text: string) => Promise.resolve(text.replaceAll('EMAIL_1', 'alice@example.com')),
    },
  };
  renderWithFluent(<App mode={mode} services={services} />);
  const user = userEvent.setup();
  return {
    user,
    masking,
    sendMessage,
    buildWindow,
    savePreferences,
    services,
    selectOther: () => {
      selection = { ...SELECTION, values: [...SELECTION.values, ['Carol', 'carol@example.net']] };
    },
  };
}

async function previewSelection(user: ReturnType<typeof userEvent.setup>) {
  await user.click(screen.getByRole('tab', { name: 'Preview & Mask' }));
  await user.click(screen.getByRole('button', { name: 'Preview the selection' }));
  return screen.findByTestId('preview-payload');
}

async function ask(user: ReturnType<typeof userEvent.setup>, question: string) {
  await user.click(screen.getByRole('tab', { name: 'Chat' }));
  const box = await screen.findByRole('textbox', { name: /Message/ });
  await user.clear(box);
  await user.type(box, question);
  await user.click(screen.getByRole('button', { name: 'Send' }));
}

describe('Preview & Mask with the chat', () => {
  it('shows the findings per column with hidden examples, the payload and its cost', async () => {
    const { user, services } = setup();
    const payload = await previewSelection(user);

    expect(services.masking?.open).toHaveBeenCalledWith('customers.xlsx', expect.objectContaining({ version: 1 }));
    const email = screen.getAllByTestId('pii-column')[1];
    if (!email) throw new Error('no Email row');
    expect(within(email).getByText('2 email')).toBeVisible();
    // Examples are hidden until asked for.
    expect(within(email).getByTestId('pii-examples')).not.toHaveTextContent('alice@example.com');
    await user.click(within(email).getByRole('button', { name: 'Show examples' }));
    expect(within(email).getByTestId('pii-examples')).toHaveTextContent('alice@example.com bob@example.org');
    expect(payload.textContent).toContain('EMAIL_1, EMAIL_2');
    // 1,000 tokens at $0.30 per million.
    expect(screen.getByTestId('preview-tokens')).toHaveTextContent('1,000 tokens (≈ $0.0003)');
    expect(screen.getByTestId('mask-summary')).toHaveTextContent('2 cells masked: Email 2 × pseudonym (email)');
  });

  it('sends no sheet data without confirmation, and exactly the previewed payload after it', async () => {
    const { user, sendMessage } = setup();
    const shown = await previewSelection(user);

    await ask(user, 'Who owes the most?');
    await waitFor(() => {
      expect(sendMessage).toHaveBeenCalledTimes(1);
    });
    expect(sendMessage.mock.calls[0]?.[1]).toEqual({ text: 'Who owes the most?' });

    await user.click(screen.getByRole('tab', { name: 'Preview & Mask' }));
    const previewed = shown.textContent;
    await user.click(screen.getByRole('button', { name: 'Use in chat' }));
    expect(screen.getByTestId('preview-confirmed')).toBeVisible();
    await ask(user, 'And now?');
    await waitFor(() => {
      expect(sendMessage).toHaveBeenCalledTimes(2);
    });
    expect(sendMessage.mock.calls[1]?.[1]).toEqual({ text: 'And now?', sheet_context: previewed });
  });

  it('voids the confirmation when the masking policy changes, and saves the choice as the default', async () => {
    const { user, sendMessage, savePreferences, masking } = setup();
    await previewSelection(user);
    await user.click(screen.getByRole('button', { name: 'Use in chat' }));

    await user.selectOptions(screen.getByRole('combobox', { name: 'Masking for Email' }), 'hash');
    expect(savePreferences).toHaveBeenLastCalledWith(expect.objectContaining({ columns: { Email: 'hash' } }));
    await waitFor(() => {
      expect(screen.getByTestId('preview-payload')).toHaveTextContent('Email masked by "hash"');
    });
    expect(masking.setPolicy).toHaveBeenLastCalledWith(expect.objectContaining({ columns: { Email: 'hash' } }));
    expect(screen.queryByTestId('preview-confirmed')).not.toBeInTheDocument();

    await ask(user, 'Who owes the most?');
    await waitFor(() => {
      expect(sendMessage).toHaveBeenCalledTimes(1);
    });
    expect(sendMessage.mock.calls[0]?.[1]).toEqual({ text: 'Who owes the most?' });
  });

  it('refuses to send when the Excel selection changed since the confirmation', async () => {
    const { user, sendMessage, selectOther } = setup();
    await previewSelection(user);
    await user.click(screen.getByRole('button', { name: 'Use in chat' }));
    selectOther();

    await ask(user, 'Who owes the most?');
    expect(await screen.findByTestId('chat-problem')).toHaveTextContent('The selection changed since you confirmed its preview');
    expect(sendMessage).not.toHaveBeenCalled();

    // The confirmation is gone: the next question goes without sheet data.
    await user.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => {
      expect(sendMessage).toHaveBeenCalledTimes(1);
    });
    expect(sendMessage.mock.calls[0]?.[1]).toEqual({ text: 'Who owes the most?' });
  });

  it('shows the answer un-masked, and estimates tokens and cost of what will be sent', async () => {
    const { user, buildWindow } = setup();
    await previewSelection(user);
    await user.click(screen.getByRole('button', { name: 'Use in chat' }));
    await user.click(screen.getByRole('tab', { name: 'Chat' }));
    await user.type(screen.getByRole('textbox', { name: /Message/ }), 'Who?');

    expect(await screen.findByText(/This message will send about/)).toHaveTextContent('(≈ $0.0012), the sheet preview included, plus the server’s instructions.');
    const input = buildWindow.mock.calls.at(-1)?.[0];
    expect(input?.message).toBe('Who?');
    expect(input?.sheetContext).toBe(screen.getByTestId('preview-payload').textContent);

    await user.click(screen.getByRole('button', { name: 'Send' }));
    const answer = await screen.findByTestId('assistant-message');
    await waitFor(() => {
      expect(answer).toHaveTextContent('alice@example.com owes the most.');
    });
    expect(answer).not.toHaveTextContent('EMAIL_1');
  });
});
