import { webDarkTheme, webLightTheme, type Theme } from '@fluentui/react-components';

/** Office's theme wins inside Excel; elsewhere the browser's colour-scheme preference decides. */
export function pickTheme(officeIsDark: boolean | undefined, browserPrefersDark: boolean): Theme {
  return (officeIsDark ?? browserPrefersDark) ? webDarkTheme : webLightTheme;
}
