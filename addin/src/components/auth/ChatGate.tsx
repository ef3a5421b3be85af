import type { ReactNode } from 'react';
import { MessageBar, MessageBarBody, MessageBarTitle, Spinner } from '@fluentui/react-components';
import type { AuthService } from '../../auth/auth.ts';
import { useLoad } from '../useLoad.ts';
import { SignInForm } from './SignInForm.tsx';
import { useAuthUser } from './useAuthUser.ts';

export interface ChatGateProps {
  /** Whether the proxy needs a signed-in user (false in local mode). */
  requiresSignIn: () => Promise<boolean>;
  /** Null when no sign-in server is configured. */
  auth: AuthService | null;
  microsoftAvailable: boolean;
  /** The chat, for the signed-in user's id (undefined in local mode). */
  children: (userId: string | undefined) => ReactNode;
}

/** Chat needs a signed-in user unless the proxy runs in local mode; cleaning and masking never do. */
export function ChatGate({ requiresSignIn, auth, microsoftAvailable, children }: ChatGateProps) {
  const required = useLoad(requiresSignIn);
  const session = useAuthUser(auth);

  if (required.state.status === 'loading') return <Spinner size="tiny" label="Checking the server…" />;
  // Unreachable server: the chat itself explains it and recovers when the connection returns.
  if (required.state.status === 'failed' || !required.state.value) return <>{children(undefined)}</>;
  if (!auth) {
    return (
      <MessageBar intent="warning" data-testid="signin-not-configured">
        <MessageBarBody>
          <MessageBarTitle>Sign-in is not set up</MessageBarTitle>
          This server needs a signed-in user for chat. Enter the Supabase project URL and anon key under Settings → Account.
        </MessageBarBody>
      </MessageBar>
    );
  }
  if (session.status === 'loading') return <Spinner size="tiny" label="Restoring your session…" />;
  if (!session.user) return <SignInForm auth={auth} microsoftAvailable={microsoftAvailable} />;
  return <>{children(session.user.id)}</>;
}
