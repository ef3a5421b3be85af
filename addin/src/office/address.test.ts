import { describe, expect, it } from 'vitest';
import { splitAddress } from './address.ts';

describe('splitAddress', () => {
  it('splits plain, quoted and sheetless addresses', () => {
    expect(splitAddress('Sheet1!A1:B3')).toEqual({ sheet: 'Sheet1', a1: 'A1:B3' });
    expect(splitAddress("'Q3 ''final'''!C2")).toEqual({ sheet: "Q3 'final'", a1: 'C2' });
    expect(splitAddress("'Sales!2026'!A1")).toEqual({ sheet: 'Sales!2026', a1: 'A1' });
    expect(splitAddress('D4:E5')).toEqual({ sheet: undefined, a1: 'D4:E5' });
  });
});
