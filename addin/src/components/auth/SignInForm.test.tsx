import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { renderWithFluent } from '../../test/render.tsx';
import { SignInForm, type SignInFormProps } from './SignInForm.tsx';

const USER = { id: 'u', email: 'ana@example.com' };

function fakeAuth(overrides: Partial<SignInFormProps['auth']> = {}): SignInFormProps['auth'] {
  return {
    signInWithPassword: vi.fn(() => Promise.resolve({ status: 'signed_in' as const, user: USER })),
    signUp: vi.fn(() => Promise.resolve({ status: 'check_inbox' as const, email: 'ana@example.com', purpose: 'signup' as const })),
    sendMagicLink: vi.fn(() => Promise.resolve({ status: 'check_inbox' as const, email: 'ana@example.com', purpose: 'magiclink' as const })),
    verifyEmailCode: vi.fn(() => Promise.resolve({ status: 'signed_in' as const, user: USER })),
    resend: vi.fn(() => Promise.resolve()),
    signInWithMicrosoft: vi.fn(() => Promise.resolve({ status: 'signed_in' as const, user: USER })),
    ...overrides,
  };
}

function setup(auth = fakeAuth(), microsoftAvailable = true) {
  const user = userEvent.setup();
  renderWithFluent(<SignInForm auth={auth} microsoftAvailable={microsoftAvailable} />);
  return { user, auth };
}

describe('SignInForm', () => {
  it('signs in with email and password from the keyboard', async () => {
    const { user, auth } = setup();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeDisabled();
    await user.type(screen.getByRole('textbox', { name: /Email/ }), 'ana@example.com');
    await user.type(screen.getByLabelText(/Password/), 'secret-pass{Enter}');
    expect(auth.signInWithPassword).toHaveBeenCalledWith('ana@example.com', 'secret-pass');
  });

  it('shows a failed sign-in to the user', async () => {
    const { user } = setup(fakeAuth({ signInWithPassword: vi.fn(() => Promise.reject(new Error('Sign-in failed: Invalid login credentials'))) }));
    await user.type(screen.getByRole('textbox', { name: /Email/ }), 'ana@example.com');
    await user.type(screen.getByLabelText(/Password/), 'wrong{Enter}');
    expect(await screen.findByTestId('signin-error')).toHaveTextContent('Sign-in failed: Invalid login credentials');
  });

  it('goes to "check your inbox" after a sign-in code is sent, resends, and signs in with the code', async () => {
    const { user, auth } = setup();
    await user.type(screen.getByRole('textbox', { name: /Email/ }), 'ana@example.com');
    await user.click(screen.getByRole('button', { name: 'Email me a sign-in code' }));
    expect(await screen.findByTestId('check-inbox')).toHaveTextContent('We sent a sign-in email to ana@example.com');

    await user.click(screen.getByRole('button', { name: 'Resend the email' }));
    expect(auth.resend).toHaveBeenCalledWith('ana@example.com', 'magiclink');
    expect(await screen.findByText('Sent again to ana@example.com.')).toBeVisible();

    await user.type(screen.getByRole('textbox', { name: 'Code from the email' }), '123456{Enter}');
    expect(auth.verifyEmailCode).toHaveBeenCalledWith('ana@example.com', '123456', 'magiclink');
  });

  it('asks to confirm the address after creating an account', async () => {
    const { user, auth } = setup();
    await user.type(screen.getByRole('textbox', { name: /Email/ }), 'ana@example.com');
    await user.type(screen.getByLabelText(/Password/), 'long-password');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(auth.signUp).toHaveBeenCalledWith('ana@example.com', 'long-password');
    expect(await screen.findByTestId('check-inbox')).toHaveTextContent('We sent a confirmation email to ana@example.com');
    await user.click(screen.getByRole('button', { name: 'Use another address' }));
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('offers Microsoft only inside Excel', async () => {
    const { user, auth } = setup();
    await user.click(screen.getByRole('button', { name: 'Sign in with Microsoft' }));
    expect(auth.signInWithMicrosoft).toHaveBeenCalled();
  });

  it('has no Microsoft button outside Excel', () => {
    setup(fakeAuth(), false);
    expect(screen.queryByRole('button', { name: 'Sign in with Microsoft' })).not.toBeInTheDocument();
  });

  it('shows an offline state and recovers when the connection returns', async () => {
    const online = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    const { user } = setup();
    expect(screen.getByTestId('signin-offline')).toBeVisible();
    await user.type(screen.getByRole('textbox', { name: /Email/ }), 'ana@example.com');
    await user.type(screen.getByLabelText(/Password/), 'pw');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeDisabled();
    online.mockReturnValue(true);
    act(() => {
      window.dispatchEvent(new Event('online'));
    });
    expect(screen.queryByTestId('signin-offline')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  });
});
