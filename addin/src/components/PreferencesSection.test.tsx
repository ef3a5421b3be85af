import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_PREFERENCES, type Preferences } from '../settings.ts';
import { renderWithFluent } from '../test/render.tsx';
import { PreferencesSection } from './PreferencesSection.tsx';

describe('PreferencesSection', () => {
  it('shows the stored choices and reports each change with the others kept', async () => {
    const onChange = vi.fn<(preferences: Preferences) => void>();
    renderWithFluent(<PreferencesSection preferences={{ ...DEFAULT_PREFERENCES, numberLocale: '1.234,56' }} onChange={onChange} />);
    const user = userEvent.setup();

    expect(screen.getByRole('combobox', { name: /Numbers are written like/ })).toHaveValue('1.234,56');
    await user.selectOptions(screen.getByRole('combobox', { name: /Mask personal data by default as/ }), 'label');
    expect(onChange).toHaveBeenLastCalledWith({ masking: 'label', dateOrder: 'auto', numberLocale: '1.234,56' });
    await user.selectOptions(screen.getByRole('combobox', { name: /Dates like/ }), 'mdy');
    expect(onChange).toHaveBeenLastCalledWith({ masking: 'pseudonym', dateOrder: 'mdy', numberLocale: '1.234,56' });
  });
});
