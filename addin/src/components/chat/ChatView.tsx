import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import {
  Button,
  Field,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Text,
  Textarea,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { SendRegular, StopRegular } from '@fluentui/react-icons';
import { NEW_CONVERSATION, type Answer, type NewMessage, type SendOptions } from '../../api/chat.ts';
import type { Conversation, ConversationPage, ConversationSummary, RecordStatus, TokenCount, Usage } from '../../api/conversations.ts';
import { messageOf } from '../../errors.ts';
import { ConversationList } from './ConversationList.tsx';
import { MarkdownAnswer } from './Markdown.tsx';
import { OFFLINE_PROBLEM, clockTime, problemOf, type ChatProblem } from './problems.ts';
import { sheetCells, type SheetCells } from './tableValues.ts';
import { ProxyTokenCount } from './TokenCount.tsx';
import { useOnline, useOnlineAgain } from '../useOnline.ts';

const useStyles = makeStyles({
  view: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  log: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  turn: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  user: { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' },
  actions: { display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
});

/** What the chat needs from the proxy (the ProxyClient has all of it). */
export interface ChatApi {
  listConversations: (options?: { cursor?: string; limit?: number }) => Promise<ConversationPage>;
  getConversation: (id: string) => Promise<Conversation>;
  renameConversation: (id: string, title: string) => Promise<Conversation>;
  setConversationStatus: (id: string, status: RecordStatus) => Promise<Conversation>;
  deleteConversation: (id: string) => Promise<void>;
  sendMessage: (conversationId: string, message: NewMessage, options?: SendOptions) => Promise<Answer>;
}

/** A table written into the sheet, and how to take it back out. */
export interface InsertedTable {
  address: string;
  undo: () => Promise<void>;
}

/**
 * The token and cost estimate shown under the draft. Another module (the
 * engine's local `countTokens` / `buildWindow`) provides it; without one the
 * server's exact count is shown.
 */
export type TokenEstimateSlot = (draft: string, history: ChatTurn[]) => ReactNode;

/** A finished turn of the conversation as the server stores it (still masked). */
export interface ChatTurn {
  role: 'user' | 'model';
  text: string;
}

export interface ChatViewProps {
  api: ChatApi;
  /** Writes a table at the Excel selection; absent outside Excel. */
  insertTable?: (cells: SheetCells) => Promise<InsertedTable>;
  /** Writes one formula into the selected cell; absent outside Excel. */
  insertFormula?: (formula: string) => Promise<InsertedTable>;
  /** Masked data from the sheet to send with the question, if the user chose to. */
  getSheetContext?: () => Promise<unknown>;
  tokenEstimate?: TokenEstimateSlot;
  /** Today's usage against the daily budget, shown under the conversation. */
  getUsage?: () => Promise<Usage>;
  /** The server's exact count, shown while no `tokenEstimate` is given. */
  countTokens?: (text: string, signal: AbortSignal) => Promise<TokenCount>;
  /** Restores the workbook's pseudonyms in an answer, locally, before it is shown or inserted. */
  unmask?: (text: string) => Promise<string>;
  now?: () => number;
}

type MessageState = 'streaming' | 'done' | 'incomplete' | 'cancelled' | 'error';

interface DisplayMessage {
  key: string;
  role: 'user' | 'assistant';
  text: string;
  state: MessageState;
}

interface InsertNotice {
  intent: 'success' | 'error';
  message: string;
  undo?: () => Promise<void>;
}

function displayed(conversation: Conversation): DisplayMessage[] {
  return conversation.messages.map((message) => ({
    key: message.id,
    role: message.role,
    text: message.text,
    state: message.incomplete ? 'incomplete' : 'done',
  }));
}

/** How often an unreachable server is tried again while the browser is online. */
export const SERVER_RETRY_MS = 15_000;

const ANSWER_NOTES: Partial<Record<MessageState, string>> = {
  incomplete: 'This answer was cut off before it finished.',
  cancelled: 'Stopped.',
};

/**
 * An answer's text with the pseudonyms restored. Until the restored text
 * of the latest version arrives, the last restored one is kept, so pseudonyms
 * only flash on the first piece; `ready` says the text shown is current.
 */
function useUnmasked(text: string, unmask: ((text: string) => Promise<string>) | undefined): { text: string; ready: boolean } {
  const [restored, setRestored] = useState<{ from: string; text: string } | null>(null);
  useEffect(() => {
    if (!unmask) return undefined;
    let current = true;
    unmask(text).then(
      (plain) => {
        if (current) setRestored({ from: text, text: plain });
      },
      // Nothing was masked in this session (no vault): the answer is shown as it came.
      () => {
        if (current) setRestored({ from: text, text });
      },
    );
    return () => {
      current = false;
    };
  }, [text, unmask]);
  if (!unmask) return { text, ready: true };
  return restored ? { text: restored.text, ready: restored.from === text } : { text, ready: false };
}

interface AnswerTextProps {
  text: string;
  streaming: boolean;
  unmask?: (text: string) => Promise<string>;
  onInsertTable?: (rows: string[][]) => void;
  onInsertFormula?: (formula: string) => void;
}

/** An answer rendered from its un-masked text, so what is shown and what is inserted hold the real values. */
function AnswerText({ text, streaming, unmask, onInsertTable, onInsertFormula }: AnswerTextProps) {
  const shown = useUnmasked(text, unmask);
  return <MarkdownAnswer text={shown.text} onInsertTable={onInsertTable} onInsertFormula={onInsertFormula} insertDisabled={streaming || !shown.ready} />;
}

export function ChatView({ api, insertTable, insertFormula, getSheetContext, tokenEstimate, countTokens, getUsage, unmask, now = Date.now }: ChatViewProps) {
  const styles = useStyles();
  const online = useOnline();
  const [conversations, setConversations] = useState<ConversationSummary[]>([]);
  const [showArchived, setShowArchived] = useState(false);
  const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
  const [messages, setMessages] = useState<DisplayMessage[]>([]);
  const [draft, setDraft] = useState('');
  const [streaming, setStreaming] = useState<AbortController | null>(null);
  const [problem, setProblem] = useState<ChatProblem | null>(null);
  const [answerProblem, setAnswerProblem] = useState<string | null>(null);
  const [insertNotice, setInsertNotice] = useState<InsertNotice | null>(null);
  const [busy, setBusy] = useState(false);
  const [usage, setUsage] = useState<Usage | null>(null);
  const [usageAttempt, setUsageAttempt] = useState(0);
  const [loadingConversation, setLoadingConversation] = useState(false);
  const problemRef = useRef(problem);
  useEffect(() => {
    problemRef.current = problem;
  }, [problem]);

  const fail = useCallback(
    (thrown: unknown) => {
      setProblem(problemOf(thrown, now(), navigator.onLine));
    },
    [now],
  );

  // The list loads on mount and again on each `reloadList()`; only the latest answer counts.
  const [listAttempt, setListAttempt] = useState(0);
  const reloadList = useCallback(() => {
    setListAttempt((previous) => previous + 1);
  }, []);
  useEffect(() => {
    let current = true;
    api.listConversations({ limit: 100 }).then(
      (page) => {
        if (!current) return;
        setConversations(page.items);
        setProblem((shown) => (shown?.kind === 'offline' ? null : shown));
      },
      (thrown: unknown) => {
        if (current) fail(thrown);
      },
    );
    return () => {
      current = false;
    };
  }, [api, fail, listAttempt]);

  // Usage loads on mount and after each answer; a failure only hides the line (the chat shows real problems).
  useEffect(() => {
    if (!getUsage) return undefined;
    let current = true;
    getUsage().then(
      (value) => {
        if (current) setUsage(value);
      },
      () => {
        if (current) setUsage(null);
      },
    );
    return () => {
      current = false;
    };
  }, [getUsage, usageAttempt]);

  // Back online: drop the offline state and catch up, without the user doing anything.
  useOnlineAgain(() => {
    if (problemRef.current?.kind === 'offline') reloadList();
  });

  // The browser thinks it is online but the server did not answer: try again now and then.
  useEffect(() => {
    if (problem?.kind !== 'offline' || !online) return undefined;
    const timer = setInterval(reloadList, SERVER_RETRY_MS);
    return () => {
      clearInterval(timer);
    };
  }, [problem, online, reloadList]);

  // A limit with a retry time lifts by itself when the time comes.
  useEffect(() => {
    if (problem?.retryAt === undefined) return undefined;
    const timer = setTimeout(
      () => {
        setProblem((current) => (current === problem ? null : current));
      },
      Math.max(0, problem.retryAt - now()),
    );
    return () => {
      clearTimeout(timer);
    };
  }, [problem, now]);

  const openConversation = async (id: string) => {
    streaming?.abort();
    setSelectedId(id);
    setMessages([]);
    setAnswerProblem(null);
    setLoadingConversation(true);
    try {
      setMessages(displayed(await api.getConversation(id)));
    } catch (thrown) {
      fail(thrown);
    } finally {
      setLoadingConversation(false);
    }
  };

  const act = async (action: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await action();
      reloadList();
    } catch (thrown) {
      fail(thrown);
    } finally {
      setBusy(false);
    }
  };

  const text = draft.trim();
  const history = useMemo(
    () =>
      messages
        .filter((message) => message.text && (message.state === 'done' || message.state === 'incomplete'))
        .map((message): ChatTurn => ({ role: message.role === 'user' ? 'user' : 'model', text: message.text })),
    [messages],
  );
  const limited = problem?.retryAt !== undefined && problem.retryAt > now();
  const canSend = text.length > 0 && streaming === null && online && !limited;

  const send = async () => {
    if (!canSend) return;
    const controller = new AbortController();
    setStreaming(controller);
    setProblem(null);
    setAnswerProblem(null);
    setInsertNotice(null);
    const turnKey = `local-${now()}`;
    const answerKey = `${turnKey}-answer`;
    setMessages((previous) => [
      ...previous,
      { key: turnKey, role: 'user', text, state: 'done' },
      { key: answerKey, role: 'assistant', text: '', state: 'streaming' },
    ]);
    const update = (change: (message: DisplayMessage) => DisplayMessage) => {
      setMessages((previous) => previous.map((message) => (message.key === answerKey ? change(message) : message)));
    };
    try {
      const message: NewMessage = { text };
      const context = getSheetContext ? await getSheetContext() : undefined;
      if (context !== undefined) message.sheet_context = context;
      const answer = await api.sendMessage(selectedId ?? NEW_CONVERSATION, message, {
        signal: controller.signal,
        onStart: (id) => {
          setDraft('');
          setSelectedId(id);
        },
        onEvent: (event) => {
          if (event.type === 'delta') update((current) => ({ ...current, text: current.text + event.text }));
        },
      });
      update((current) => ({ ...current, text: answer.text, state: answer.status }));
      if (answer.status === 'error' && answer.error) setAnswerProblem(answer.error.message);
      if (answer.status === 'incomplete') setAnswerProblem('The connection broke before the answer finished; what arrived is shown. Ask again to get the rest.');
      if (selectedId === undefined) reloadList();
    } catch (thrown) {
      // Refused before the answer started: nothing was stored, the draft stays for another try.
      setMessages((previous) => previous.filter((message) => message.key !== turnKey && message.key !== answerKey));
      fail(thrown);
    } finally {
      setStreaming(null);
      setUsageAttempt((previous) => previous + 1);
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    // Enter alone adds a line; Ctrl/Cmd+Enter sends, as in Outlook and Teams.
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void send();
    }
  };

  const insert = insertTable
    ? async (rows: string[][]) => {
        setInsertNotice(null);
        try {
          const cells = sheetCells(rows);
          const inserted = await insertTable(cells);
          const size = `${cells.values.length} × ${cells.values[0]?.length ?? 0}`;
          setInsertNotice({ intent: 'success', message: `Inserted ${size} cells at ${inserted.address}; they are highlighted.`, undo: inserted.undo });
        } catch (thrown) {
          setInsertNotice({ intent: 'error', message: `The table could not be inserted: ${messageOf(thrown)}` });
        }
      }
    : undefined;

  const insertOneFormula = insertFormula
    ? async (formula: string) => {
        setInsertNotice(null);
        try {
          const inserted = await insertFormula(formula);
          setInsertNotice({ intent: 'success', message: `Inserted the formula at ${inserted.address}; check its references before relying on it.`, undo: inserted.undo });
        } catch (thrown) {
          setInsertNotice({ intent: 'error', message: `The formula could not be inserted: ${messageOf(thrown)}` });
        }
      }
    : undefined;

  const undoInsert = async (undo: () => Promise<void>) => {
    try {
      await undo();
      setInsertNotice({ intent: 'success', message: 'The insert was undone and the cells restored.' });
    } catch (thrown) {
      setInsertNotice({ intent: 'error', message: `Undo failed: ${messageOf(thrown)}` });
    }
  };

  const shownProblem = !online ? OFFLINE_PROBLEM : problem;
  const estimate = tokenEstimate
    ? tokenEstimate(draft, history)
    : countTokens && problem?.kind !== 'not_configured'
      ? <ProxyTokenCount draft={draft} countTokens={countTokens} />
      : null;

  return (
    <div className={styles.view}>
      <ConversationList
        conversations={conversations}
        selectedId={selectedId}
        showArchived={showArchived}
        busy={busy || streaming !== null}
        onShowArchived={setShowArchived}
        onSelect={(id) => void openConversation(id)}
        onNew={() => {
          streaming?.abort();
          setSelectedId(undefined);
          setMessages([]);
          setAnswerProblem(null);
        }}
        onRename={(id, title) => void act(() => api.renameConversation(id, title))}
        onArchive={(id, archived) => void act(() => api.setConversationStatus(id, archived ? 'archived' : 'active'))}
        onDelete={(id) =>
          void act(async () => {
            await api.deleteConversation(id);
            if (id === selectedId) {
              setSelectedId(undefined);
              setMessages([]);
            }
          })
        }
      />
      {shownProblem && (
        <MessageBar intent={shownProblem.intent} data-testid="chat-problem" data-kind={shownProblem.kind} politeness={shownProblem.intent === 'error' ? 'assertive' : 'polite'}>
          <MessageBarBody>
            <MessageBarTitle>{shownProblem.title}</MessageBarTitle>
            {shownProblem.message}
            {shownProblem.retryAt !== undefined && shownProblem.kind !== 'offline' && (
              <Text block size={200} data-testid="retry-time">
                Sending is possible again at {clockTime(shownProblem.retryAt)}.
              </Text>
            )}
          </MessageBarBody>
        </MessageBar>
      )}
      {loadingConversation && <Spinner size="tiny" label="Opening the conversation…" />}
      {messages.length > 0 && (
        <div role="log" aria-label="Conversation" aria-busy={streaming !== null} className={styles.log}>
          {messages.map((message) => (
            <div key={message.key} className={styles.turn} data-testid={`${message.role}-message`} data-state={message.state}>
              <Text weight="semibold">{message.role === 'user' ? 'You' : 'Ledgerlight'}</Text>
              {message.role === 'user' ? (
                <Text className={styles.user}>{message.text}</Text>
              ) : (
                <>
                  {message.text ? (
                    <AnswerText
                      text={message.text}
                      streaming={message.state === 'streaming'}
                      unmask={unmask}
                      onInsertTable={insert ? (rows) => void insert(rows) : undefined}
                      onInsertFormula={insertOneFormula ? (formula) => void insertOneFormula(formula) : undefined}
                    />
                  ) : (
                    message.state === 'streaming' && <Spinner size="extra-tiny" label="Thinking…" />
                  )}
                  {ANSWER_NOTES[message.state] && (
                    <Text size={200} italic>
                      {ANSWER_NOTES[message.state]}
                    </Text>
                  )}
                </>
              )}
            </div>
          ))}
        </div>
      )}
      {answerProblem && (
        <MessageBar intent="error" data-testid="answer-problem" politeness="assertive">
          <MessageBarBody>{answerProblem}</MessageBarBody>
        </MessageBar>
      )}
      {insertNotice && (
        <MessageBar intent={insertNotice.intent} data-testid="insert-notice">
          <MessageBarBody>{insertNotice.message}</MessageBarBody>
          {insertNotice.undo && (
            <MessageBarActions>
              <Button size="small" onClick={() => void undoInsert(insertNotice.undo ?? (() => Promise.resolve()))}>
                Undo insert
              </Button>
            </MessageBarActions>
          )}
        </MessageBar>
      )}
      {usage && (
        <Text size={200} data-testid="usage">
          Today: {usage.tokens_used_today.toLocaleString()} of {usage.daily_token_budget.toLocaleString()} tokens used ({usage.budget_left.toLocaleString()} left).
        </Text>
      )}
      <Field label="Message" hint="Ctrl+Enter sends.">
        <Textarea
          value={draft}
          resize="vertical"
          onChange={(_event, data) => {
            setDraft(data.value);
          }}
          onKeyDown={onKeyDown}
        />
      </Field>
      <div className={styles.actions}>
        <div>{estimate}</div>
        {streaming ? (
          <Button
            icon={<StopRegular />}
            onClick={() => {
              streaming.abort();
            }}
          >
            Stop
          </Button>
        ) : (
          <Button appearance="primary" icon={<SendRegular />} disabled={!canSend} onClick={() => void send()}>
            Send
          </Button>
        )}
      </div>
    </div>
  );
}
