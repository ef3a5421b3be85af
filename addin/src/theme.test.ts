import { webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { describe, expect, it } from 'vitest';
import { pickTheme } from './theme.ts';

describe('pickTheme', () => {
  it('prefers Office’s theme over the browser’s', () => {
    expect(pickTheme(true, false)).toBe(webDarkTheme);
    expect(pickTheme(false, true)).toBe(webLightTheme);
  });

  it('falls back to the browser’s colour scheme outside Office', () => {
    expect(pickTheme(undefined, true)).toBe(webDarkTheme);
    expect(pickTheme(undefined, false)).toBe(webLightTheme);
  });
});
