// The pane's own settings, in its own localStorage (never in the workbook).

import type { AuthConfig } from './auth/auth.ts';

export const SETTINGS_KEY = 'ledgerlight.settings.v1';

/** How detected personal data is masked unless the user picks otherwise per column. */
export const MASKING_DEFAULTS = ['pseudonym', 'label', 'partial', 'hash', 'redact'] as const;
export type MaskingDefault = (typeof MASKING_DEFAULTS)[number];

/** Hints for reading ambiguous cells; `auto` lets the engine decide from the data. */
export const DATE_ORDERS = ['auto', 'dmy', 'mdy'] as const;
export type DateOrderHint = (typeof DATE_ORDERS)[number];
export const NUMBER_LOCALES = ['auto', '1,234.56', '1.234,56', '1 234,56'] as const;
export type NumberLocaleHint = (typeof NUMBER_LOCALES)[number];

/** The per-column choices of the Preview & Mask tab (any operator of the policy). */
export const COLUMN_OPERATORS = ['keep', 'redact', 'label', 'partial', 'hash', 'pseudonym', 'generalize', 'drop'] as const;
export type ColumnOperator = (typeof COLUMN_OPERATORS)[number];

export interface Preferences {
  masking: MaskingDefault;
  /** Masking chosen per column name, over `masking`; saved as the user's default policy. */
  columns?: Record<string, ColumnOperator>;
  dateOrder: DateOrderHint;
  numberLocale: NumberLocaleHint;
}

export const DEFAULT_PREFERENCES: Preferences = { masking: 'pseudonym', dateOrder: 'auto', numberLocale: 'auto' };

function oneOf<T extends string>(allowed: readonly T[], value: unknown, fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/** Stored preferences, each unknown or missing field replaced by its default. */
export function preferencesOf(value: unknown): Preferences {
  const raw = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const preferences: Preferences = {
    masking: oneOf(MASKING_DEFAULTS, raw.masking, DEFAULT_PREFERENCES.masking),
    dateOrder: oneOf(DATE_ORDERS, raw.dateOrder, DEFAULT_PREFERENCES.dateOrder),
    numberLocale: oneOf(NUMBER_LOCALES, raw.numberLocale, DEFAULT_PREFERENCES.numberLocale),
  };
  const columns = columnChoicesOf(raw.columns);
  if (columns) preferences.columns = columns;
  return preferences;
}

/** Stored per-column choices, unknown operators left out; undefined when none is left. */
function columnChoicesOf(value: unknown): Record<string, ColumnOperator> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const entries = Object.entries(value).filter((entry): entry is [string, ColumnOperator] => COLUMN_OPERATORS.includes(entry[1] as ColumnOperator));
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

export interface PaneSettings {
  /** Masking defaults and locale hints; kept on this machine only. */
  preferences?: Preferences;
  /**
   * A Supabase project the user entered for sign-in. Usually absent: the
   * pane takes the one the proxy announces (auth/project.ts).
   */
  supabase?: AuthConfig;
}

type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>;

function store(): KeyValueStore | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

export function loadSettings(storage: KeyValueStore | undefined = store()): PaneSettings {
  try {
    const raw = storage?.getItem(SETTINGS_KEY);
    if (!raw) return {};
    const parsed = JSON.parse(raw) as { supabase?: { supabaseUrl?: unknown; anonKey?: unknown }; preferences?: unknown };
    const settings: PaneSettings = {};
    if (parsed.preferences !== undefined) settings.preferences = preferencesOf(parsed.preferences);
    const supabase = parsed.supabase;
    if (supabase && typeof supabase.supabaseUrl === 'string' && typeof supabase.anonKey === 'string' && checkSupabaseUrl(supabase.supabaseUrl) === null) {
      settings.supabase = { supabaseUrl: supabase.supabaseUrl, anonKey: supabase.anonKey };
    }
    return settings;
  } catch {
    // Unreadable settings are the same as none.
  }
  return {};
}

export function saveSettings(settings: PaneSettings, storage: KeyValueStore | undefined = store()): void {
  if (!storage) throw new Error('This browser does not let the pane keep settings.');
  storage.setItem(SETTINGS_KEY, JSON.stringify(settings));
}

/** Why a Supabase URL cannot be used, or null when it can: https, or http on this machine. */
export function checkSupabaseUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Enter the full project URL, like https://abcd.supabase.co.';
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) return 'The project URL must start with https://.';
  if (url.pathname !== '/' || url.search || url.hash) return 'Enter only the project URL, without a path.';
  return null;
}
