import { useCallback, useRef, useState } from 'react';
import { Button, Field, MessageBar, MessageBarBody, ProgressBar, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import {
  ArrowDownloadRegular,
  ArrowUndoRegular,
  CheckmarkRegular,
  DismissRegular,
  PlayRegular,
  TableSearchRegular,
} from '@fluentui/react-icons';
import type { CellDiff, CleanProgress, CleanResult, OfficeRange, Recipe, SheetValues } from '../engine/types.ts';
import type { CleanOpened, CleanOpenedFile } from '../engine/protocol.ts';
import type { CleanRunOptions } from '../engine/client.ts';
import type { HostMode } from '../office/host.ts';
import type { Selection } from '../office/excel.ts';
import type { WriteRequest } from '../office/write.ts';
import { messageOf } from '../errors.ts';
import { FileDropZone } from './FileDropZone.tsx';
import { Notice } from './Notice.tsx';
import { ProfileTable } from './ProfileTable.tsx';
import { SheetPicker } from './SheetPicker.tsx';
import { profileSummary } from './format.ts';
import { ColumnCharts } from './clean/ColumnCharts.tsx';
import { DiffTable } from './clean/DiffTable.tsx';
import { StepList } from './clean/StepList.tsx';
import { cleanedFileName, downloadBytes } from './clean/download.ts';
import { editableSteps, recipeOf, type EditableStep } from './clean/steps.ts';
import { sheetWrite } from './clean/writeBack.ts';

const useStyles = makeStyles({
  view: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  findings: { margin: 0, paddingLeft: tokens.spacingHorizontalL, maxHeight: '160px', overflowY: 'auto' },
});

/** The engine's cleaner, as the view uses it (the worker client in the pane). */
export interface CleanApi {
  openFile: (file: File, sheet?: string) => Promise<CleanOpenedFile>;
  openRange: (range: OfficeRange) => Promise<CleanOpened>;
  run: (recipe: Recipe, options: CleanRunOptions) => Promise<CleanResult>;
  /**
   * The table as it stands in the engine, as Office.js writes it: asked for only
   * when the user applies a run to the selection (a big sheet has a million cells).
   */
  values: () => Promise<SheetValues>;
  /** Takes back the last finished run in the engine; false when there was none. */
  undo: () => Promise<boolean>;
  /** The table as it stands (cleaned after a run), as UTF-8 CSV. */
  csv: () => Promise<Uint8Array>;
  /** Changes `start` to `start + count` of the last run's diff, with their values. */
  diffPage: (start: number, count: number) => Promise<CellDiff[]>;
}

/** A finished write to the sheet and how to take it back. */
export interface AppliedWrite {
  address: string;
  undo: () => Promise<void>;
}

export interface CleanViewProps {
  mode: HostMode;
  readSelection: () => Promise<Selection>;
  clean: CleanApi;
  /** Inside Excel: writes values, number formats and highlights in one go (office/write.ts). */
  applyToSheet?: (request: WriteRequest) => Promise<AppliedWrite>;
  /** Hands the cleaned CSV to the user; the browser download by default. */
  download?: (fileName: string, bytes: Uint8Array) => void;
}

type Source = { kind: 'file'; file: File; sheetName: string; sheetNames: string[] } | { kind: 'selection'; selection: Selection };

interface Opened {
  source: Source;
  opened: CleanOpened;
}

type Phase = 'idle' | 'opening' | 'running' | 'applying';

const numbers = new Intl.NumberFormat();

function isAbort(thrown: unknown): boolean {
  return thrown instanceof DOMException && thrown.name === 'AbortError';
}

function defaultDownload(fileName: string, bytes: Uint8Array): void {
  downloadBytes(fileName, bytes, 'text/csv;charset=utf-8');
}

/**
 * The Clean tab: profile a selection or file (with small charts per column),
 * review and tune the engine's suggested recipe, run it in the worker with
 * progress and Cancel, inspect the changed cells, then write them back
 * (Excel, undoable) or download the cleaned CSV (browser).
 */
export function CleanView({ mode, readSelection, clean, applyToSheet, download = defaultDownload }: CleanViewProps) {
  const styles = useStyles();
  const [current, setCurrent] = useState<Opened | null>(null);
  const [steps, setSteps] = useState<EditableStep[]>([]);
  const [phase, setPhase] = useState<Phase>('idle');
  const [progress, setProgress] = useState<CleanProgress | null>(null);
  const [result, setResult] = useState<CleanResult | null>(null);
  const [applied, setApplied] = useState<(AppliedWrite & { highlighted: number }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  // Only the latest open may update the screen: a slow earlier file must not overwrite a newer one.
  const latestOpen = useRef(0);
  const running = useRef<AbortController | null>(null);
  const busy = phase !== 'idle';

  const open = async (task: () => Promise<Opened>) => {
    const openId = ++latestOpen.current;
    setPhase('opening');
    setError(null);
    setInfo(null);
    try {
      const next = await task();
      if (openId !== latestOpen.current) return;
      setCurrent(next);
      setSteps(editableSteps(next.opened.recipe, next.opened.profile));
      setResult(null);
      setApplied(null);
      setProgress(null);
    } catch (thrown) {
      if (openId === latestOpen.current) {
        setCurrent(null);
        setResult(null);
        setError(messageOf(thrown));
      }
    } finally {
      if (openId === latestOpen.current) setPhase('idle');
    }
  };

  const openFile = (file: File, sheet?: string) =>
    open(async () => {
      const opened = await clean.openFile(file, sheet);
      return { source: { kind: 'file', file, sheetName: opened.sheetName, sheetNames: opened.sheetNames }, opened };
    });

  const openSelection = () =>
    open(async () => {
      const selection = await readSelection();
      // Only what the engine reads; the address stays in the pane.
      const opened = await clean.openRange({ values: selection.values, numberFormat: selection.numberFormat, hasHeader: null });
      return { source: { kind: 'selection', selection }, opened };
    });

  const changeStep = useCallback((id: string, next: EditableStep) => {
    setSteps((all) => all.map((step) => (step.id === id ? next : step)));
  }, []);

  const run = async () => {
    const controller = new AbortController();
    running.current = controller;
    setPhase('running');
    setError(null);
    setInfo(null);
    setProgress(null);
    try {
      // A run not written to the sheet is taken back first, so the recipe always runs on the data as read.
      if (result && !applied) {
        await clean.undo();
        setResult(null);
      }
      const next = await clean.run(recipeOf(steps), { onProgress: setProgress, signal: controller.signal });
      setResult(next);
      setApplied(null);
    } catch (thrown) {
      if (isAbort(thrown)) setInfo('Cleaning cancelled: nothing was changed.');
      else setError(messageOf(thrown));
    } finally {
      running.current = null;
      setPhase('idle');
    }
  };

  const cancel = () => {
    running.current?.abort();
  };

  const apply = async () => {
    if (!result || current?.source.kind !== 'selection' || !applyToSheet) return;
    const { selection } = current.source;
    setPhase('applying');
    setError(null);
    setInfo(null);
    try {
      const write = sheetWrite(result, await clean.values(), {
        rowCount: selection.values.length,
        columnCount: selection.values[0]?.length ?? 0,
        numberFormat: selection.numberFormat ?? [],
      });
      const done = await applyToSheet({
        address: selection.address,
        values: write.values,
        numberFormat: write.numberFormat,
        changed: write.changed,
      });
      setApplied({ ...done, highlighted: write.highlighted });
    } catch (thrown) {
      setError(`The sheet was not changed: ${messageOf(thrown)}`);
    } finally {
      setPhase('idle');
    }
  };

  /** Takes the run back: on the sheet when it was written, and in the engine. */
  const undo = async () => {
    setPhase('applying');
    setError(null);
    setInfo(null);
    try {
      if (applied) await applied.undo();
      await clean.undo();
      setApplied(null);
      setResult(null);
      setInfo(applied ? `Undone: ${applied.address} is as it was.` : 'Discarded: the data is as it was.');
    } catch (thrown) {
      setError(`Undo failed: ${messageOf(thrown)}`);
    } finally {
      setPhase('idle');
    }
  };

  const downloadCsv = async () => {
    if (current?.source.kind !== 'file') return;
    setError(null);
    try {
      download(cleanedFileName(current.source.file.name), await clean.csv());
    } catch (thrown) {
      setError(`The CSV could not be made: ${messageOf(thrown)}`);
    }
  };

  const source = current?.source;
  const sourceName = source ? (source.kind === 'file' ? source.sheetName : source.selection.address) : '';
  const enabledSteps = steps.filter((step) => step.enabled).length;
  const share = progress && progress.stepsTotal > 0 ? progress.stepsDone / progress.stepsTotal : 0;

  return (
    <div className={styles.view}>
      {mode === 'excel' ? (
        <Button appearance="primary" icon={<TableSearchRegular />} disabled={busy} onClick={() => void openSelection()}>
          Profile selection
        </Button>
      ) : (
        <FileDropZone disabled={busy} onFile={(file) => void openFile(file)} />
      )}

      {phase === 'opening' && <Spinner size="tiny" label="Profiling…" />}
      {error && <Notice intent="error" message={error} />}
      {info && (
        <MessageBar intent="info" data-testid="info-message">
          <MessageBarBody>{info}</MessageBarBody>
        </MessageBar>
      )}

      {current && (
        <>
          <section className={styles.section} aria-label="Profile">
            <Text weight="semibold" data-testid="profile-summary">
              {profileSummary(sourceName, current.opened.profile)}
            </Text>
            {source?.kind === 'file' && source.sheetNames.length > 1 && (
              <SheetPicker
                sheetNames={source.sheetNames}
                selected={source.sheetName}
                disabled={busy}
                onSelect={(sheet) => void openFile(source.file, sheet)}
              />
            )}
            <ColumnCharts profile={current.opened.profile} />
            <ProfileTable profile={current.opened.profile} />
          </section>

          <section className={styles.section} aria-labelledby="clean-steps-heading">
            <Text as="h2" size={300} weight="semibold" id="clean-steps-heading">
              Suggested steps
            </Text>
            {steps.length === 0 ? (
              <Text>The engine suggests no cleaning for this table.</Text>
            ) : (
              <StepList steps={steps} columns={current.opened.profile.columns.map((c) => c.name)} disabled={busy} onChange={changeStep} />
            )}
            <div className={styles.actions}>
              <Button appearance="primary" icon={<PlayRegular />} disabled={busy || enabledSteps === 0} onClick={() => void run()}>
                Run {enabledSteps} {enabledSteps === 1 ? 'step' : 'steps'}
              </Button>
              {phase === 'running' && (
                <Button icon={<DismissRegular />} onClick={cancel}>
                  Cancel
                </Button>
              )}
            </div>
            {phase === 'running' && (
              <Field
                label="Cleaning progress"
                validationState="none"
                validationMessage={
                  progress
                    ? progress.done
                      ? 'Preparing the changes…'
                      : `${progress.stepsDone} of ${progress.stepsTotal} steps done${progress.step ? ` (last: ${progress.step})` : ''}`
                    : 'Starting…'
                }
              >
                <ProgressBar value={share} max={1} data-testid="clean-progress" />
              </Field>
            )}
          </section>

          {result && (
            <section className={styles.section} aria-labelledby="clean-result-heading">
              <Text as="h2" size={300} weight="semibold" id="clean-result-heading">
                Before → after
              </Text>
              <Text data-testid="clean-summary">
                {numbers.format(result.summary.changedCells)} cells changed
                {result.summary.removedRows.length > 0 && `, ${numbers.format(result.summary.removedRows.length)} rows removed`}
                {result.summary.findings.length > 0 && `, ${numbers.format(result.summary.findings.length)} findings to review`}
                {` · ${numbers.format(result.summary.rowsBefore)} → ${numbers.format(result.summary.rowsAfter)} rows`}
              </Text>
              {result.summary.findings.length > 0 && (
                <ul className={styles.findings} aria-label="Findings to review" data-testid="findings" tabIndex={0}>
                  {result.summary.findings.slice(0, 50).map((finding, index) => (
                    <li key={index}>
                      <Text size={200}>{finding.message}</Text>
                    </li>
                  ))}
                </ul>
              )}
              <DiffTable diff={result.diff} summary={result.summary} firstDataRow={result.hasHeader ? 1 : 0} loadPage={clean.diffPage} />
              <div className={styles.actions}>
                {source?.kind === 'selection' && applyToSheet && !applied && (
                  <Button appearance="primary" icon={<CheckmarkRegular />} disabled={busy} onClick={() => void apply()}>
                    Apply to sheet
                  </Button>
                )}
                {source?.kind === 'file' && (
                  <Button appearance="primary" icon={<ArrowDownloadRegular />} disabled={busy} onClick={() => void downloadCsv()}>
                    Download cleaned CSV
                  </Button>
                )}
                <Button icon={<ArrowUndoRegular />} disabled={busy} onClick={() => void undo()}>
                  {applied ? 'Undo' : 'Discard'}
                </Button>
              </div>
              {applied && (
                <Text data-testid="applied-message" role="status">
                  Written to {applied.address}; {numbers.format(applied.highlighted)} changed cells highlighted.
                </Text>
              )}
            </section>
          )}
        </>
      )}
    </div>
  );
}
