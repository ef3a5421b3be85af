import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { AuthService, SignedInUser } from '../../auth/auth.ts';
import { renderWithFluent } from '../../test/render.tsx';
import { ChatGate } from './ChatGate.tsx';

function fakeService(user: SignedInUser | null): AuthService {
  const reject = () => Promise.reject(new Error('not used'));
  return {
    currentUser: vi.fn(() => Promise.resolve(user)),
    getAccessToken: vi.fn(() => Promise.resolve(user ? 'token' : null)),
    signInWithPassword: reject,
    signUp: reject,
    sendMagicLink: reject,
    verifyEmailCode: reject,
    resend: reject,
    signInWithMicrosoft: reject,
    signOut: vi.fn(() => Promise.resolve()),
    onChange: vi.fn(() => () => undefined),
  };
}

const chat = (userId: string | undefined) => <p data-testid="chat">chat for {userId ?? 'local'}</p>;

describe('ChatGate', () => {
  it('opens the chat without sign-in in local mode', async () => {
    renderWithFluent(<ChatGate requiresSignIn={() => Promise.resolve(false)} auth={null} microsoftAvailable={false}>{chat}</ChatGate>);
    expect(await screen.findByTestId('chat')).toHaveTextContent('chat for local');
  });

  it('asks for sign-in when the server needs it and nobody is signed in', async () => {
    renderWithFluent(<ChatGate requiresSignIn={() => Promise.resolve(true)} auth={fakeService(null)} microsoftAvailable={false}>{chat}</ChatGate>);
    expect(await screen.findByRole('form', { name: 'Sign in' })).toBeVisible();
    expect(screen.queryByTestId('chat')).not.toBeInTheDocument();
  });

  it('opens the chat for the signed-in user', async () => {
    renderWithFluent(<ChatGate requiresSignIn={() => Promise.resolve(true)} auth={fakeService({ id: 'u-7', email: 'a@b.co' })} microsoftAvailable={false}>{chat}</ChatGate>);
    expect(await screen.findByTestId('chat')).toHaveTextContent('chat for u-7');
  });

  it('says sign-in is not set up when the server needs it and no project is configured', async () => {
    renderWithFluent(<ChatGate requiresSignIn={() => Promise.resolve(true)} auth={null} microsoftAvailable={false}>{chat}</ChatGate>);
    expect(await screen.findByTestId('signin-not-configured')).toHaveTextContent('Settings → Account');
  });

  it('lets the chat explain an unreachable server', async () => {
    renderWithFluent(<ChatGate requiresSignIn={() => Promise.reject(new Error('offline'))} auth={null} microsoftAvailable={false}>{chat}</ChatGate>);
    expect(await screen.findByTestId('chat')).toBeVisible();
  });
});
