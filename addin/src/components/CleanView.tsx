import { useRef, useState } from 'react';
import { Button, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import { TableSearchRegular } from '@fluentui/react-icons';
import type { FileProfile, OfficeRange, TableProfile } from '../engine/types.ts';
import type { HostMode } from '../office/host.ts';
import type { Selection } from '../office/excel.ts';
import { messageOf } from '../errors.ts';
import { FileDropZone } from './FileDropZone.tsx';
import { Notice } from './Notice.tsx';
import { ProfileTable } from './ProfileTable.tsx';
import { SheetPicker } from './SheetPicker.tsx';
import { profileSummary } from './format.ts';

const useStyles = makeStyles({
  view: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

export interface CleanViewProps {
  mode: HostMode;
  profileFile: (file: File, sheet?: string) => Promise<FileProfile>;
  readSelection: () => Promise<Selection>;
  profileRange: (range: OfficeRange) => Promise<TableProfile>;
}

/** What is on screen after a successful run. */
interface ProfileResult {
  /** The sheet name for a file, the address for an Excel selection. */
  source: string;
  profile: TableProfile;
  sheetNames: string[];
  file?: File;
}

/** Profiles a file (browser) or the Excel selection, and shows one row per column. */
export function CleanView({ mode, profileFile, readSelection, profileRange }: CleanViewProps) {
  const styles = useStyles();
  const [result, setResult] = useState<ProfileResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Only the latest run may update the screen: a slow earlier file must not overwrite a newer one.
  const latestRun = useRef(0);

  const run = async (task: () => Promise<ProfileResult>) => {
    const runId = ++latestRun.current;
    setBusy(true);
    setError(null);
    try {
      const next = await task();
      if (runId === latestRun.current) setResult(next);
    } catch (thrown) {
      if (runId === latestRun.current) {
        setResult(null);
        setError(messageOf(thrown));
      }
    } finally {
      if (runId === latestRun.current) setBusy(false);
    }
  };

  const profileChosenFile = (file: File, sheet?: string) =>
    run(async () => {
      const profiled = await profileFile(file, sheet);
      return { source: profiled.sheetName, profile: profiled.profile, sheetNames: profiled.sheetNames, file };
    });

  const profileSelection = () =>
    run(async () => {
      const selection = await readSelection();
      // Only what the engine reads; the address stays in the pane.
      const profile = await profileRange({ values: selection.values, numberFormat: selection.numberFormat, hasHeader: null });
      return { source: selection.address, profile, sheetNames: [] };
    });

  const chosenFile = result?.file;

  return (
    <div className={styles.view}>
      {mode === 'excel' ? (
        <Button appearance="primary" icon={<TableSearchRegular />} disabled={busy} onClick={() => void profileSelection()}>
          Profile selection
        </Button>
      ) : (
        <FileDropZone disabled={busy} onFile={(file) => void profileChosenFile(file)} />
      )}

      {busy && <Spinner size="tiny" label="Profiling…" />}
      {error && <Notice intent="error" message={error} />}

      {result && (
        <>
          <Text weight="semibold" data-testid="profile-summary">
            {profileSummary(result.source, result.profile)}
          </Text>
          {chosenFile && result.sheetNames.length > 1 && (
            <SheetPicker
              sheetNames={result.sheetNames}
              selected={result.source}
              disabled={busy}
              onSelect={(sheet) => void profileChosenFile(chosenFile, sheet)}
            />
          )}
          <ProfileTable profile={result.profile} />
        </>
      )}
    </div>
  );
}
