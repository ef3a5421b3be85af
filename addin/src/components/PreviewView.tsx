import { useEffect, useMemo, useRef, useState } from 'react';
import { Button, MessageBar, MessageBarActions, MessageBarBody, Select, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import { EyeRegular, EyeOffRegular, TableSearchRegular } from '@fluentui/react-icons';
import type { MaskPolicy, OfficeRange, Preview, PriceTable, ScanResult, SheetContextOptions } from '../engine/types.ts';
import { policyOf } from '../engine/masking.ts';
import type { HostMode } from '../office/host.ts';
import { COLUMN_OPERATORS, type ColumnOperator, type Preferences } from '../settings.ts';
import { messageOf } from '../errors.ts';
import { FileDropZone } from './FileDropZone.tsx';
import { Notice } from './Notice.tsx';
import { findingsByColumn, formatCost, hiddenExample, inputCost } from './preview/cost.ts';

const useStyles = makeStyles({
  view: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  table: { borderCollapse: 'collapse', width: '100%', '& th, & td': { textAlign: 'left', verticalAlign: 'top', padding: tokens.spacingVerticalXXS } },
  payload: {
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    maxHeight: '240px',
    overflowY: 'auto',
    margin: 0,
    padding: tokens.spacingHorizontalS,
    backgroundColor: tokens.colorNeutralBackground3,
    borderRadius: tokens.borderRadiusMedium,
  },
});

/** The workbook's masker, as the view uses it (a MaskingSession in the pane). */
export interface MaskingApi {
  setPolicy: (policy: MaskPolicy) => Promise<void>;
  scan: (range: OfficeRange) => Promise<ScanResult>;
  preview: (range: OfficeRange, options: SheetContextOptions) => Promise<Preview>;
}

/** A payload the user confirmed for the chat, with what it was made from. */
export interface ConfirmedContext {
  payload: string;
  workbook: string;
  range: OfficeRange;
}

/** The sheet context's token budget: room for a useful sample, small next to the model's window. */
export const PREVIEW_BUDGET_TOKENS = 4000;

export interface PreviewViewProps {
  mode: HostMode;
  readSelection: () => Promise<OfficeRange>;
  readFileRange: (file: File) => Promise<OfficeRange>;
  workbookName: () => string;
  openMasking: (workbook: string, policy: MaskPolicy) => Promise<MaskingApi>;
  priceTable: () => Promise<PriceTable>;
  model?: string | null;
  preferences: Preferences;
  onPreferencesChange: (next: Preferences) => void;
  confirmed: ConfirmedContext | null;
  onConfirmedChange: (next: ConfirmedContext | null) => void;
  budget?: number;
}

interface Source {
  workbook: string;
  range: OfficeRange;
}

/** The preview of one selection under one policy, or why it failed. */
interface Outcome {
  source: Source;
  policy: MaskPolicy;
  result?: Result;
  error?: string;
}

interface Result {
  source: Source;
  scan: ScanResult;
  preview: Preview;
  prices: PriceTable;
}

const DEFAULT_CHOICE = '';

/**
 * Shows what personal data the selection holds, lets the user choose how
 * each column is masked, and shows the exact payload the chat would send;
 * nothing is sent about the sheet until the user confirms that payload.
 */
export function PreviewView(props: PreviewViewProps) {
  const { mode, readSelection, readFileRange, workbookName, openMasking, priceTable, model, preferences, onPreferencesChange, confirmed, onConfirmedChange } = props;
  const budget = props.budget ?? PREVIEW_BUDGET_TOKENS;
  const styles = useStyles();
  const [source, setSource] = useState<Source | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [revealed, setRevealed] = useState<ReadonlySet<string>>(new Set());
  const session = useRef<{ workbook: string; masking: Promise<MaskingApi> } | null>(null);

  const policy = useMemo(() => policyOf(preferences.masking, preferences.columns), [preferences.masking, preferences.columns]);

  // A new selection or a new policy makes any earlier confirmation void: what
  // was confirmed is no longer what would be sent.
  useEffect(() => {
    if (!source) return undefined;
    onConfirmedChange(null);
    let current = true;
    const run = async (): Promise<Result> => {
      if (session.current?.workbook !== source.workbook) session.current = { workbook: source.workbook, masking: openMasking(source.workbook, policy) };
      const masking = await session.current.masking;
      await masking.setPolicy(policy);
      const scan = await masking.scan(source.range);
      const preview = await masking.preview(source.range, { budget, model: model ?? null });
      return { source, scan, preview, prices: await priceTable() };
    };
    run().then(
      (result) => {
        if (current) setOutcome({ source, policy, result });
      },
      (thrown: unknown) => {
        if (current) setOutcome({ source, policy, error: messageOf(thrown) });
      },
    );
    return () => {
      current = false;
    };
  }, [source, policy, budget, model, openMasking, priceTable, onConfirmedChange]);

  // Busy until the outcome of the current selection and policy is in; the last one stays on screen meanwhile.
  const busy = source !== null && (outcome?.source !== source || outcome.policy !== policy);
  const result = outcome?.result ?? null;
  const error = loadError ?? (busy ? null : (outcome?.error ?? null));

  const load = async (task: () => Promise<Source>) => {
    setLoadError(null);
    setRevealed(new Set());
    try {
      setSource(await task());
    } catch (thrown) {
      setLoadError(messageOf(thrown));
    }
  };

  const choose = (column: string, choice: string) => {
    const others = Object.entries(preferences.columns ?? {}).filter(([name]) => name !== column);
    const columns: Record<string, ColumnOperator> = Object.fromEntries(choice === DEFAULT_CHOICE ? others : [...others, [column, choice as ColumnOperator]]);
    const next: Preferences = { ...preferences };
    if (Object.keys(columns).length > 0) next.columns = columns;
    else delete next.columns;
    onPreferencesChange(next);
  };

  const findings = result ? findingsByColumn(result.scan, result.source.range) : [];
  const cost = result ? inputCost(result.preview.tokens, result.prices, model) : null;
  const isConfirmed = result !== null && confirmed?.payload === result.preview.payload && confirmed.range === result.source.range;

  return (
    <div className={styles.view}>
      <Text>Only masked data leaves Excel. Check what the chat would send, choose how each column is masked, then confirm.</Text>
      {mode === 'excel' ? (
        <Button
          appearance="primary"
          icon={<TableSearchRegular />}
          disabled={busy}
          onClick={() => void load(async () => ({ workbook: workbookName(), range: await readSelection() }))}
        >
          Preview the selection
        </Button>
      ) : (
        <FileDropZone purpose="see what the chat would send about it" disabled={busy} onFile={(file) => void load(async () => ({ workbook: file.name, range: await readFileRange(file) }))} />
      )}
      {busy && <Spinner size="tiny" label="Masking…" />}
      {error && <Notice intent="error" message={error} />}
      {result && (
        <>
          <table className={styles.table} aria-label="Personal data per column">
            <thead>
              <tr>
                <th scope="col">Column</th>
                <th scope="col">Found</th>
                <th scope="col">Masking</th>
              </tr>
            </thead>
            <tbody>
              {result.scan.columns.map((column) => {
                const found = findings.find((entry) => entry.column === column);
                const shown = revealed.has(column);
                return (
                  <tr key={column} data-testid="pii-column">
                    <th scope="row">{column}</th>
                    <td>
                      {found ? (
                        <>
                          <Text block size={200}>
                            {Object.entries(found.counts)
                              .map(([type, count]) => `${String(count)} ${type.replace(/_/g, ' ')}`)
                              .join(', ')}
                          </Text>
                          <Text block size={200} font="monospace" data-testid="pii-examples">
                            {found.examples.map((example) => (shown ? example : hiddenExample(example))).join('  ')}
                          </Text>
                          <Button
                            size="small"
                            appearance="subtle"
                            icon={shown ? <EyeOffRegular /> : <EyeRegular />}
                            aria-pressed={shown}
                            onClick={() => {
                              setRevealed((previous) => {
                                const next = new Set(previous);
                                if (shown) next.delete(column);
                                else next.add(column);
                                return next;
                              });
                            }}
                          >
                            {shown ? 'Hide examples' : 'Show examples'}
                          </Button>
                        </>
                      ) : (
                        <Text size={200}>None found</Text>
                      )}
                    </td>
                    <td>
                      <Select
                        size="small"
                        aria-label={`Masking for ${column}`}
                        value={preferences.columns?.[column] ?? DEFAULT_CHOICE}
                        disabled={busy}
                        onChange={(_event, data) => {
                          choose(column, data.value);
                        }}
                      >
                        <option value={DEFAULT_CHOICE}>Default ({preferences.masking})</option>
                        {COLUMN_OPERATORS.map((operator) => (
                          <option key={operator} value={operator}>
                            {operator}
                          </option>
                        ))}
                      </Select>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <Text size={200} data-testid="mask-summary">
            {result.preview.summary.maskedCells.toLocaleString()} cells masked
            {result.preview.summary.rows.length > 0 &&
              `: ${result.preview.summary.rows.map((row) => `${row.column} ${row.cells.toLocaleString()} × ${row.operator}${row.type ? ` (${row.type.replace(/_/g, ' ')})` : ''}`).join('; ')}`}
            {result.preview.summary.droppedColumns.length > 0 && `. Left out: ${result.preview.summary.droppedColumns.join(', ')}`}.
          </Text>
          <Text weight="semibold" id="payload-label">
            Exactly what the chat will send
          </Text>
          <pre className={styles.payload} aria-labelledby="payload-label" tabIndex={0} data-testid="preview-payload">
            {result.preview.payload}
          </pre>
          <Text size={200} data-testid="preview-tokens">
            {result.preview.tokens.toLocaleString()} tokens{cost ? ` (≈ ${formatCost(cost.amount, cost.currency)})` : ''}
            {result.preview.rowsOmitted > 0 && `; ${result.preview.rowsOmitted.toLocaleString()} rows left out to fit ${budget.toLocaleString()} tokens`}
          </Text>
          {isConfirmed ? (
            <MessageBar intent="success" data-testid="preview-confirmed">
              <MessageBarBody>The chat sends this payload with your next messages, unchanged.</MessageBarBody>
              <MessageBarActions>
                <Button
                  size="small"
                  onClick={() => {
                    onConfirmedChange(null);
                  }}
                >
                  Stop using
                </Button>
              </MessageBarActions>
            </MessageBar>
          ) : (
            <Button
              appearance="primary"
              disabled={busy}
              onClick={() => {
                onConfirmedChange({ payload: result.preview.payload, workbook: result.source.workbook, range: result.source.range });
              }}
            >
              Use in chat
            </Button>
          )}
        </>
      )}
    </div>
  );
}
