import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ProxyError, type ChatReply } from '../api/proxy.ts';
import { renderWithFluent } from '../test/render.tsx';
import { ChatView } from './ChatView.tsx';

type Sender = (conversationId: string, text: string) => Promise<ChatReply>;

describe('ChatView', () => {
  it('shows the server’s not-configured message as a warning and keeps the draft', async () => {
    const sendMessage = vi.fn<Sender>(() =>
      Promise.reject(new ProxyError(503, 'ai_not_configured', 'AI chat is not configured on this server: set GEMINI_API_KEY')),
    );
    renderWithFluent(<ChatView sendMessage={sendMessage} />);
    const user = userEvent.setup();

    const send = screen.getByRole('button', { name: 'Send' });
    expect(send).toBeDisabled();
    await user.type(screen.getByRole('textbox', { name: /Message/ }), 'Which columns are dates?');
    await user.click(send);

    expect(sendMessage).toHaveBeenCalledWith('new', 'Which columns are dates?');
    expect(await screen.findByTestId('warning-message')).toHaveTextContent('AI chat is not configured on this server: set GEMINI_API_KEY');
    expect(screen.queryByTestId('error-message')).not.toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: /Message/ })).toHaveValue('Which columns are dates?');
  });

  it('shows other failures as errors', async () => {
    const sendMessage = vi.fn<Sender>(() => Promise.reject(new ProxyError(0, 'network_error', 'Could not reach the Ledgerlight server.')));
    renderWithFluent(<ChatView sendMessage={sendMessage} />);
    const user = userEvent.setup();

    await user.type(screen.getByRole('textbox', { name: /Message/ }), 'hello');
    await user.click(screen.getByRole('button', { name: 'Send' }));

    expect(await screen.findByTestId('error-message')).toHaveTextContent('Could not reach the Ledgerlight server.');
  });

  it('shows the reply and continues the same conversation', async () => {
    const sendMessage = vi.fn<Sender>((_id, text) => Promise.resolve({ conversationId: 'c-42', text: `You said: ${text}` }));
    renderWithFluent(<ChatView sendMessage={sendMessage} />);
    const user = userEvent.setup();
    const box = screen.getByRole('textbox', { name: /Message/ });

    await user.type(box, 'first');
    await user.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByText('You said: first')).toBeInTheDocument();
    expect(box).toHaveValue('');

    await user.type(box, 'second{Control>}{Enter}{/Control}');
    expect(await screen.findByText('You said: second')).toBeInTheDocument();
    expect(sendMessage).toHaveBeenLastCalledWith('c-42', 'second');
    expect(screen.getByRole('log', { name: 'Conversation' })).toHaveTextContent('You: first');
  });
});
