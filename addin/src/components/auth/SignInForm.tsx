import { useState, type SyntheticEvent } from 'react';
import { Button, Divider, Field, Input, MessageBar, MessageBarBody, MessageBarTitle, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { AuthService, InboxPurpose, SignInOutcome } from '../../auth/auth.ts';
import { messageOf } from '../../errors.ts';
import { useOnline } from '../useOnline.ts';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
});

export interface SignInFormProps {
  auth: Pick<AuthService, 'signInWithPassword' | 'signUp' | 'sendMagicLink' | 'verifyEmailCode' | 'resend' | 'signInWithMicrosoft'>;
  /** Microsoft sign-in needs the Office dialog, so only inside Excel. */
  microsoftAvailable: boolean;
}

type Inbox = { email: string; purpose: InboxPurpose };

/** Email + password, a one-time email code, or Microsoft; then "check your inbox" when an email went out. */
export function SignInForm({ auth, microsoftAvailable }: SignInFormProps) {
  const styles = useStyles();
  const online = useOnline();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [inbox, setInbox] = useState<Inbox | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);

  const run = async (action: () => Promise<SignInOutcome | undefined>) => {
    setBusy(true);
    setError(null);
    setInfo(null);
    try {
      const outcome = await action();
      if (outcome?.status === 'check_inbox') {
        setInbox({ email: outcome.email, purpose: outcome.purpose });
        setCode('');
      }
    } catch (thrown) {
      setError(messageOf(thrown));
    } finally {
      setBusy(false);
    }
  };

  const emailOk = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim());
  const disabled = busy || !online;

  const problems = (
    <>
      {!online && (
        <MessageBar intent="warning" data-testid="signin-offline">
          <MessageBarBody>
            <MessageBarTitle>Offline</MessageBarTitle>
            Signing in needs a connection; this comes back by itself when you are online. Cleaning and masking work without signing in.
          </MessageBarBody>
        </MessageBar>
      )}
      {error && (
        <MessageBar intent="error" data-testid="signin-error" politeness="assertive">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
      {info && (
        <MessageBar intent="success">
          <MessageBarBody>{info}</MessageBarBody>
        </MessageBar>
      )}
    </>
  );

  if (inbox) {
    const submitCode = (event: SyntheticEvent) => {
      event.preventDefault();
      if (code.trim()) void run(() => auth.verifyEmailCode(inbox.email, code, inbox.purpose));
    };
    return (
      <form className={styles.form} onSubmit={submitCode} aria-label="Check your inbox">
        <MessageBar intent="info" data-testid="check-inbox">
          <MessageBarBody>
            <MessageBarTitle>Check your inbox</MessageBarTitle>
            {inbox.purpose === 'signup'
              ? `We sent a confirmation email to ${inbox.email}. Confirm the address, then sign in — or enter the code from the email here.`
              : `We sent a sign-in email to ${inbox.email}. Enter the code from it here.`}
          </MessageBarBody>
        </MessageBar>
        {problems}
        <Field label="Code from the email">
          <Input value={code} inputMode="numeric" autoComplete="one-time-code" onChange={(_event, data) => { setCode(data.value); }} />
        </Field>
        <div className={styles.row}>
          <Button type="submit" appearance="primary" disabled={disabled || !code.trim()}>
            Sign in with the code
          </Button>
          <Button
            disabled={disabled}
            onClick={() =>
              void run(async () => {
                await auth.resend(inbox.email, inbox.purpose);
                setInfo(`Sent again to ${inbox.email}.`);
                return undefined;
              })
            }
          >
            Resend the email
          </Button>
          <Button appearance="subtle" disabled={busy} onClick={() => { setInbox(null); setError(null); setInfo(null); }}>
            Use another address
          </Button>
        </div>
      </form>
    );
  }

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (emailOk && password) void run(() => auth.signInWithPassword(email.trim(), password));
  };

  return (
    <form className={styles.form} onSubmit={submit} aria-label="Sign in">
      <Text>Sign in to chat with your data. Cleaning and masking work without an account.</Text>
      {problems}
      <Field label="Email" required>
        <Input type="email" autoComplete="email" value={email} onChange={(_event, data) => { setEmail(data.value); }} />
      </Field>
      <Field label="Password" hint="Not needed for a sign-in code by email.">
        <Input type="password" autoComplete="current-password" value={password} onChange={(_event, data) => { setPassword(data.value); }} />
      </Field>
      <div className={styles.row}>
        <Button type="submit" appearance="primary" disabled={disabled || !emailOk || !password}>
          Sign in
        </Button>
        <Button disabled={disabled || !emailOk || password.length < 8} onClick={() => void run(() => auth.signUp(email.trim(), password))}>
          Create account
        </Button>
        <Button disabled={disabled || !emailOk} onClick={() => void run(() => auth.sendMagicLink(email.trim()))}>
          Email me a sign-in code
        </Button>
      </div>
      {microsoftAvailable && (
        <>
          <Divider>or</Divider>
          <Button disabled={disabled} onClick={() => void run(() => auth.signInWithMicrosoft())}>
            Sign in with Microsoft
          </Button>
        </>
      )}
    </form>
  );
}
