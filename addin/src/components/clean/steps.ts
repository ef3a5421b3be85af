// The recipe as the Clean tab edits it: the engine's suggested steps plus
// optional missing-value steps, each switchable on and off. Only plain data
// (the engine's own step JSON) is kept, so what runs is exactly what is shown.
import type { ColumnProfile, ColumnType, Recipe, TableProfile } from '../../engine/types.ts';

export type RecipeStep = Recipe['steps'][number];

export interface EditableStep {
  /** Stable across edits, for React keys and labels. */
  id: string;
  enabled: boolean;
  step: RecipeStep;
}

export const COLUMN_TYPES: readonly ColumnType[] = [
  'boolean',
  'integer',
  'decimal',
  'currency',
  'percentage',
  'date',
  'datetime',
  'time',
  'duration',
  'email',
  'phone',
  'url',
  'identifier',
  'category',
  'text',
] as const;

export const TEXT_CASES = ['lower', 'upper', 'title'] as const;
export const DATE_ORDERS = ['dmy', 'mdy'] as const;
export const DUPLICATE_ACTIONS = [
  { value: 'flag', label: 'Flag only' },
  { value: 'keep_first', label: 'Keep first, remove the rest' },
  { value: 'keep_last', label: 'Keep last, remove the rest' },
  { value: 'remove', label: 'Remove every copy' },
] as const;
export const FILL_STRATEGIES = [
  { value: 'leave', label: 'Leave blank' },
  { value: 'value', label: 'A fixed value' },
  { value: 'mean', label: 'Mean' },
  { value: 'median', label: 'Median' },
  { value: 'mode', label: 'Most frequent value' },
  { value: 'forward', label: 'Previous value' },
  { value: 'backward', label: 'Next value' },
  { value: 'interpolate', label: 'Interpolate' },
] as const;

const NUMERIC: ReadonlySet<string> = new Set(['integer', 'decimal', 'currency', 'percentage']);

/** A sensible fill for a column's type: the median for numbers, the most frequent value otherwise. */
export function defaultFill(column: Pick<ColumnProfile, 'inferredType'>): string {
  return NUMERIC.has(column.inferredType) ? 'median' : 'mode';
}

/**
 * The steps to offer: the engine's suggestion, all switched on, and for every
 * column with blanks a missing-value step, switched off (filling is a
 * decision the user makes), placed before the merge and duplicate steps so
 * those see the filled values.
 */
export function editableSteps(recipe: Recipe, profile: TableProfile): EditableStep[] {
  const suggested = recipe.steps.map((step, index) => ({ id: `s${index}`, enabled: true, step: { ...step } }));
  const fills: EditableStep[] = profile.columns
    .filter((column) => column.missing > 0 && column.inferredType !== 'empty')
    .map((column, index) => ({
      id: `f${index}`,
      enabled: false,
      step: { op: 'fill_missing', column: column.name, strategy: defaultFill(column) },
    }));
  const firstLater = suggested.findIndex(({ step }) => step.op === 'merge_variants' || step.op === 'duplicates');
  const at = firstLater === -1 ? suggested.length : firstLater;
  return [...suggested.slice(0, at), ...fills, ...suggested.slice(at)];
}

/** The recipe to run: the switched-on steps, in order. */
export function recipeOf(steps: readonly EditableStep[]): Recipe {
  return { version: 1, steps: steps.filter((s) => s.enabled).map((s) => s.step) };
}

/**
 * Sets one parameter of a step. `undefined` removes it (the engine then
 * decides from the data), as the step JSON leaves out what is not set.
 */
export function withParam(step: RecipeStep, key: string, value: unknown): RecipeStep {
  if (value !== undefined) return { ...step, [key]: value };
  const entries = Object.entries(step).filter(([name]) => name !== key);
  return { ...Object.fromEntries(entries), op: step.op };
}

const OP_NAMES: Record<string, string> = {
  standardize: 'Standardize',
  fill_missing: 'Fill missing values',
  replace_values: 'Replace values',
  merge_variants: 'Merge spelling variants',
  check_dependency: 'Check dependency',
  duplicates: 'Find duplicate rows',
};

/** A short title for a step, e.g. "Standardize Amount as decimal". */
export function stepTitle(step: RecipeStep): string {
  const name = OP_NAMES[step.op] ?? step.op;
  const str = (key: string) => (typeof step[key] === 'string' ? (step[key]) : undefined);
  switch (step.op) {
    case 'standardize': {
      const as = str('as');
      return `${name} ${str('column') ?? ''}${as ? ` as ${as}` : ''}`;
    }
    case 'fill_missing':
    case 'replace_values':
    case 'merge_variants':
      return `${name} in ${str('column') ?? ''}`;
    case 'check_dependency':
      return `${name}: ${str('determinant') ?? ''} → ${str('dependent') ?? ''}`;
    case 'duplicates': {
      const keys = Array.isArray(step.keys) ? (step.keys as string[]) : [];
      return `${name} (${keys.length > 0 ? keys.join(', ') : 'all columns'})`;
    }
    default:
      return name;
  }
}

/** A threshold as the slider shows it: 0.8 → "0.80". */
export function formatThreshold(value: number): string {
  return value.toFixed(2);
}

/** Missing-value tokens typed as a comma-separated list; none means "the engine decides". */
export function parseTokens(text: string): string[] | undefined {
  const tokens = text
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token.length > 0);
  return tokens.length > 0 ? tokens : undefined;
}
