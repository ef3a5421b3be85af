import type { ReactNode } from 'react';
import { Button, Spinner, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowClockwiseRegular } from '@fluentui/react-icons';
import type { Health } from '../api/proxy.ts';
import type { OfflineStatus } from '../offline/register.ts';
import { Notice } from './Notice.tsx';
import { useLoad, type LoadState } from './useLoad.ts';

const useStyles = makeStyles({
  view: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  facts: { display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: tokens.spacingHorizontalM, rowGap: tokens.spacingVerticalS, margin: 0 },
  term: { fontWeight: tokens.fontWeightSemibold },
  value: { margin: 0, overflowWrap: 'anywhere' },
});

export interface SettingsViewProps {
  getEngineVersion: () => Promise<string>;
  getHealth: () => Promise<Health>;
  /** Whether the pane can open without network (the service worker). */
  getOfflineStatus?: () => Promise<OfflineStatus>;
}

const NO_OFFLINE_STATUS = (): Promise<OfflineStatus> => Promise.resolve({ status: 'unsupported' });

function describeOffline(status: OfflineStatus): string {
  switch (status.status) {
    case 'ready':
      return 'on: the pane opens without network after its first visit';
    case 'unsupported':
      return 'not available in this browser';
    case 'disabled':
      return 'off in development builds';
    case 'failed':
      return `not available: ${status.message}`;
  }
}

function Outcome<T>({ state, render, testId }: { state: LoadState<T>; render: (value: T) => ReactNode; testId: string }) {
  if (state.status === 'loading') return <Spinner size="extra-tiny" label="Checking…" />;
  if (state.status === 'failed') return <Notice intent="error" message={state.message} />;
  return <span data-testid={testId}>{render(state.value)}</span>;
}

/** What is running: the engine inside the pane, and the server behind it. */
export function SettingsView({ getEngineVersion, getHealth, getOfflineStatus = NO_OFFLINE_STATUS }: SettingsViewProps) {
  const styles = useStyles();
  const engine = useLoad(getEngineVersion);
  const server = useLoad(getHealth);
  const offline = useLoad(getOfflineStatus);

  return (
    <div className={styles.view}>
      <dl className={styles.facts}>
        <dt className={styles.term}>Engine</dt>
        <dd className={styles.value}>
          <Outcome state={engine.state} testId="engine-version" render={(version) => `version ${version}`} />
        </dd>
        <dt className={styles.term}>Server</dt>
        <dd className={styles.value}>
          <Outcome state={server.state} testId="server-health" render={(health) => `${health.status}, version ${health.version}`} />
        </dd>
        <dt className={styles.term}>Offline use</dt>
        <dd className={styles.value}>
          <Outcome state={offline.state} testId="offline-status" render={describeOffline} />
        </dd>
      </dl>
      <div>
        <Button
          icon={<ArrowClockwiseRegular />}
          onClick={() => {
            engine.reload();
            server.reload();
          }}
        >
          Check again
        </Button>
      </div>
    </div>
  );
}
