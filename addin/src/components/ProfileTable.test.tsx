import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWithFluent } from '../test/render.tsx';
import { ledgerProfile } from '../test/fixtures.ts';
import { ProfileTable } from './ProfileTable.tsx';

function cellsOf(row: HTMLElement): string[] {
  return within(row)
    .getAllByRole('cell')
    .map((cell) => cell.textContent);
}

describe('ProfileTable', () => {
  it('has the column headers in order and is labelled for screen readers', () => {
    renderWithFluent(<ProfileTable profile={ledgerProfile} />);

    const table = screen.getByRole('table', { name: 'Column profile' });
    expect(table).toBe(screen.getByTestId('profile-table'));
    const headers = within(table)
      .getAllByRole('columnheader')
      .map((header) => header.textContent);
    expect(headers).toEqual(['Column', 'Type', 'Count', 'Missing', 'Distinct', 'Filled']);
  });

  it('renders one row per column with the engine’s type and counts', () => {
    renderWithFluent(<ProfileTable profile={ledgerProfile} />);

    const rows = screen.getAllByTestId('profile-row');
    expect(rows.map((row) => row.dataset.column)).toEqual(['Date', 'Account', 'Amount', 'Approved', 'Memo']);

    const amount = rows[2] as HTMLElement;
    expect(cellsOf(amount).slice(0, 5)).toEqual(['Amount', 'decimal', '5', '1', '5']);
    expect(cellsOf(rows[4] as HTMLElement).slice(0, 5)).toEqual(['Memo', 'empty', '0', '6', '0']);
  });

  it('draws a filled-share bar per column with an accessible label', () => {
    renderWithFluent(<ProfileTable profile={ledgerProfile} />);

    const rows = screen.getAllByTestId('profile-row');
    const barOf = (index: number) => within(rows[index] as HTMLElement).getByRole('img', { name: /filled$/ });
    expect(barOf(0)).toHaveAccessibleName('100% filled');
    expect(barOf(2)).toHaveAccessibleName('83% filled');
    expect(barOf(4)).toHaveAccessibleName('0% filled');
    const amountFill = barOf(2).firstElementChild as HTMLElement;
    expect(parseFloat(amountFill.style.width)).toBeCloseTo((5 / 6) * 100, 5);
  });

  it('flags a column whose values do not all fit its type', () => {
    renderWithFluent(<ProfileTable profile={ledgerProfile} />);

    const amount = screen.getAllByTestId('profile-row')[2] as HTMLElement;
    expect(within(amount).getByRole('img', { name: '2 values are not decimal' })).toBeInTheDocument();
    const date = screen.getAllByTestId('profile-row')[0] as HTMLElement;
    expect(within(date).queryByRole('img', { name: /not date/ })).not.toBeInTheDocument();
  });
});
