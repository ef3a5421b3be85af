import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFERENCES, SETTINGS_KEY, checkSupabaseUrl, loadSettings, preferencesOf, saveSettings } from './settings.ts';

function memory() {
  const map = new Map<string, string>();
  return { map, getItem: (key: string) => map.get(key) ?? null, setItem: (key: string, value: string) => void map.set(key, value) };
}

describe('settings', () => {
  it('round-trips the Supabase project through the pane’s own storage', () => {
    const storage = memory();
    saveSettings({ supabase: { supabaseUrl: 'https://abcd.supabase.co', anonKey: 'anon' } }, storage);
    expect([...storage.map.keys()]).toEqual([SETTINGS_KEY]);
    expect(loadSettings(storage)).toEqual({ supabase: { supabaseUrl: 'https://abcd.supabase.co', anonKey: 'anon' } });
  });

  it('ignores unreadable or unsafe settings', () => {
    const storage = memory();
    storage.setItem(SETTINGS_KEY, '{not json');
    expect(loadSettings(storage)).toEqual({});
    storage.setItem(SETTINGS_KEY, JSON.stringify({ supabase: { supabaseUrl: 'http://abcd.supabase.co', anonKey: 'anon' } }));
    expect(loadSettings(storage)).toEqual({});
    expect(loadSettings(undefined)).toEqual({});
  });

  it('checks the project URL', () => {
    expect(checkSupabaseUrl('https://abcd.supabase.co')).toBeNull();
    expect(checkSupabaseUrl('http://127.0.0.1:54321')).toBeNull();
    expect(checkSupabaseUrl('http://abcd.supabase.co')).toMatch(/https/);
    expect(checkSupabaseUrl('https://abcd.supabase.co/rest/v1')).toMatch(/without a path/);
    expect(checkSupabaseUrl('abcd')).toMatch(/full project URL/);
  });

  it('keeps masking defaults and locale hints next to the sign-in project', () => {
    const storage = memory();
    const preferences = { masking: 'label', dateOrder: 'dmy', numberLocale: '1.234,56' } as const;
    saveSettings({ preferences, supabase: { supabaseUrl: 'https://abcd.supabase.co', anonKey: 'anon' } }, storage);
    expect(loadSettings(storage)).toEqual({ preferences, supabase: { supabaseUrl: 'https://abcd.supabase.co', anonKey: 'anon' } });
  });

  it('replaces unknown preference values by the defaults, field by field', () => {
    expect(preferencesOf({ masking: 'shred', dateOrder: 'mdy', numberLocale: 42 })).toEqual({ ...DEFAULT_PREFERENCES, dateOrder: 'mdy' });
    expect(preferencesOf('nonsense')).toEqual(DEFAULT_PREFERENCES);
  });
});

describe('per-column masking choices', () => {
  it('keeps known operators per column and drops unknown ones', () => {
    expect(preferencesOf({ masking: 'hash', columns: { Email: 'drop', Notes: 'shred', Amount: 'generalize' } })).toEqual({
      ...DEFAULT_PREFERENCES,
      masking: 'hash',
      columns: { Email: 'drop', Amount: 'generalize' },
    });
  });

  it('leaves the field out when no choice is usable', () => {
    expect(preferencesOf({ columns: { Email: 42 } })).toEqual(DEFAULT_PREFERENCES);
    expect(preferencesOf({ columns: 'drop' })).toEqual(DEFAULT_PREFERENCES);
  });
});
