import { useState } from 'react';
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
  MessageBar,
  MessageBarBody,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import type { DeletedData } from '../api/myData.ts';
import { messageOf } from '../errors.ts';
import { Notice } from './Notice.tsx';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
});

export interface MyDataSectionProps {
  exportData: () => Promise<Record<string, unknown>>;
  deleteData: () => Promise<DeletedData>;
  /** Hands the export to the user as a file. */
  download: (fileName: string, value: unknown) => void;
}

type Outcome = { kind: 'idle' } | { kind: 'busy'; what: 'export' | 'delete' } | { kind: 'done'; message: string } | { kind: 'failed'; message: string };

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Export and delete what the server stores about the user. */
export function MyDataSection({ exportData, deleteData, download }: MyDataSectionProps) {
  const styles = useStyles();
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });
  const [confirming, setConfirming] = useState(false);
  // Each opening mounts a new Dialog, so tabster sees a new modalizer id.
  // With one id reused, the closed dialog's modalizer can be disposed after
  // the reopened one became active; tabster then deactivates the shared id
  // and leaves the new dialog aria-hidden, unreadable to a screen reader.
  const [openings, setOpenings] = useState(0);
  const busy = outcome.kind === 'busy';

  const runExport = () => {
    setOutcome({ kind: 'busy', what: 'export' });
    exportData().then(
      (data) => {
        download('ledgerlight-export.json', data);
        setOutcome({ kind: 'done', message: 'Your data was downloaded as ledgerlight-export.json.' });
      },
      (thrown: unknown) => {
        setOutcome({ kind: 'failed', message: messageOf(thrown) });
      },
    );
  };

  const runDelete = () => {
    setConfirming(false);
    setOutcome({ kind: 'busy', what: 'delete' });
    deleteData().then(
      (deleted) => {
        setOutcome({ kind: 'done', message: `Deleted ${plural(deleted.sheets, 'saved sheet')} and ${plural(deleted.conversations, 'conversation')}.` });
      },
      (thrown: unknown) => {
        setOutcome({ kind: 'failed', message: messageOf(thrown) });
      },
    );
  };

  return (
    <section className={styles.section} aria-labelledby="my-data-heading">
      <Text as="h2" id="my-data-heading" size={300} weight="semibold">
        Your data
      </Text>
      <Text>Files you clean stay on this computer. The server keeps your saved sheets and conversations.</Text>
      <div className={styles.row}>
        <Button disabled={busy} onClick={runExport}>
          {outcome.kind === 'busy' && outcome.what === 'export' ? 'Exporting…' : 'Export my data'}
        </Button>
        {/* A plain button that always opens rather than a DialogTrigger,
            which asks for the opposite of the dialog's open state: once in
            CI a click right after a cancel never opened the dialog. */}
        <Button
          disabled={busy}
          appearance="secondary"
          onClick={() => {
            setOpenings((count) => count + 1);
            setConfirming(true);
          }}
        >
          {outcome.kind === 'busy' && outcome.what === 'delete' ? 'Deleting…' : 'Delete my data'}
        </Button>
        <Dialog
          key={openings}
          open={confirming}
          onOpenChange={(_event, data) => {
            setConfirming(data.open);
          }}
        >
          <DialogSurface>
            <DialogBody>
              <DialogTitle>Delete your data?</DialogTitle>
              <DialogContent>All your saved sheets and conversations are deleted from the server. This cannot be undone.</DialogContent>
              <DialogActions>
                <DialogTrigger disableButtonEnhancement>
                  <Button appearance="secondary">Cancel</Button>
                </DialogTrigger>
                <Button appearance="primary" onClick={runDelete}>
                  Delete everything
                </Button>
              </DialogActions>
            </DialogBody>
          </DialogSurface>
        </Dialog>
      </div>
      {outcome.kind === 'done' && (
        <MessageBar intent="success" data-testid="my-data-done">
          <MessageBarBody>{outcome.message}</MessageBarBody>
        </MessageBar>
      )}
      {outcome.kind === 'failed' && <Notice intent="error" message={outcome.message} />}
    </section>
  );
}
