import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { FileProfile, OfficeRange, TableProfile } from '../engine/types.ts';
import type { Selection } from '../office/excel.ts';
import { renderWithFluent } from '../test/render.tsx';
import { budgetFile, ledgerFile, ledgerProfile } from '../test/fixtures.ts';
import { CleanView, type CleanViewProps } from './CleanView.tsx';

function setup(mode: CleanViewProps['mode'], overrides: Partial<CleanViewProps> = {}) {
  const props: CleanViewProps = {
    mode,
    profileFile: vi.fn<CleanViewProps['profileFile']>(() => Promise.resolve(ledgerFile)),
    readSelection: vi.fn<CleanViewProps['readSelection']>(() => Promise.reject(new Error('not in Excel'))),
    profileRange: vi.fn<CleanViewProps['profileRange']>(() => Promise.resolve(ledgerProfile)),
    ...overrides,
  };
  renderWithFluent(<CleanView {...props} />);
  return { props, user: userEvent.setup() };
}

const ledgerCsv = () => new File(['Date,Account,Amount\n'], 'ledger.csv', { type: 'text/csv' });

describe('CleanView in a browser', () => {
  it('offers a file picker for spreadsheets and CSV', () => {
    setup('browser');
    expect(screen.getByRole('button', { name: 'Choose a file' })).toBeEnabled();
    expect(screen.getByTestId('file-input')).toHaveAttribute('accept', '.xlsx,.xlsm,.xlsb,.xls,.ods,.csv,.tsv');
    expect(screen.queryByRole('button', { name: 'Profile selection' })).not.toBeInTheDocument();
  });

  it('profiles a chosen file and shows the summary and the table', async () => {
    let finish: (profile: FileProfile) => void = () => undefined;
    const profileFile = vi.fn<CleanViewProps['profileFile']>(
      () =>
        new Promise((resolve) => {
          finish = resolve;
        }),
    );
    const { user } = setup('browser', { profileFile });
    const file = ledgerCsv();

    await user.upload(screen.getByTestId('file-input'), file);

    expect(profileFile).toHaveBeenCalledWith(file, undefined);
    expect(screen.getByText('Profiling…')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Choose a file' })).toBeDisabled();

    finish(ledgerFile);
    expect(await screen.findByTestId('profile-summary')).toHaveTextContent('Sheet1 · 6 rows × 5 columns');
    expect(screen.queryByText('Profiling…')).not.toBeInTheDocument();
    const rows = within(screen.getByTestId('profile-table')).getAllByTestId('profile-row');
    expect(rows).toHaveLength(5);
    expect(rows[2]).toHaveAttribute('data-column', 'Amount');
    expect(within(rows[2] as HTMLElement).getAllByRole('cell')[1]).toHaveTextContent('decimal');
  });

  it('profiles a file dropped on the zone', async () => {
    const { props } = setup('browser');
    const file = ledgerCsv();

    fireEvent.drop(screen.getByTestId('drop-zone'), { dataTransfer: { files: [file] } });

    expect(props.profileFile).toHaveBeenCalledWith(file, undefined);
    expect(await screen.findByTestId('profile-summary')).toHaveTextContent('Sheet1 · 6 rows × 5 columns');
  });

  it('shows the engine’s message when the file cannot be read', async () => {
    const profileFile = vi.fn<CleanViewProps['profileFile']>(() =>
      Promise.reject(new Error('“broken.xlsx” is not a valid Excel workbook.')),
    );
    const { user } = setup('browser', { profileFile });

    await user.upload(screen.getByTestId('file-input'), new File(['hello'], 'broken.xlsx'));

    expect(await screen.findByTestId('error-message')).toHaveTextContent('“broken.xlsx” is not a valid Excel workbook.');
    expect(screen.queryByTestId('profile-table')).not.toBeInTheDocument();
  });

  it('re-profiles another sheet picked from the workbook', async () => {
    const profileFile = vi.fn<CleanViewProps['profileFile']>((_file, sheet) => Promise.resolve(sheet === 'Budget' ? budgetFile : ledgerFile));
    const { user } = setup('browser', { profileFile });
    const file = new File(['PK'], 'q1.xlsx');

    await user.upload(screen.getByTestId('file-input'), file);
    await screen.findByTestId('profile-summary');
    await user.click(screen.getByRole('combobox', { name: 'Sheet' }));
    await user.click(await screen.findByRole('option', { name: 'Budget' }));

    expect(profileFile).toHaveBeenLastCalledWith(file, 'Budget');
    await waitFor(() => {
      expect(screen.getByTestId('profile-summary')).toHaveTextContent('Budget · 2 rows × 1 columns');
    });
    expect(screen.getAllByTestId('profile-row').map((row) => row.dataset.column)).toEqual(['Line']);
  });

  it('offers no sheet choice for a single-sheet file', async () => {
    const profileFile = vi.fn<CleanViewProps['profileFile']>(() => Promise.resolve({ ...ledgerFile, sheetNames: ['Sheet1'] }));
    const { user } = setup('browser', { profileFile });

    await user.upload(screen.getByTestId('file-input'), ledgerCsv());
    await screen.findByTestId('profile-summary');

    expect(screen.queryByRole('combobox', { name: 'Sheet' })).not.toBeInTheDocument();
  });
});

describe('CleanView in Excel', () => {
  const selection: Selection = {
    address: 'Sheet1!A1:E7',
    values: [['Date', 'Amount'], [45292, 12.5]],
    numberFormat: [['General', 'General'], ['yyyy-mm-dd', '0.00']],
  };

  it('profiles the selection and names it by its address', async () => {
    const readSelection = vi.fn(() => Promise.resolve(selection));
    const profileRange = vi.fn<(range: OfficeRange) => Promise<TableProfile>>(() => Promise.resolve(ledgerProfile));
    const { user } = setup('excel', { readSelection, profileRange });

    expect(screen.queryByTestId('file-input')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Profile selection' }));

    expect(await screen.findByTestId('profile-summary')).toHaveTextContent('Sheet1!A1:E7 · 6 rows × 5 columns');
    expect(profileRange).toHaveBeenCalledWith({ values: selection.values, numberFormat: selection.numberFormat, hasHeader: null });
  });

  it('shows an Office error to the user', async () => {
    const readSelection = vi.fn(() => Promise.reject(new Error('The selection has 2,000,000 cells; select at most 1,000,000 cells for now.')));
    const { user, props } = setup('excel', { readSelection });

    await user.click(screen.getByRole('button', { name: 'Profile selection' }));

    expect(await screen.findByTestId('error-message')).toHaveTextContent('select at most 1,000,000 cells');
    expect(props.profileRange).not.toHaveBeenCalled();
  });
});
