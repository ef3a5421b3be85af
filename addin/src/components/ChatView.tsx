import { useState, type KeyboardEvent } from 'react';
import { Button, Field, Text, Textarea, makeStyles, tokens } from '@fluentui/react-components';
import { SendRegular } from '@fluentui/react-icons';
import type { ChatReply } from '../api/proxy.ts';
import { messageOf } from '../errors.ts';
import { Notice, type NoticeProps } from './Notice.tsx';

const useStyles = makeStyles({
  view: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  log: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  turn: { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' },
  actions: { display: 'flex', justifyContent: 'flex-end' },
});

/** Error code the proxy gives while no AI provider is configured: a setup state, not a fault. */
const AI_NOT_CONFIGURED = 'ai_not_configured';

/** The conversation id the proxy takes to start a new conversation. */
const NEW_CONVERSATION = 'new';

interface Turn {
  author: 'You' | 'Ledgerlight';
  text: string;
}

export interface ChatViewProps {
  sendMessage: (conversationId: string, text: string) => Promise<ChatReply>;
}

export function ChatView({ sendMessage }: ChatViewProps) {
  const styles = useStyles();
  const [conversationId, setConversationId] = useState(NEW_CONVERSATION);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [draft, setDraft] = useState('');
  const [sending, setSending] = useState(false);
  const [notice, setNotice] = useState<NoticeProps | null>(null);

  const text = draft.trim();
  const canSend = text.length > 0 && !sending;

  const send = async () => {
    if (!canSend) return;
    setSending(true);
    setNotice(null);
    try {
      const reply = await sendMessage(conversationId, text);
      setConversationId(reply.conversationId);
      setTurns((previous) => [...previous, { author: 'You', text }, { author: 'Ledgerlight', text: reply.text }]);
      setDraft('');
    } catch (thrown) {
      // The draft stays in the box so the user can send it again.
      const code = typeof thrown === 'object' && thrown !== null && 'code' in thrown ? thrown.code : undefined;
      setNotice({ intent: code === AI_NOT_CONFIGURED ? 'warning' : 'error', message: messageOf(thrown) });
    } finally {
      setSending(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    // Enter alone adds a line; Ctrl/Cmd+Enter sends, as in Outlook and Teams.
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void send();
    }
  };

  return (
    <div className={styles.view}>
      {turns.length > 0 && (
        <div role="log" aria-label="Conversation" className={styles.log}>
          {turns.map((turn, index) => (
            <Text key={index} className={styles.turn}>
              <Text weight="semibold">{turn.author}: </Text>
              {turn.text}
            </Text>
          ))}
        </div>
      )}
      {notice && <Notice {...notice} />}
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
        <Button appearance="primary" icon={<SendRegular />} disabled={!canSend} onClick={() => void send()}>
          {sending ? 'Sending…' : 'Send'}
        </Button>
      </div>
    </div>
  );
}
