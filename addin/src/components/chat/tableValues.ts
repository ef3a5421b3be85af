// A Markdown table in an answer, as cells for the sheet. The table comes from
// the rendered tree (hast), so what is inserted is exactly what is shown.
import type { Element, ElementContent } from 'hast';
import type { CellValue } from '../../office/write.ts';

/** The text of every row of a `<table>` element: header rows first, then body rows. */
export function tableText(table: Element): string[][] {
  const rows: string[][] = [];
  const visit = (node: ElementContent) => {
    if (node.type !== 'element') return;
    if (node.tagName === 'tr') {
      rows.push(node.children.filter((cell): cell is Element => cell.type === 'element' && (cell.tagName === 'th' || cell.tagName === 'td')).map((cell) => textOf(cell).trim()));
      return;
    }
    node.children.forEach(visit);
  };
  table.children.forEach(visit);
  return rows;
}

function textOf(node: ElementContent): string {
  if (node.type === 'text') return node.value;
  if (node.type !== 'element') return '';
  if (node.tagName === 'br') return '\n';
  return node.children.map(textOf).join('');
}

/** Plain numbers, with optional thousands commas, a sign, a currency sign or a trailing percent. */
const NUMBER = /^([-+])?([$€£])?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(%)?$/;

export interface SheetCells {
  values: CellValue[][];
  numberFormat: string[][];
}

/**
 * Cells for the sheet: numbers become numbers (a percent a fraction with a
 * percent format), everything else stays text. Text that Excel would take
 * for a formula (`=`, `+`, `-`, `@`) is written with the Text format, so an
 * answer can never slip a formula into the workbook.
 */
export function sheetCells(rows: string[][]): SheetCells {
  const width = Math.max(0, ...rows.map((row) => row.length));
  const values: CellValue[][] = [];
  const numberFormat: string[][] = [];
  for (const row of rows) {
    const valueRow: CellValue[] = [];
    const formatRow: string[] = [];
    for (let index = 0; index < width; index += 1) {
      const [value, format] = sheetCell(row[index] ?? '');
      valueRow.push(value);
      formatRow.push(format);
    }
    values.push(valueRow);
    numberFormat.push(formatRow);
  }
  return { values, numberFormat };
}

function sheetCell(text: string): [CellValue, string] {
  const match = NUMBER.exec(text.trim());
  if (match) {
    const [, sign = '', currency, whole = '', fraction = '', percent] = match;
    const number = Number(`${sign}${whole.replace(/,/g, '')}${fraction}`);
    if (percent) return [number / 100, fraction ? `0.${'0'.repeat(fraction.length - 1)}%` : '0%'];
    if (currency) return [number, `${currency}#,##0${fraction ? '.00' : ''}`];
    if (whole.includes(',')) return [number, `#,##0${fraction ? `.${'0'.repeat(fraction.length - 1)}` : ''}`];
    return [number, 'General'];
  }
  if (/^[=+\-@]/.test(text)) return [text, '@'];
  return [text, 'General'];
}

/**
 * The Excel formula a code block holds, if it is exactly one: a single line
 * starting with "=" (answers put formulas in code blocks, e.g. ```excel).
 */
export function formulaOf(pre: Element): string | undefined {
  const text = textOf(pre).trim();
  if (!text.startsWith('=') || text.includes('\n') || text.length > 8192) return undefined;
  return text;
}
