import { useState } from 'react';
import { Button, Field, Input, MessageBar, MessageBarBody, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { AuthConfig, SignedInUser } from '../../auth/auth.ts';
import { messageOf } from '../../errors.ts';
import { checkSupabaseUrl } from '../../settings.ts';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center', flexWrap: 'wrap' },
});

export interface AccountSectionProps {
  /** The signed-in user, null when signed out, undefined while sign-in is not set up or not needed. */
  user: SignedInUser | null | undefined;
  signOut?: () => Promise<void>;
  supabase: AuthConfig | undefined;
  /** Saves the sign-in settings (the pane restarts its sign-in with them). */
  saveSupabase: (config: AuthConfig) => void;
}

/** Who is signed in, sign-out, and the sign-in server settings. */
export function AccountSection({ user, signOut, supabase, saveSupabase }: AccountSectionProps) {
  const styles = useStyles();
  const [url, setUrl] = useState(supabase?.supabaseUrl ?? '');
  const [anonKey, setAnonKey] = useState(supabase?.anonKey ?? '');
  const [error, setError] = useState<string | null>(null);
  const urlProblem = url ? checkSupabaseUrl(url.trim()) : null;

  return (
    <section className={styles.section} aria-labelledby="account-heading">
      <Text as="h2" id="account-heading" size={300} weight="semibold">
        Account
      </Text>
      {user && (
        <div className={styles.row}>
          <Text data-testid="signed-in-as">Signed in as {user.email ?? user.id}</Text>
          {signOut && (
            <Button
              onClick={() => {
                setError(null);
                signOut().catch((thrown: unknown) => {
                  setError(messageOf(thrown));
                });
              }}
            >
              Sign out
            </Button>
          )}
        </div>
      )}
      {user === null && <Text>Not signed in.</Text>}
      {error && (
        <MessageBar intent="error">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
      <form
        className={styles.section}
        aria-label="Sign-in server"
        onSubmit={(event) => {
          event.preventDefault();
          if (urlProblem || !url.trim() || !anonKey.trim()) return;
          saveSupabase({ supabaseUrl: url.trim().replace(/\/+$/, ''), anonKey: anonKey.trim() });
        }}
      >
        <Field label="Supabase project URL" validationMessage={urlProblem ?? undefined} hint="Needed only when this server requires sign-in.">
          <Input value={url} placeholder="https://abcd.supabase.co" onChange={(_event, data) => { setUrl(data.value); }} />
        </Field>
        <Field label="Supabase anon key" hint="The project's public (anon) key, not the service key.">
          <Input value={anonKey} onChange={(_event, data) => { setAnonKey(data.value); }} />
        </Field>
        <div>
          <Button type="submit" disabled={Boolean(urlProblem) || !url.trim() || !anonKey.trim()}>
            Save sign-in settings
          </Button>
        </div>
      </form>
    </section>
  );
}
