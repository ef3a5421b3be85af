import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { renderWithFluent } from '../../test/render.tsx';
import { AccountSection } from './AccountSection.tsx';

describe('AccountSection', () => {
  it('shows who is signed in and signs out, showing a failure', async () => {
    const signOut = vi.fn(() => Promise.reject(new Error('Signing out failed: network')));
    renderWithFluent(<AccountSection user={{ id: 'u', email: 'ana@example.com' }} signOut={signOut} supabase={undefined} saveSupabase={vi.fn()} />);
    expect(screen.getByTestId('signed-in-as')).toHaveTextContent('Signed in as ana@example.com');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Sign out' }));
    expect(signOut).toHaveBeenCalled();
    expect(await screen.findByText('Signing out failed: network')).toBeVisible();
  });

  it('saves a valid sign-in server and refuses an insecure one', async () => {
    const saveSupabase = vi.fn();
    renderWithFluent(<AccountSection user={undefined} supabase={undefined} saveSupabase={saveSupabase} />);
    const user = userEvent.setup();
    const url = screen.getByRole('textbox', { name: /Supabase project URL/ });
    await user.type(url, 'http://abcd.supabase.co');
    await user.type(screen.getByRole('textbox', { name: /Supabase anon key/ }), 'anon-key');
    expect(screen.getByText('The project URL must start with https://.')).toBeVisible();
    expect(screen.getByRole('button', { name: 'Save sign-in settings' })).toBeDisabled();
    await user.clear(url);
    await user.type(url, 'https://abcd.supabase.co/');
    await user.click(screen.getByRole('button', { name: 'Save sign-in settings' }));
    expect(saveSupabase).toHaveBeenCalledWith({ supabaseUrl: 'https://abcd.supabase.co', anonKey: 'anon-key' });
  });
});
