import type { ColumnProfile, FileProfile, TableProfile } from '../engine/types.ts';

function column(overrides: Partial<ColumnProfile> & Pick<ColumnProfile, 'name' | 'inferredType'>): ColumnProfile {
  return {
    count: 6,
    missing: 0,
    distinct: 6,
    nonConforming: 0,
    errors: 0,
    topValues: [],
    numeric: null,
    placeholders: 0,
    nonConformingShare: 0,
    nonConformingExamples: [],
    numberLocale: null,
    dateOrder: null,
    currency: null,
    unit: null,
    textCase: null,
    ...overrides,
  };
}

/** A six-row ledger extract, shaped as the engine reports it. */
export const ledgerProfile: TableProfile = {
  rowCount: 6,
  columnCount: 5,
  columns: [
    column({ name: 'Date', inferredType: 'date' }),
    column({ name: 'Account', inferredType: 'category', distinct: 3, topValues: [{ value: '4000', count: 3 }] }),
    column({ name: 'Amount', inferredType: 'decimal', count: 5, missing: 1, distinct: 5, nonConforming: 2, numeric: { min: -12.5, max: 900, mean: 210.3 } }),
    column({ name: 'Approved', inferredType: 'boolean', distinct: 2 }),
    column({ name: 'Memo', inferredType: 'empty', count: 0, missing: 6, distinct: 0 }),
  ],
};

export const ledgerFile: FileProfile = {
  sheetName: 'Sheet1',
  sheetNames: ['Sheet1', 'Budget'],
  profile: ledgerProfile,
};

export const budgetFile: FileProfile = {
  sheetName: 'Budget',
  sheetNames: ['Sheet1', 'Budget'],
  profile: {
    rowCount: 2,
    columnCount: 1,
    columns: [column({ name: 'Line', inferredType: 'text', count: 2, distinct: 2 })],
  },
};
