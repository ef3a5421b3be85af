import { useMemo, useState } from 'react';
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
import type { CellDiff, CleanSummary } from '../../engine/types.ts';
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
  diff: readonly CellDiff[];
  summary: CleanSummary;
  /** Rows above the data on the sheet (the header), so row numbers match Excel's. */
  firstDataRow?: number;
}

/** The changed cells, one page at a time, optionally for one step. */
export function DiffTable({ diff, summary, firstDataRow }: DiffTableProps) {
  const styles = useStyles();
  const [step, setStep] = useState<number | 'all'>('all');
  const [page, setPage] = useState(0);
  const shown = useMemo(() => (step === 'all' ? diff : diff.filter((change) => change.step === step)), [diff, step]);
  const pages = Math.max(1, Math.ceil(shown.length / DIFF_PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const start = current * DIFF_PAGE_SIZE;
  const rows = shown.slice(start, start + DIFF_PAGE_SIZE);
  const stepsWithChanges = summary.steps.filter((s) => s.changedCells > 0);

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
          {shown.length === 0
            ? 'No changed cells'
            : `${numbers.format(start + 1)}–${numbers.format(start + rows.length)} of ${numbers.format(shown.length)} changes`}
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
