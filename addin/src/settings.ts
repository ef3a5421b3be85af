// The pane's own settings, in its own localStorage (never in the workbook).

import type { AuthConfig } from './auth/auth.ts';

export const SETTINGS_KEY = 'ledgerlight.settings.v1';

export interface PaneSettings {
  /**
   * The Supabase project for sign-in. The proxy has no public endpoint for
   * it yet, so the user (or an administrator's deployment) enters it here.
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
    const parsed = JSON.parse(raw) as { supabase?: { supabaseUrl?: unknown; anonKey?: unknown } };
    const supabase = parsed.supabase;
    if (supabase && typeof supabase.supabaseUrl === 'string' && typeof supabase.anonKey === 'string' && checkSupabaseUrl(supabase.supabaseUrl) === null) {
      return { supabase: { supabaseUrl: supabase.supabaseUrl, anonKey: supabase.anonKey } };
    }
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
