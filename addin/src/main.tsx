import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, type Services } from './App.tsx';
import { createProxyClient, getAnnouncedProject } from './api/proxy.ts';
import { signInProject } from './auth/project.ts';
import { createEngineClient } from './engine/client.ts';
import { readSelection } from './office/excel.ts';
import { detectHost, officeThemeIsDark, workbookName } from './office/host.ts';
import { MaskingSession, policyOf } from './engine/masking.ts';
import type { MaskPolicy } from './engine/types.ts';
import { insertAtSelection, restoreSnapshot, writeCells } from './office/write.ts';
import { openDialogForMessage } from './office/dialog.ts';
import type { AuthService } from './auth/auth.ts';
import { DEFAULT_PREFERENCES, loadSettings, saveSettings } from './settings.ts';
import { ThemedPane } from './ThemedPane.tsx';
import { registerServiceWorker, type OfflineStatus } from './offline/register.ts';
import { MarkFirstRender } from './MarkFirstRender.tsx';

// The service worker waits for the page to finish loading, so precaching
// never competes with the first render for bandwidth. Development builds
// (Vite's dev server) have no precache list, so no worker.
const offlineStatus: Promise<OfflineStatus> = import.meta.env.PROD
  ? new Promise<void>((resolve) => {
      if (document.readyState === 'complete') resolve();
      else window.addEventListener('load', () => { resolve(); }, { once: true });
    }).then(() => registerServiceWorker())
  : Promise.resolve({ status: 'disabled' });

const mode = await detectHost();
const engine = createEngineClient();
const settings = loadSettings();
const signInWith = await signInProject({ saved: settings.supabase, announced: () => getAnnouncedProject(), storage: localStorage });
// supabase-js loads only when there is a sign-in project (not in local mode).
async function startAuth(): Promise<AuthService | null> {
  if (!signInWith) return null;
  const { createAuthService, createSupabaseAuth } = await import('./auth/auth.ts');
  return createAuthService(createSupabaseAuth(signInWith), mode === 'excel' ? { openDialog: (url) => openDialogForMessage(url) } : {});
}
const auth = await startAuth();
const proxy = createProxyClient({ getAccessToken: () => (auth ? auth.getAccessToken() : Promise.resolve(null)) });

// The proxy's model, asked once: the local estimate counts and prices for it.
let chatModel: Promise<string> | undefined;
const proxyModel = () => {
  chatModel ??= proxy.getChatModel().catch(async () => (await engine.priceTable()).models[0]?.model ?? '');
  return chatModel;
};
// The worker holds one masker: the workbook last opened on Preview & Mask.
let masking: Promise<MaskingSession> | undefined;
const openMasking = (workbook: string, policy: MaskPolicy) => {
  masking = MaskingSession.open(engine, localStorage, workbook, policy);
  return masking;
};

const services: Services = {
  profileFile: (file, sheet) => engine.profileFile(file, sheet),
  profileRange: (range) => engine.profileRange(range),
  readSelection: () => readSelection(),
  clean: {
    openFile: (file, sheet) => engine.openCleanerFile(file, sheet),
    openRange: (range) => engine.openCleanerRange(range),
    run: (recipe, options) => engine.runClean(recipe, options),
    values: () => engine.cleanedValues(),
    undo: () => engine.undoClean(),
    csv: () => engine.cleanedCsv(),
    diffPage: (start, count) => engine.cleanDiffPage(start, count),
  },
  applyToSheet: async (request) => {
    const snapshot = await writeCells(request);
    return { address: snapshot.address, undo: () => restoreSnapshot(snapshot) };
  },
  engineVersion: () => engine.version(),
  getHealth: () => proxy.getHealth(),
  chat: proxy,
  countTokens: (text, signal) => proxy.countTokens(text, signal),
  getUsage: () => proxy.getUsage(),
  buildWindow: async (input) => engine.buildWindow(input, await proxyModel()),
  masking: {
    open: openMasking,
    readFileRange: (file) => engine.readFileRange(file),
    workbookName: () => workbookName(),
    priceTable: () => engine.priceTable(),
    chatModel: proxyModel,
    unmask: async (text) => {
      // Inside Excel, answers about this workbook can be restored without opening the tab first.
      if (!masking && mode === 'excel') {
        const preferences = loadSettings().preferences ?? DEFAULT_PREFERENCES;
        void openMasking(workbookName(), policyOf(preferences.masking, preferences.columns));
      }
      return masking ? (await masking).unmask(text) : text;
    },
  },
  insertTable: async ({ values, numberFormat }) => {
    const snapshot = await insertAtSelection(values, numberFormat);
    return { address: snapshot.address, undo: () => restoreSnapshot(snapshot) };
  },
  insertFormula: async (formula) => {
    // A string starting with "=" written as a value is entered as a formula, as if typed.
    const snapshot = await insertAtSelection([[formula]]);
    return { address: snapshot.address, undo: () => restoreSnapshot(snapshot) };
  },
  requiresSignIn: () => proxy.requiresSignIn(),
  offlineStatus: () => offlineStatus,
  preferences: settings.preferences ?? DEFAULT_PREFERENCES,
  // Re-read before writing, so saving one setting never undoes another saved since start-up.
  savePreferences: (preferences) => {
    saveSettings({ ...loadSettings(), preferences });
  },
  exportMyData: () => proxy.exportMyData(),
  deleteMyData: () => proxy.deleteMyData(),
  auth,
  supabase: signInWith,
  saveSupabase: (config) => {
    saveSettings({ ...loadSettings(), supabase: config });
    // Sign-in is built once at start-up; a restart picks up the new project.
    window.location.reload();
  },
};


const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <ThemedPane officeIsDark={officeThemeIsDark()} colourScheme={window.matchMedia('(prefers-color-scheme: dark)')}>
      <App mode={mode} services={services} />
      <MarkFirstRender />
    </ThemedPane>
  </StrictMode>,
);
