import type { ColumnProfile, TableProfile } from '../engine/types.ts';

/** Share of filled cells, rounded so that "100%" and "0%" are only ever exact. */
export function filledPercent(present: number, total: number): number {
  if (total <= 0 || present <= 0) return 0;
  if (present >= total) return 100;
  return Math.min(99, Math.max(1, Math.round((present / total) * 100)));
}

export function nonConformingMessage(column: Pick<ColumnProfile, 'nonConforming' | 'inferredType'>): string {
  const count = column.nonConforming;
  return `${count} ${count === 1 ? 'value is' : 'values are'} not ${column.inferredType}`;
}

/** "Sheet1 · 6 rows × 5 columns": where the data came from and its size. */
export function profileSummary(source: string, profile: Pick<TableProfile, 'rowCount' | 'columnCount'>): string {
  return `${source} · ${profile.rowCount} rows × ${profile.columnCount} columns`;
}
