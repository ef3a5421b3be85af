// Sign-in with Supabase Auth: email + password, email codes / magic links
// with a "check your inbox" step, and Microsoft (Azure) through Supabase
// OAuth in an Office dialog. The session stays in memory; only the refresh
// token is kept (see storage.ts); supabase-js refreshes the access token.

import { createClient, type Session, type SupabaseClient } from '@supabase/supabase-js';
import { createPaneStorage } from './storage.ts';

export interface AuthConfig {
  supabaseUrl: string;
  anonKey: string;
}

export interface SignedInUser {
  id: string;
  email: string | undefined;
}

/** What signing in led to: in, or an email was sent and the user must act on it. */
export type SignInOutcome = { status: 'signed_in'; user: SignedInUser } | { status: 'check_inbox'; email: string; purpose: InboxPurpose };

/** Why an email was sent: confirming a new account, or a one-time sign-in code / link. */
export type InboxPurpose = 'signup' | 'magiclink';

/** The subset of supabase-js `auth` this pane uses; a fake of it drives the tests. */
export type SupabaseAuth = Pick<
  SupabaseClient['auth'],
  | 'signInWithPassword'
  | 'signUp'
  | 'signInWithOtp'
  | 'verifyOtp'
  | 'resend'
  | 'signInWithOAuth'
  | 'exchangeCodeForSession'
  | 'signOut'
  | 'getSession'
  | 'onAuthStateChange'
>;

export interface AuthDeps {
  /** Opens the sign-in dialog at `url` and resolves with the message its page sends back. */
  openDialog?: (url: string) => Promise<string>;
  /** Where the OAuth provider sends the user back: the dialog page on the pane's origin. */
  dialogUrl?: string;
  /** Where a magic link or confirmation link leads (the pane). */
  emailRedirectUrl?: string;
}

export interface AuthService {
  currentUser(): Promise<SignedInUser | null>;
  getAccessToken(): Promise<string | null>;
  signInWithPassword(email: string, password: string): Promise<SignInOutcome>;
  signUp(email: string, password: string): Promise<SignInOutcome>;
  sendMagicLink(email: string): Promise<SignInOutcome>;
  /** Signs in with the code from the email ("check your inbox"). */
  verifyEmailCode(email: string, code: string, purpose: InboxPurpose): Promise<SignInOutcome>;
  resend(email: string, purpose: InboxPurpose): Promise<void>;
  signInWithMicrosoft(): Promise<SignInOutcome>;
  signOut(): Promise<void>;
  /** Calls `listener` on every sign-in, refresh and sign-out; returns the unsubscribe. */
  onChange(listener: (user: SignedInUser | null) => void): () => void;
}

/** The storage key supabase-js uses for the session; namespaced again by the pane storage. */
export const SESSION_KEY = 'session';

export function createSupabaseAuth(config: AuthConfig): SupabaseAuth {
  const client = createClient(config.supabaseUrl, config.anonKey, {
    auth: {
      storageKey: SESSION_KEY,
      storage: createPaneStorage(SESSION_KEY),
      persistSession: true,
      autoRefreshToken: true,
      // The pane never receives tokens in its own URL; OAuth codes come back through the dialog.
      detectSessionInUrl: false,
      flowType: 'pkce',
    },
  });
  return client.auth;
}

function userOf(session: Session | null): SignedInUser | null {
  if (!session) return null;
  return { id: session.user.id, email: session.user.email };
}

function fail(error: { message: string } | null, what: string): void {
  if (error) throw new Error(`${what}: ${error.message}`);
}

function signedIn(session: Session | null, what: string): SignInOutcome {
  const user = userOf(session);
  if (!user) throw new Error(`${what}: the server did not return a session.`);
  return { status: 'signed_in', user };
}

/** The message the dialog page sends back: the OAuth code, or the provider's error. */
export interface DialogResult {
  code?: string;
  error?: string;
  error_description?: string;
}

export function parseDialogMessage(message: string): DialogResult {
  try {
    const parsed = JSON.parse(message) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const record = parsed as Record<string, unknown>;
      const result: DialogResult = {};
      if (typeof record.code === 'string') result.code = record.code;
      if (typeof record.error === 'string') result.error = record.error;
      if (typeof record.error_description === 'string') result.error_description = record.error_description;
      return result;
    }
  } catch {
    // fall through
  }
  return { error: 'bad_message', error_description: 'The sign-in window sent back something unexpected.' };
}

export function createAuthService(auth: SupabaseAuth, deps: AuthDeps = {}): AuthService {
  const origin = typeof window === 'undefined' ? '' : window.location.origin;
  const dialogUrl = deps.dialogUrl ?? `${origin}/auth-dialog.html`;
  const emailRedirectUrl = deps.emailRedirectUrl ?? `${origin}/`;

  return {
    async currentUser() {
      const { data } = await auth.getSession();
      return userOf(data.session);
    },
    async getAccessToken() {
      // getSession refreshes an expired access token first (autoRefreshToken).
      const { data } = await auth.getSession();
      return data.session?.access_token ?? null;
    },
    async signInWithPassword(email, password) {
      const { data, error } = await auth.signInWithPassword({ email, password });
      if (error?.code === 'email_not_confirmed') return { status: 'check_inbox', email, purpose: 'signup' };
      fail(error, 'Sign-in failed');
      return signedIn(data.session, 'Sign-in failed');
    },
    async signUp(email, password) {
      const { data, error } = await auth.signUp({ email, password, options: { emailRedirectTo: emailRedirectUrl } });
      fail(error, 'Creating the account failed');
      // With email confirmation on, there is a user but no session until the email is confirmed.
      if (!data.session) return { status: 'check_inbox', email, purpose: 'signup' };
      return signedIn(data.session, 'Creating the account failed');
    },
    async sendMagicLink(email) {
      const { error } = await auth.signInWithOtp({ email, options: { emailRedirectTo: emailRedirectUrl, shouldCreateUser: false } });
      fail(error, 'Sending the sign-in email failed');
      return { status: 'check_inbox', email, purpose: 'magiclink' };
    },
    async verifyEmailCode(email, code, purpose) {
      const { data, error } = await auth.verifyOtp({ email, token: code.trim(), type: purpose === 'signup' ? 'signup' : 'email' });
      fail(error, 'The code was not accepted');
      return signedIn(data.session, 'The code was not accepted');
    },
    async resend(email, purpose) {
      if (purpose === 'signup') {
        const { error } = await auth.resend({ type: 'signup', email, options: { emailRedirectTo: emailRedirectUrl } });
        fail(error, 'Sending the email again failed');
        return;
      }
      const { error } = await auth.signInWithOtp({ email, options: { emailRedirectTo: emailRedirectUrl, shouldCreateUser: false } });
      fail(error, 'Sending the email again failed');
    },
    async signInWithMicrosoft() {
      if (!deps.openDialog) throw new Error('Microsoft sign-in needs Excel: open the pane inside Excel, or sign in with email.');
      const { data, error } = await auth.signInWithOAuth({
        provider: 'azure',
        // The provider URL is opened in the Office dialog, not in the pane.
        options: { redirectTo: dialogUrl, skipBrowserRedirect: true, scopes: 'email' },
      });
      fail(error, 'Microsoft sign-in could not start');
      if (!data.url) throw new Error('Microsoft sign-in could not start: no authorization URL.');
      // The dialog must open on the pane's own origin first; its page then goes to the provider.
      const result = parseDialogMessage(await deps.openDialog(`${dialogUrl}?start=${encodeURIComponent(data.url)}`));
      if (!result.code) throw new Error(`Microsoft sign-in failed: ${result.error_description ?? result.error ?? 'no code came back'}.`);
      const exchanged = await auth.exchangeCodeForSession(result.code);
      fail(exchanged.error, 'Microsoft sign-in failed');
      return signedIn(exchanged.data.session, 'Microsoft sign-in failed');
    },
    async signOut() {
      // `local` ends this pane's session even when the server cannot be reached.
      const { error } = await auth.signOut({ scope: 'local' });
      fail(error, 'Signing out failed');
    },
    onChange(listener) {
      const { data } = auth.onAuthStateChange((_event, session) => {
        listener(userOf(session));
      });
      return () => {
        data.subscription.unsubscribe();
      };
    },
  };
}
