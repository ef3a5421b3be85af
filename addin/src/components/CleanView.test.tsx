import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { CellDiff, CleanProgress, CleanResult, DiffIndex, Recipe, SheetValues } from '../engine/types.ts';
import type { CleanOpenedFile } from '../engine/protocol.ts';
import type { CleanRunOptions } from '../engine/client.ts';
import type { Selection } from '../office/excel.ts';
import { renderWithFluent } from '../test/render.tsx';
import { ledgerProfile } from '../test/fixtures.ts';
import { CleanView, type CleanApi, type CleanViewProps } from './CleanView.tsx';
import { DIFF_PAGE_SIZE } from './clean/DiffTable.tsx';

const suggested: Recipe = {
  version: 1,
  steps: [
    { op: 'standardize', column: 'Amount', as: 'decimal' },
    { op: 'merge_variants', column: 'Account', threshold: 0.8 },
    { op: 'duplicates', threshold: 0.8, action: 'flag' },
  ],
};

const opened: CleanOpenedFile = { profile: ledgerProfile, recipe: suggested, sheetName: 'Sheet1', sheetNames: ['Sheet1', 'Budget'] };

function diffOf(count: number): CellDiff[] {
  return Array.from({ length: count }, (_, i) => ({ row: i, column: 2, before: ` ${i}`, after: i, step: 0, reason: 'number read from text', confidence: 1 }));
}

/** Where the changes are, as the engine hands them over with a finished run. */
function indexOf(diff: CellDiff[]): DiffIndex {
  return {
    length: diff.length,
    rows: Uint32Array.from(diff, (c) => c.row),
    columns: Uint32Array.from(diff, (c) => c.column),
    steps: Uint32Array.from(diff, (c) => c.step),
  };
}

/** The cleaned table as the engine gives it for a write-back. */
const cleanedSheet: SheetValues = {
  hasHeader: true,
  values: [['Date', 'Account', 'Amount', 'Approved', 'Memo'], ...Array.from({ length: 6 }, (_, i) => ['2024-01-01', '4000', i, true, ''])],
  numberFormats: [[null, null, null, null, null], ...Array.from({ length: 6 }, () => [null, null, '0.00', null, null])],
};

function cleanResult(diff: CellDiff[] = diffOf(2)): CleanResult {
  return {
    hasHeader: true,
    diff: indexOf(diff),
    summary: {
      columns: ['Date', 'Account', 'Amount', 'Approved', 'Memo'],
      rowsBefore: 6,
      rowsAfter: 6,
      changedCells: diff.length,
      removedRows: [],
      steps: [{ step: 0, op: 'standardize', label: 'Standardize Amount', changedCells: diff.length, removedRows: 0, findings: 0 }],
      findings: [],
    },
  };
}

/** A run that changes `diff`, and the engine's pages of it. */
function runChanging(diff: CellDiff[]): Pick<CleanApi, 'run' | 'diffPage'> {
  return {
    run: vi.fn<CleanApi['run']>(() => Promise.resolve(cleanResult(diff))),
    diffPage: vi.fn<CleanApi['diffPage']>((start, count) => Promise.resolve(diff.slice(start, start + count))),
  };
}

function fakeClean(overrides: Partial<CleanApi> = {}) {
  const api = {
    openFile: vi.fn<CleanApi['openFile']>(() => Promise.resolve(opened)),
    openRange: vi.fn<CleanApi['openRange']>(() => Promise.resolve({ profile: ledgerProfile, recipe: suggested })),
    ...runChanging(diffOf(2)),
    values: vi.fn<CleanApi['values']>(() => Promise.resolve(cleanedSheet)),
    undo: vi.fn<CleanApi['undo']>(() => Promise.resolve(true)),
    csv: vi.fn<CleanApi['csv']>(() => Promise.resolve(new TextEncoder().encode('Amount\n1\n'))),
    ...overrides,
  };
  return api;
}

function setup(mode: CleanViewProps['mode'], overrides: Partial<CleanViewProps> = {}) {
  const props: CleanViewProps = {
    mode,
    readSelection: vi.fn<CleanViewProps['readSelection']>(() => Promise.reject(new Error('not in Excel'))),
    clean: fakeClean(),
    download: vi.fn(),
    ...overrides,
  };
  renderWithFluent(<CleanView {...props} />);
  return { props, user: userEvent.setup() };
}

const ledgerCsv = () => new File(['Date,Account,Amount\n'], 'ledger.csv', { type: 'text/csv' });

async function openLedger(user: ReturnType<typeof userEvent.setup>) {
  await user.upload(screen.getByTestId('file-input'), ledgerCsv());
  await screen.findByTestId('recipe-steps');
}

describe('CleanView profile', () => {
  it('profiles a dropped file: summary, a chart per column and the table', async () => {
    const { props } = setup('browser');
    const file = ledgerCsv();

    fireEvent.drop(screen.getByTestId('drop-zone'), { dataTransfer: { files: [file] } });

    expect(props.clean.openFile).toHaveBeenCalledWith(file, undefined);
    expect(await screen.findByTestId('profile-summary')).toHaveTextContent('Sheet1 · 6 rows × 5 columns');
    const charts = screen.getAllByTestId('column-chart');
    expect(charts.map((chart) => chart.dataset.column)).toEqual(['Date', 'Account', 'Amount', 'Approved', 'Memo']);
    // Amount: 5 values of which 2 are not decimals, 1 blank.
    expect(screen.getByRole('img', { name: 'Amount: 3 decimal, 2 not decimal, 0 errors, 1 missing of 6 rows' })).toBeInTheDocument();
    expect(screen.getByRole('img', { name: 'Amount: min -12.5, mean 210.3, max 900' })).toBeInTheDocument();
    expect(within(charts[1] as HTMLElement).getByRole('list', { name: 'Most frequent values in Account' })).toHaveTextContent('4000');
    expect(within(charts[4] as HTMLElement).getByText(/100% missing/)).toBeInTheDocument();
    expect(screen.getAllByTestId('profile-row')).toHaveLength(5);
  });

  it('shows the engine’s message when the file cannot be read', async () => {
    const clean = fakeClean({ openFile: vi.fn(() => Promise.reject(new Error('“broken.xlsx” is not a valid Excel workbook.'))) });
    const { user } = setup('browser', { clean });

    await user.upload(screen.getByTestId('file-input'), new File(['hello'], 'broken.xlsx'));

    expect(await screen.findByTestId('error-message')).toHaveTextContent('“broken.xlsx” is not a valid Excel workbook.');
    expect(screen.queryByTestId('recipe-steps')).not.toBeInTheDocument();
  });

  it('re-opens another sheet picked from the workbook', async () => {
    const clean = fakeClean();
    const { user } = setup('browser', { clean });
    const file = new File(['PK'], 'q1.xlsx');

    await user.upload(screen.getByTestId('file-input'), file);
    await screen.findByTestId('profile-summary');
    await user.click(screen.getByRole('combobox', { name: 'Sheet' }));
    await user.click(await screen.findByRole('option', { name: 'Budget' }));

    expect(clean.openFile).toHaveBeenLastCalledWith(file, 'Budget');
  });
});

describe('CleanView recipe', () => {
  it('lists the suggested steps switched on and the missing-value step switched off', async () => {
    const { user } = setup('browser');
    await openLedger(user);

    const steps = screen.getAllByTestId('recipe-step');
    expect(steps.map((step) => step.dataset.op)).toEqual(['standardize', 'fill_missing', 'merge_variants', 'duplicates']);
    expect(screen.getByRole('checkbox', { name: 'Standardize Amount as decimal' })).toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'Fill missing values in Amount' })).not.toBeChecked();
    expect(screen.getByRole('button', { name: 'Run 3 steps' })).toBeEnabled();
  });

  it('runs exactly the steps as switched and tuned: threshold, key columns, fill strategy, action', async () => {
    const { user, props } = setup('browser');
    await openLedger(user);

    await user.click(screen.getByRole('checkbox', { name: 'Merge spelling variants in Account' }));
    await user.click(screen.getByRole('checkbox', { name: 'Fill missing values in Amount' }));
    await user.selectOptions(screen.getByTestId('fill-strategy'), 'mean');
    const slider = screen.getByRole('slider', { name: 'Similarity threshold for Find duplicate rows (all columns)' });
    fireEvent.change(slider, { target: { value: '0.95' } });
    expect(screen.getByText('Similarity threshold: 0.95')).toBeInTheDocument();
    const keys = within(screen.getByTestId('key-columns'));
    await user.click(keys.getByRole('checkbox', { name: 'Amount' }));
    await user.click(keys.getByRole('checkbox', { name: 'Date' }));
    await user.selectOptions(screen.getByTestId('duplicate-action'), 'keep_first');
    await user.click(screen.getByRole('button', { name: 'Run 3 steps' }));

    await screen.findByTestId('diff-table');
    expect(props.clean.run).toHaveBeenCalledTimes(1);
    expect(vi.mocked(props.clean.run).mock.calls[0]?.[0]).toEqual({
      version: 1,
      steps: [
        { op: 'standardize', column: 'Amount', as: 'decimal' },
        { op: 'fill_missing', column: 'Amount', strategy: 'mean' },
        // Key columns in the table's order, however they were ticked.
        { op: 'duplicates', threshold: 0.95, action: 'keep_first', keys: ['Date', 'Amount'] },
      ],
    });
  });

  it('shows progress per step, and Cancel stops the run with nothing changed', async () => {
    let report: (progress: CleanProgress) => void = () => undefined;
    let signal: AbortSignal | undefined;
    const run = vi.fn<CleanApi['run']>(
      (_recipe, options: CleanRunOptions) =>
        new Promise((_resolve, reject) => {
          report = (p) => options.onProgress?.(p);
          signal = options.signal;
          options.signal?.addEventListener('abort', () => {
            reject(new DOMException('cancelled', 'AbortError'));
          });
        }),
    );
    const { user } = setup('browser', { clean: fakeClean({ run }) });
    await openLedger(user);

    await user.click(screen.getByRole('button', { name: 'Run 3 steps' }));
    const bar = await screen.findByRole('progressbar');
    expect(screen.getByText('Starting…')).toBeInTheDocument();
    report({ done: false, stepsDone: 1, stepsTotal: 3, step: 'Merge spelling variants in Account' });
    await waitFor(() => {
      expect(bar).toHaveAttribute('aria-valuenow', String(1 / 3));
    });
    expect(screen.getByText('1 of 3 steps done (last: Merge spelling variants in Account)')).toBeInTheDocument();
    // Steps cannot be edited while a run holds the table.
    expect(screen.getByRole('checkbox', { name: 'Standardize Amount as decimal' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Cancel' }));

    expect(signal?.aborted).toBe(true);
    expect(await screen.findByTestId('info-message')).toHaveTextContent('Cleaning cancelled: nothing was changed.');
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
    expect(screen.queryByTestId('diff-table')).not.toBeInTheDocument();
  });

  it('shows a failing run’s message to the user', async () => {
    const clean = fakeClean({ run: vi.fn(() => Promise.reject(new Error('invalid recipe: unknown field `treshold`'))) });
    const { user } = setup('browser', { clean });
    await openLedger(user);

    await user.click(screen.getByRole('button', { name: 'Run 3 steps' }));

    expect(await screen.findByTestId('error-message')).toHaveTextContent('invalid recipe: unknown field `treshold`');
  });

  it('takes back an earlier run before running again, so the recipe runs on the data as read', async () => {
    const { user, props } = setup('browser');
    await openLedger(user);

    await user.click(screen.getByRole('button', { name: 'Run 3 steps' }));
    await screen.findByTestId('diff-table');
    expect(props.clean.undo).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Run 3 steps' }));

    await waitFor(() => {
      expect(props.clean.run).toHaveBeenCalledTimes(2);
    });
    expect(props.clean.undo).toHaveBeenCalledTimes(1);
    // Nothing was applied: the cleaned table never crossed from the engine.
    expect(props.clean.values).not.toHaveBeenCalled();
  });
});

describe('CleanView diff', () => {
  it('pages through many changes, one page at a time', async () => {
    const total = DIFF_PAGE_SIZE * 2 + 7;
    const clean = fakeClean(runChanging(diffOf(total)));
    const { user } = setup('browser', { clean });
    await openLedger(user);
    await user.click(screen.getByRole('button', { name: 'Run 3 steps' }));

    await screen.findByTestId('diff-table');
    expect(screen.getByTestId('clean-summary')).toHaveTextContent(`${total} cells changed`);
    expect(await screen.findAllByTestId('diff-row')).toHaveLength(DIFF_PAGE_SIZE);
    // Only the page shown crossed from the engine.
    expect(clean.diffPage).toHaveBeenLastCalledWith(0, DIFF_PAGE_SIZE);
    expect(screen.getByTestId('diff-range')).toHaveTextContent(`1–${DIFF_PAGE_SIZE} of ${total} changes`);
    const first = within(screen.getAllByTestId('diff-row')[0] as HTMLElement).getAllByRole('cell').map((cell) => cell.textContent);
    // Row 1 of the data is the sheet's row 2, under the header.
    // The leading space is shown, so the change is visible.
    expect(first).toEqual(['2', 'Amount', '" 0"', '0', '1', 'number read from text']);
    expect(screen.getByRole('button', { name: 'Previous' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Next' }));
    await user.click(screen.getByRole('button', { name: 'Next' }));

    await waitFor(() => {
      expect(screen.getAllByTestId('diff-row')).toHaveLength(7);
    });
    expect(screen.getByTestId('diff-range')).toHaveTextContent(`${DIFF_PAGE_SIZE * 2 + 1}–${total} of ${total} changes`);
    expect(clean.diffPage).toHaveBeenLastCalledWith(DIFF_PAGE_SIZE * 2, 7);
    expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled();
  });

  it('downloads the cleaned CSV named after the file', async () => {
    const { user, props } = setup('browser');
    await openLedger(user);
    await user.click(screen.getByRole('button', { name: 'Run 3 steps' }));
    await user.click(await screen.findByRole('button', { name: 'Download cleaned CSV' }));

    expect(props.download).toHaveBeenCalledWith('ledger-cleaned.csv', new TextEncoder().encode('Amount\n1\n'));
    expect(screen.queryByRole('button', { name: 'Apply to sheet' })).not.toBeInTheDocument();
    // A file needs only the CSV: the cleaned table's values are never asked for.
    expect(props.clean.values).not.toHaveBeenCalled();
  });

  it('shows a failed download to the user', async () => {
    const { user } = setup('browser', { clean: fakeClean({ csv: vi.fn(() => Promise.reject(new Error('out of memory'))) }) });
    await openLedger(user);
    await user.click(screen.getByRole('button', { name: 'Run 3 steps' }));
    await user.click(await screen.findByRole('button', { name: 'Download cleaned CSV' }));

    expect(await screen.findByTestId('error-message')).toHaveTextContent('The CSV could not be made: out of memory');
  });
});

describe('CleanView in Excel', () => {
  const selection: Selection = {
    address: 'Sheet1!A1:E7',
    values: [['Date', 'Account', 'Amount', 'Approved', 'Memo'], ...Array.from({ length: 6 }, (_, i) => ['2024-01-01', '4000', ` ${i}`, true, ''])],
    numberFormat: Array.from({ length: 7 }, () => ['yyyy-mm-dd', '@', 'General', 'General', 'General']),
  };

  it('profiles the selection, applies the result with highlights, and undoes it', async () => {
    const readSelection = vi.fn(() => Promise.resolve(selection));
    const undoWrite = vi.fn(() => Promise.resolve());
    const applyToSheet = vi.fn<NonNullable<CleanViewProps['applyToSheet']>>(() => Promise.resolve({ address: 'Sheet1!A1:E7', undo: undoWrite }));
    const { user, props } = setup('excel', { readSelection, applyToSheet });

    expect(screen.queryByTestId('file-input')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Profile selection' }));
    expect(await screen.findByTestId('profile-summary')).toHaveTextContent('Sheet1!A1:E7 · 6 rows × 5 columns');
    expect(props.clean.openRange).toHaveBeenCalledWith({ values: selection.values, numberFormat: selection.numberFormat, hasHeader: null });

    await user.click(screen.getByRole('button', { name: 'Run 3 steps' }));
    await screen.findByRole('button', { name: 'Apply to sheet' });
    // The values cross from the engine only once the user applies.
    expect(props.clean.values).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Apply to sheet' }));

    expect(await screen.findByTestId('applied-message')).toHaveTextContent('Written to Sheet1!A1:E7; 2 changed cells highlighted.');
    expect(props.clean.values).toHaveBeenCalledOnce();
    const request = applyToSheet.mock.calls[0]?.[0];
    expect(request?.address).toBe('Sheet1!A1:E7');
    expect(request?.values[1]).toEqual(['2024-01-01', '4000', 0, true, '']);
    // The engine set Amount's format; every other cell keeps the one it had.
    expect(request?.numberFormat?.[1]).toEqual(['yyyy-mm-dd', '@', '0.00', 'General', 'General']);
    expect(request?.changed?.[1]).toEqual([false, false, true, false, false]);
    expect(request?.changed?.[2]).toEqual([false, false, true, false, false]);
    expect(request?.changed?.[3]).toEqual([false, false, false, false, false]);
    expect(screen.queryByRole('button', { name: 'Apply to sheet' })).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Undo' }));

    expect(await screen.findByTestId('info-message')).toHaveTextContent('Undone: Sheet1!A1:E7 is as it was.');
    expect(undoWrite).toHaveBeenCalledOnce();
    expect(props.clean.undo).toHaveBeenCalledOnce();
    expect(screen.queryByTestId('diff-table')).not.toBeInTheDocument();
  });

  it('shows a failed write to the user and keeps the result to try again', async () => {
    const readSelection = vi.fn(() => Promise.resolve(selection));
    const applyToSheet = vi.fn(() => Promise.reject(new Error('The range is protected.')));
    const { user } = setup('excel', { readSelection, applyToSheet });

    await user.click(screen.getByRole('button', { name: 'Profile selection' }));
    await user.click(await screen.findByRole('button', { name: 'Run 3 steps' }));
    await user.click(await screen.findByRole('button', { name: 'Apply to sheet' }));

    expect(await screen.findByTestId('error-message')).toHaveTextContent('The sheet was not changed: The range is protected.');
    expect(screen.getByRole('button', { name: 'Apply to sheet' })).toBeEnabled();
  });

  it('writes nothing when the engine cannot give the cleaned values', async () => {
    const readSelection = vi.fn(() => Promise.resolve(selection));
    const applyToSheet = vi.fn<NonNullable<CleanViewProps['applyToSheet']>>();
    const clean = fakeClean({ values: vi.fn(() => Promise.reject(new Error('The engine was shut down.'))) });
    const { user } = setup('excel', { readSelection, applyToSheet, clean });

    await user.click(screen.getByRole('button', { name: 'Profile selection' }));
    await user.click(await screen.findByRole('button', { name: 'Run 3 steps' }));
    await user.click(await screen.findByRole('button', { name: 'Apply to sheet' }));

    expect(await screen.findByTestId('error-message')).toHaveTextContent('The sheet was not changed: The engine was shut down.');
    expect(applyToSheet).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Apply to sheet' })).toBeEnabled();
  });

  it('shows an Office error to the user', async () => {
    const readSelection = vi.fn(() => Promise.reject(new Error('The selection has 2,000,000 cells; select at most 1,000,000 cells for now.')));
    const { user, props } = setup('excel', { readSelection });

    await user.click(screen.getByRole('button', { name: 'Profile selection' }));

    expect(await screen.findByTestId('error-message')).toHaveTextContent('select at most 1,000,000 cells');
    expect(props.clean.openRange).not.toHaveBeenCalled();
  });
});
