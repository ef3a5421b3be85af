import { describe, expect, it } from 'vitest';
import { filledPercent, nonConformingMessage, profileSummary } from './format.ts';

describe('filledPercent', () => {
  it('rounds, but never claims a full or empty column that is not', () => {
    expect(filledPercent(5, 6)).toBe(83);
    expect(filledPercent(999, 1000)).toBe(99);
    expect(filledPercent(1, 1000)).toBe(1);
    expect(filledPercent(6, 6)).toBe(100);
    expect(filledPercent(0, 6)).toBe(0);
    expect(filledPercent(0, 0)).toBe(0);
  });
});

describe('messages', () => {
  it('says how many values break the type, in the singular too', () => {
    expect(nonConformingMessage({ nonConforming: 2, inferredType: 'decimal' })).toBe('2 values are not decimal');
    expect(nonConformingMessage({ nonConforming: 1, inferredType: 'date' })).toBe('1 value is not date');
  });

  it('summarises source and size', () => {
    expect(profileSummary('Sheet1', { rowCount: 6, columnCount: 5 })).toBe('Sheet1 · 6 rows × 5 columns');
  });
});
