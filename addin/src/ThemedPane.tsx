import type { ReactNode } from 'react';
import { FluentProvider } from '@fluentui/react-components';
import { pickTheme } from './theme.ts';
import { useBrowserPrefersDark, type ColourSchemeQuery } from './useBrowserPrefersDark.ts';

export interface ThemedPaneProps {
  /** Office's theme (from office/host.ts), undefined outside Office. */
  officeIsDark: boolean | undefined;
  colourScheme: ColourSchemeQuery | undefined;
  children: ReactNode;
}

/** Fluent's provider with the theme of Office, or else of the browser (followed live). */
export function ThemedPane({ officeIsDark, colourScheme, children }: ThemedPaneProps) {
  const browserPrefersDark = useBrowserPrefersDark(colourScheme);
  return <FluentProvider theme={pickTheme(officeIsDark, browserPrefersDark)}>{children}</FluentProvider>;
}
