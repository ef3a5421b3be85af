import { describe, expect, it } from 'vitest';
import { ANNOUNCED_PROJECT_KEY, signInProject } from './project.ts';

const ANNOUNCED = { supabaseUrl: 'https://abcd.supabase.co', anonKey: 'anon-a' };

function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

describe('signInProject', () => {
  it('takes the project the proxy announces and remembers it', async () => {
    const storage = memoryStorage();
    await expect(signInProject({ saved: undefined, announced: () => Promise.resolve(ANNOUNCED), storage })).resolves.toEqual(ANNOUNCED);
    expect(JSON.parse(storage.items.get(ANNOUNCED_PROJECT_KEY) ?? '')).toEqual(ANNOUNCED);
  });

  it('lets a project the user saved win without asking the proxy', async () => {
    const saved = { supabaseUrl: 'https://mine.supabase.co', anonKey: 'mine' };
    let asked = false;
    const announced = () => {
      asked = true;
      return Promise.resolve(ANNOUNCED);
    };
    await expect(signInProject({ saved, announced, storage: memoryStorage() })).resolves.toEqual(saved);
    expect(asked).toBe(false);
  });

  it('uses the remembered project when the proxy cannot be reached or is too slow', async () => {
    const storage = memoryStorage({ [ANNOUNCED_PROJECT_KEY]: JSON.stringify(ANNOUNCED) });
    await expect(signInProject({ saved: undefined, announced: () => Promise.reject(new TypeError('Failed to fetch')), storage })).resolves.toEqual(ANNOUNCED);
    const never = () => new Promise<never>(() => undefined);
    await expect(signInProject({ saved: undefined, announced: never, storage, timeoutMs: 10 })).resolves.toEqual(ANNOUNCED);
    await expect(signInProject({ saved: undefined, announced: never, storage: memoryStorage(), timeoutMs: 10 })).resolves.toBeUndefined();
  });

  it('forgets the project when the proxy no longer announces one, and ignores unusable ones', async () => {
    const storage = memoryStorage({ [ANNOUNCED_PROJECT_KEY]: JSON.stringify(ANNOUNCED) });
    await expect(signInProject({ saved: undefined, announced: () => Promise.resolve(null), storage })).resolves.toBeUndefined();
    expect(storage.items.has(ANNOUNCED_PROJECT_KEY)).toBe(false);
    const plainHttp = { supabaseUrl: 'http://abcd.supabase.co', anonKey: 'x' };
    await expect(signInProject({ saved: undefined, announced: () => Promise.resolve(plainHttp), storage })).resolves.toBeUndefined();
    storage.items.set(ANNOUNCED_PROJECT_KEY, '{not json');
    await expect(signInProject({ saved: undefined, announced: () => Promise.reject(new Error('offline')), storage })).resolves.toBeUndefined();
  });
});
