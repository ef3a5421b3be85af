import { describe, expect, it, vi } from 'vitest';
import { registerServiceWorker } from './register.ts';

describe('registerServiceWorker', () => {
  it('registers /sw.js for the whole pane', async () => {
    const register = vi.fn<ServiceWorkerContainer['register']>(() => Promise.resolve({} as ServiceWorkerRegistration));
    await expect(registerServiceWorker({ register })).resolves.toEqual({ status: 'ready' });
    expect(register).toHaveBeenCalledWith('/sw.js', { scope: '/' });
  });

  it('says offline use is unavailable without service workers', async () => {
    await expect(registerServiceWorker(undefined)).resolves.toEqual({ status: 'unsupported' });
  });

  it('reports why registration failed instead of throwing', async () => {
    const register = vi.fn<ServiceWorkerContainer['register']>(() => Promise.reject(new DOMException('The operation is insecure.', 'SecurityError')));
    await expect(registerServiceWorker({ register })).resolves.toEqual({ status: 'failed', message: 'The operation is insecure.' });
  });
});
