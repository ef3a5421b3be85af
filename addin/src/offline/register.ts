// Registers the service worker that lets the pane open without network.

import { messageOf } from '../errors.ts';

export type OfflineStatus =
  | { status: 'ready' }
  | { status: 'unsupported' }
  /** Development builds (Vite's dev server) have no precache list. */
  | { status: 'disabled' }
  | { status: 'failed'; message: string };

type Registrar = Pick<ServiceWorkerContainer, 'register'>;

/** Registers `/sw.js`; says whether offline use is available rather than throwing. */
export async function registerServiceWorker(container: Registrar | undefined = 'serviceWorker' in navigator ? navigator.serviceWorker : undefined): Promise<OfflineStatus> {
  // Plain http on another host than localhost has no service workers.
  if (!container) return { status: 'unsupported' };
  try {
    // A classic script (the build checks sw.js has no imports or exports):
    // older WebKit webviews (Excel on Mac) have no module service workers.
    await container.register('/sw.js', { scope: '/' });
    return { status: 'ready' };
  } catch (thrown) {
    return { status: 'failed', message: messageOf(thrown) };
  }
}
