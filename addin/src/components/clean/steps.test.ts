import { describe, expect, it } from 'vitest';
import { ledgerProfile } from '../../test/fixtures.ts';
import { editableSteps, parseTokens, recipeOf, stepTitle, withParam } from './steps.ts';

const suggested = {
  version: 1,
  steps: [
    { op: 'standardize', column: 'Amount', as: 'decimal' },
    { op: 'merge_variants', column: 'Account', threshold: 0.8 },
    { op: 'duplicates', threshold: 0.8, action: 'flag' },
  ],
};

describe('editable steps', () => {
  it('offers the suggestion switched on and a fill step, switched off, for each column with blanks before merging', () => {
    const steps = editableSteps(suggested, ledgerProfile);

    expect(steps.map((s) => [s.step.op, s.enabled])).toEqual([
      ['standardize', true],
      // Amount has one blank; Memo is empty throughout and gets no fill.
      ['fill_missing', false],
      ['merge_variants', true],
      ['duplicates', true],
    ]);
    expect(steps[1]?.step).toEqual({ op: 'fill_missing', column: 'Amount', strategy: 'median' });
    expect(new Set(steps.map((s) => s.id)).size).toBe(steps.length);
  });

  it('runs only the switched-on steps, in order, as the engine’s recipe JSON', () => {
    const steps = editableSteps(suggested, ledgerProfile).map((s) => (s.step.op === 'merge_variants' ? { ...s, enabled: false } : s));

    expect(recipeOf(steps)).toEqual({
      version: 1,
      steps: [
        { op: 'standardize', column: 'Amount', as: 'decimal' },
        { op: 'duplicates', threshold: 0.8, action: 'flag' },
      ],
    });
  });

  it('sets a parameter and removes one set to undefined, leaving the original alone', () => {
    const step = { op: 'duplicates', threshold: 0.8, keys: ['Date'] };
    expect(withParam(step, 'threshold', 0.95)).toEqual({ op: 'duplicates', threshold: 0.95, keys: ['Date'] });
    expect(withParam(step, 'keys', undefined)).toEqual({ op: 'duplicates', threshold: 0.8 });
    expect(step).toEqual({ op: 'duplicates', threshold: 0.8, keys: ['Date'] });
  });

  it('titles steps for people', () => {
    expect(stepTitle({ op: 'standardize', column: 'Amount', as: 'decimal' })).toBe('Standardize Amount as decimal');
    expect(stepTitle({ op: 'duplicates', threshold: 0.8 })).toBe('Find duplicate rows (all columns)');
    expect(stepTitle({ op: 'duplicates', keys: ['Date', 'Amount'] })).toBe('Find duplicate rows (Date, Amount)');
    expect(stepTitle({ op: 'check_dependency', determinant: 'Zip', dependent: 'City' })).toBe('Check dependency: Zip → City');
    expect(stepTitle({ op: 'fill_missing', column: 'Amount', strategy: 'mean' })).toBe('Fill missing values in Amount');
  });

  it('reads missing-value markers from a comma-separated list', () => {
    expect(parseTokens(' n/a, -,, none ')).toEqual(['n/a', '-', 'none']);
    expect(parseTokens(' , ')).toBeUndefined();
  });
});
