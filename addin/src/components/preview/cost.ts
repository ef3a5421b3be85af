import type { PriceTable, ScanResult, OfficeRange, PiiType } from '../../engine/types.ts';

/** What sending `tokens` input tokens to `model` costs, from the engine's price table. */
export function inputCost(tokens: number, prices: PriceTable, model?: string | null): { amount: number; currency: string } | null {
  const price = prices.models.find((entry) => entry.model === model) ?? prices.models[0];
  if (!price) return null;
  const perMillion = price.longContext && tokens > price.longContext.aboveTokens ? price.longContext.inputPerMillion : price.inputPerMillion;
  return { amount: (tokens * perMillion) / 1_000_000, currency: prices.currency };
}

/** A small amount with enough digits to not read as zero: "$0.00012". */
export function formatCost(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumSignificantDigits: 2 }).format(amount);
  } catch {
    // A currency code Intl does not know is still shown, after the number.
    return `${amount.toPrecision(2)} ${currency}`;
  }
}

/** Detected personal data of one column: how many cells per type, and a few example values. */
export interface ColumnFindings {
  column: string;
  counts: Partial<Record<PiiType, number>>;
  examples: string[];
}

export const EXAMPLES_PER_COLUMN = 2;

/** Groups a scan by column, in column order, with up to two distinct examples each. */
export function findingsByColumn(scan: ScanResult, range: OfficeRange): ColumnFindings[] {
  const byColumn = new Map<number, ColumnFindings>();
  const headerRows = scan.hasHeader ? 1 : 0;
  for (const finding of scan.findings) {
    const entry = byColumn.get(finding.column) ?? { column: finding.columnName, counts: {}, examples: [] };
    byColumn.set(finding.column, entry);
    entry.counts[finding.type] = (entry.counts[finding.type] ?? 0) + 1;
    const cell = range.values[finding.row + headerRows]?.[finding.column];
    const example = String(cell ?? '').slice(finding.start, finding.end);
    if (example && entry.examples.length < EXAMPLES_PER_COLUMN && !entry.examples.includes(example)) entry.examples.push(example);
  }
  return [...byColumn.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry);
}

/** An example hidden until the user asks: its length shown, not its characters. */
export function hiddenExample(example: string): string {
  return '•'.repeat(Math.min(example.length, 12));
}
