import type { Element } from 'hast';
import { describe, expect, it } from 'vitest';
import { formulaOf, sheetCells, tableText } from './tableValues.ts';

const cell = (tag: 'th' | 'td', ...children: Element['children']): Element => ({ type: 'element', tagName: tag, properties: {}, children });
const text = (value: string) => ({ type: 'text' as const, value });
const row = (...cells: Element[]): Element => ({ type: 'element', tagName: 'tr', properties: {}, children: [text('\n'), ...cells] });

describe('tableText', () => {
  it('reads header and body rows, flattening inline markup', () => {
    const table: Element = {
      type: 'element',
      tagName: 'table',
      properties: {},
      children: [
        { type: 'element', tagName: 'thead', properties: {}, children: [row(cell('th', text('Region')), cell('th', text('Total')))] },
        {
          type: 'element',
          tagName: 'tbody',
          properties: {},
          children: [row(cell('td', { type: 'element', tagName: 'strong', properties: {}, children: [text(' North ')] }), cell('td', text('1,200')))],
        },
      ],
    };
    expect(tableText(table)).toEqual([
      ['Region', 'Total'],
      ['North', '1,200'],
    ]);
  });
});

describe('sheetCells', () => {
  it('turns numbers into numbers with matching formats and keeps the rest text', () => {
    expect(sheetCells([['Plain', '42', '-3.5', '1,234,567', '12.5%', '$1,200.00', 'N/A', '007x']])).toEqual({
      values: [['Plain', 42, -3.5, 1234567, 0.125, 1200, 'N/A', '007x']],
      numberFormat: [['General', 'General', 'General', '#,##0', '0.0%', '$#,##0.00', 'General', 'General']],
    });
  });

  it('writes formula-like text with the Text format so it never runs', () => {
    const cells = sheetCells([['=HYPERLINK("http://x")', '+1+1', '-cmd', '@SUM(A1)']]);
    expect(cells.values).toEqual([['=HYPERLINK("http://x")', '+1+1', '-cmd', '@SUM(A1)']]);
    expect(cells.numberFormat).toEqual([['@', '@', '@', '@']]);
  });

  it('pads ragged rows to a rectangle', () => {
    expect(sheetCells([['a', 'b'], ['c']]).values).toEqual([
      ['a', 'b'],
      ['c', ''],
    ]);
  });
});

describe('formulaOf', () => {
  const pre = (value: string): Element => ({ type: 'element', tagName: 'pre', properties: {}, children: [{ type: 'element', tagName: 'code', properties: {}, children: [text(value)] }] });
  it('finds a single-line formula and nothing else', () => {
    expect(formulaOf(pre('=SUM(A1:A9)\n'))).toBe('=SUM(A1:A9)');
    expect(formulaOf(pre('=A1\n=A2'))).toBeUndefined();
    expect(formulaOf(pre('SUM(A1)'))).toBeUndefined();
  });
});
