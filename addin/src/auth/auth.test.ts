import { describe, expect, it, vi } from 'vitest';
import { createAuthService, parseDialogMessage, type SupabaseAuth } from './auth.ts';

const SESSION = { access_token: 'access-1', refresh_token: 'r', expires_in: 3600, token_type: 'bearer', user: { id: 'user-1', email: 'ana@example.com' } };

// Keyed by name (not `keyof SupabaseAuth`): the fake implements only the synchronous listener overload.
type Fake = Record<string, ReturnType<typeof vi.fn>>;

function fakeAuth(overrides: Partial<Fake> = {}): { fake: Fake; auth: SupabaseAuth } {
  const listeners: ((event: string, session: unknown) => void)[] = [];
  const fake: Fake = {
    signInWithPassword: vi.fn(() => Promise.resolve({ data: { session: SESSION, user: SESSION.user }, error: null })),
    signUp: vi.fn(() => Promise.resolve({ data: { session: null, user: SESSION.user }, error: null })),
    signInWithOtp: vi.fn(() => Promise.resolve({ data: {}, error: null })),
    verifyOtp: vi.fn(() => Promise.resolve({ data: { session: SESSION, user: SESSION.user }, error: null })),
    resend: vi.fn(() => Promise.resolve({ data: {}, error: null })),
    signInWithOAuth: vi.fn(() => Promise.resolve({ data: { provider: 'azure', url: 'https://abcd.supabase.co/auth/v1/authorize?provider=azure' }, error: null })),
    exchangeCodeForSession: vi.fn(() => Promise.resolve({ data: { session: SESSION, user: SESSION.user }, error: null })),
    signOut: vi.fn(() => Promise.resolve({ error: null })),
    getSession: vi.fn(() => Promise.resolve({ data: { session: SESSION }, error: null })),
    onAuthStateChange: vi.fn((listener: (event: string, session: unknown) => void) => {
      listeners.push(listener);
      return { data: { subscription: { unsubscribe: vi.fn() } } };
    }),
    ...overrides,
  };
  return { fake, auth: fake as unknown as SupabaseAuth };
}

const DEPS = { dialogUrl: 'https://localhost:3000/auth-dialog.html', emailRedirectUrl: 'https://localhost:3000/' };

describe('createAuthService', () => {
  it('signs in with email and password and hands out the access token', async () => {
    const { fake, auth } = fakeAuth();
    const service = createAuthService(auth, DEPS);
    expect(await service.signInWithPassword('ana@example.com', 'pw')).toEqual({ status: 'signed_in', user: { id: 'user-1', email: 'ana@example.com' } });
    expect(fake.signInWithPassword).toHaveBeenCalledWith({ email: 'ana@example.com', password: 'pw' });
    expect(await service.getAccessToken()).toBe('access-1');
  });

  it('turns an unconfirmed email into "check your inbox" and a wrong password into a clear error', async () => {
    const unconfirmed = fakeAuth({ signInWithPassword: vi.fn(() => Promise.resolve({ data: { session: null, user: null }, error: { code: 'email_not_confirmed', message: 'Email not confirmed' } })) });
    expect(await createAuthService(unconfirmed.auth, DEPS).signInWithPassword('a@b.co', 'pw')).toEqual({ status: 'check_inbox', email: 'a@b.co', purpose: 'signup' });
    const wrong = fakeAuth({ signInWithPassword: vi.fn(() => Promise.resolve({ data: { session: null, user: null }, error: { code: 'invalid_credentials', message: 'Invalid login credentials' } })) });
    await expect(createAuthService(wrong.auth, DEPS).signInWithPassword('a@b.co', 'pw')).rejects.toThrow('Sign-in failed: Invalid login credentials');
  });

  it('asks to check the inbox after sign-up with confirmation, and verifies the emailed code', async () => {
    const { fake, auth } = fakeAuth();
    const service = createAuthService(auth, DEPS);
    expect(await service.signUp('ana@example.com', 'long-password')).toEqual({ status: 'check_inbox', email: 'ana@example.com', purpose: 'signup' });
    expect(fake.signUp).toHaveBeenCalledWith({ email: 'ana@example.com', password: 'long-password', options: { emailRedirectTo: DEPS.emailRedirectUrl } });
    expect(await service.verifyEmailCode('ana@example.com', ' 123456 ', 'signup')).toMatchObject({ status: 'signed_in' });
    expect(fake.verifyOtp).toHaveBeenCalledWith({ email: 'ana@example.com', token: '123456', type: 'signup' });
    await service.resend('ana@example.com', 'signup');
    expect(fake.resend).toHaveBeenCalledWith({ type: 'signup', email: 'ana@example.com', options: { emailRedirectTo: DEPS.emailRedirectUrl } });
  });

  it('sends a magic link / code for existing users only, and resends it', async () => {
    const { fake, auth } = fakeAuth();
    const service = createAuthService(auth, DEPS);
    expect(await service.sendMagicLink('ana@example.com')).toEqual({ status: 'check_inbox', email: 'ana@example.com', purpose: 'magiclink' });
    await service.resend('ana@example.com', 'magiclink');
    expect(fake.signInWithOtp).toHaveBeenCalledTimes(2);
    expect(fake.signInWithOtp).toHaveBeenLastCalledWith({ email: 'ana@example.com', options: { emailRedirectTo: DEPS.emailRedirectUrl, shouldCreateUser: false } });
    await service.verifyEmailCode('ana@example.com', '654321', 'magiclink');
    expect(fake.verifyOtp).toHaveBeenCalledWith({ email: 'ana@example.com', token: '654321', type: 'email' });
  });

  it('signs in with Microsoft through the dialog and exchanges the code', async () => {
    const { fake, auth } = fakeAuth();
    const openDialog = vi.fn(() => Promise.resolve('{"code":"oauth-code"}'));
    const service = createAuthService(auth, { ...DEPS, openDialog });
    expect(await service.signInWithMicrosoft()).toMatchObject({ status: 'signed_in' });
    expect(fake.signInWithOAuth).toHaveBeenCalledWith({ provider: 'azure', options: { redirectTo: DEPS.dialogUrl, skipBrowserRedirect: true, scopes: 'email' } });
    expect(openDialog).toHaveBeenCalledWith(`${DEPS.dialogUrl}?start=${encodeURIComponent('https://abcd.supabase.co/auth/v1/authorize?provider=azure')}`);
    expect(fake.exchangeCodeForSession).toHaveBeenCalledWith('oauth-code');
  });

  it('explains a Microsoft sign-in the provider refused, and one tried outside Excel', async () => {
    const { auth } = fakeAuth();
    const refused = createAuthService(auth, { ...DEPS, openDialog: () => Promise.resolve('{"error":"access_denied","error_description":"User cancelled the consent"}') });
    await expect(refused.signInWithMicrosoft()).rejects.toThrow('Microsoft sign-in failed: User cancelled the consent.');
    await expect(createAuthService(auth, DEPS).signInWithMicrosoft()).rejects.toThrow('Microsoft sign-in needs Excel');
  });

  it('signs out locally and reports changes until unsubscribed', async () => {
    const { fake, auth } = fakeAuth();
    const service = createAuthService(auth, DEPS);
    const listener = vi.fn();
    const unsubscribe = service.onChange(listener);
    const [[callback]] = (fake.onAuthStateChange ?? vi.fn()).mock.calls as [[(event: string, session: unknown) => void]];
    callback('SIGNED_OUT', null);
    expect(listener).toHaveBeenCalledWith(null);
    callback('TOKEN_REFRESHED', SESSION);
    expect(listener).toHaveBeenLastCalledWith({ id: 'user-1', email: 'ana@example.com' });
    unsubscribe();
    await service.signOut();
    expect(fake.signOut).toHaveBeenCalledWith({ scope: 'local' });
    expect(await service.currentUser()).toEqual({ id: 'user-1', email: 'ana@example.com' });
  });
});

describe('parseDialogMessage', () => {
  it('reads JSON and turns anything else into an error', () => {
    expect(parseDialogMessage('{"code":"x"}')).toEqual({ code: 'x' });
    expect(parseDialogMessage('garbage')).toMatchObject({ error: 'bad_message' });
  });
});
