import { useEffect, useMemo, useState } from 'react';
import {
  Button,
  Field,
  Select,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ChevronLeftRegular, ChevronRightRegular } from '@fluentui/react-icons';
import type { CellDiff, CleanSummary, DiffIndex } from '../../engine/types.ts';
import { messageOf } from '../../errors.ts';
import { showValue } from './writeBack.ts';

/** Rows on one page: enough to scan, few enough that 100k changes never render at once. */
export const DIFF_PAGE_SIZE = 50;

const useStyles = makeStyles({
  view: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  scroller: { overflowX: 'auto', maxWidth: '100%' },
  table: { minWidth: '420px' },
  number: { textAlign: 'end', fontVariantNumeric: 'tabular-nums' },
  before: { color: tokens.colorPaletteRedForeground1, overflowWrap: 'anywhere' },
  after: { color: tokens.colorPaletteGreenForeground1, overflowWrap: 'anywhere' },
  reason: { overflowWrap: 'anywhere' },
  pager: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
});

const numbers = new Intl.NumberFormat();

export interface DiffTableProps {
  /** Where the changes are; their values come a page at a time from `loadPage`. */
  diff: DiffIndex;
  summary: CleanSummary;
  /** Rows above the data on the sheet (the header), so row numbers match Excel's. */
  firstDataRow?: number;
  /** Changes `start` to `start + count` of the diff, with their values (kept by the engine worker). */
  loadPage: (start: number, count: number) => Promise<CellDiff[]>;
}

/** A page of the diff as loaded: which changes, or why they could not be. */
type LoadedPage = { start: number; count: number } & ({ rows: CellDiff[] } | { error: string });

/** The changed cells, one page at a time, optionally for one step. */
export function DiffTable({ diff, summary, firstDataRow, loadPage }: DiffTableProps) {
  const styles = useStyles();
  const [step, setStep] = useState<number | 'all'>('all');
  const [page, setPage] = useState(0);
  const [loaded, setLoaded] = useState<LoadedPage | null>(null);
  // The diff holds each step's changes together, in step order: a step's are one range of it.
  const stepStarts = useMemo(() => {
    const starts: number[] = [];
    let next = 0;
    for (const s of summary.steps) {
      starts.push(next);
      next += s.changedCells;
    }
    return starts;
  }, [summary]);
  const shownStart = step === 'all' ? 0 : (stepStarts[step] ?? 0);
  const shownLength = step === 'all' ? diff.length : (summary.steps[step]?.changedCells ?? 0);
  const pages = Math.max(1, Math.ceil(shownLength / DIFF_PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const start = current * DIFF_PAGE_SIZE;
  const count = Math.max(0, Math.min(DIFF_PAGE_SIZE, shownLength - start));
  const stepsWithChanges = summary.steps.filter((s) => s.changedCells > 0);

  useEffect(() => {
    // Only the page still asked for may show: a slow earlier one must not replace it.
    let wanted = true;
    const at = { start: shownStart + start, count };
    const settle = (page: LoadedPage) => {
      if (wanted) setLoaded(page);
    };
    if (count === 0) settle({ ...at, rows: [] });
    else {
      void loadPage(at.start, at.count).then(
        (rows) => {
          settle({ ...at, rows });
        },
        (thrown: unknown) => {
          settle({ ...at, error: messageOf(thrown) });
        },
      );
    }
    return () => {
      wanted = false;
    };
  }, [loadPage, diff, shownStart, start, count]);
  const shows = loaded !== null && loaded.start === shownStart + start && loaded.count === count ? loaded : null;
  const rows = shows && 'rows' in shows ? shows.rows : [];

  return (
    <div className={styles.view} data-testid="diff">
      {stepsWithChanges.length > 1 && (
        <Field label="Show changes of" size="small">
          <Select
            size="small"
            value={String(step)}
            onChange={(_event, data) => {
              setStep(data.value === 'all' ? 'all' : Number(data.value));
              setPage(0);
            }}
          >
            <option value="all">All steps ({numbers.format(diff.length)})</option>
            {stepsWithChanges.map((s) => (
              <option key={s.step} value={String(s.step)}>
                {s.label} ({numbers.format(s.changedCells)})
              </option>
            ))}
          </Select>
        </Field>
      )}
      {/* Focusable, so keyboard users can scroll a table wider than the pane. */}
      <div className={styles.scroller} role="region" aria-label="Changed cells, scrollable" tabIndex={0}>
        <Table size="extra-small" aria-label="Changed cells" className={styles.table} data-testid="diff-table">
          <TableHeader>
            <TableRow>
              <TableHeaderCell className={styles.number}>Row</TableHeaderCell>
              <TableHeaderCell>Column</TableHeaderCell>
              <TableHeaderCell>Before</TableHeaderCell>
              <TableHeaderCell>After</TableHeaderCell>
              <TableHeaderCell>Step</TableHeaderCell>
              <TableHeaderCell>Reason</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {rows.map((change, index) => (
              <TableRow key={start + index} data-testid="diff-row">
                <TableCell className={styles.number}>{change.row + 1 + (firstDataRow ?? 0)}</TableCell>
                <TableCell>{summary.columns[change.column] ?? change.column}</TableCell>
                <TableCell className={styles.before}>{showValue(change.before)}</TableCell>
                <TableCell className={styles.after}>{showValue(change.after)}</TableCell>
                <TableCell>{change.step + 1}</TableCell>
                <TableCell className={styles.reason}>{change.reason}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      {shows && 'error' in shows && (
        <Text role="alert" data-testid="diff-error">
          The changed cells could not be shown: {shows.error}
        </Text>
      )}
      <nav className={styles.pager} aria-label="Changed cells pages">
        <Button
          size="small"
          icon={<ChevronLeftRegular />}
          disabled={current === 0}
          onClick={() => {
            setPage(current - 1);
          }}
        >
          Previous
        </Button>
        <Text size={200} aria-live="polite" data-testid="diff-range">
          {shownLength === 0
            ? 'No changed cells'
            : shows
              ? `${numbers.format(start + 1)}–${numbers.format(start + rows.length)} of ${numbers.format(shownLength)} changes`
              : `Loading changes ${numbers.format(start + 1)}–${numbers.format(start + count)} of ${numbers.format(shownLength)}…`}
        </Text>
        <Button
          size="small"
          icon={<ChevronRightRegular />}
          iconPosition="after"
          disabled={current >= pages - 1}
          onClick={() => {
            setPage(current + 1);
          }}
        >
          Next
        </Button>
      </nav>
    </div>
  );
}
