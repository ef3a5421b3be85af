import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { Tab, TabList, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { Health } from './api/proxy.ts';
import type { TokenCount, Usage } from './api/conversations.ts';
import type { ChatWindow, FileProfile, MaskPolicy, OfficeRange, PriceTable, TableProfile, WindowInput } from './engine/types.ts';
import type { Selection } from './office/excel.ts';
import type { HostMode } from './office/host.ts';
import { ChatView, type ChatApi, type InsertedTable, type TokenEstimateSlot } from './components/chat/ChatView.tsx';
import type { SheetCells } from './components/chat/tableValues.ts';
import { CleanView, type AppliedWrite, type CleanApi } from './components/CleanView.tsx';
import type { WriteRequest } from './office/write.ts';
import { PreviewView, type ConfirmedContext, type MaskingApi } from './components/PreviewView.tsx';
import { LocalTokenEstimate } from './components/chat/LocalTokenEstimate.tsx';
import { SettingsView } from './components/SettingsView.tsx';
import { AccountSection } from './components/auth/AccountSection.tsx';
import { ChatGate } from './components/auth/ChatGate.tsx';
import { useAuthUser } from './components/auth/useAuthUser.ts';
import type { AuthConfig, AuthService } from './auth/auth.ts';
import type { DeletedData } from './api/myData.ts';
import type { OfflineStatus } from './offline/register.ts';
import { MyDataSection } from './components/MyDataSection.tsx';
import { PreferencesSection } from './components/PreferencesSection.tsx';
import { downloadJson } from './components/download.ts';
import { DEFAULT_PREFERENCES, type Preferences } from './settings.ts';

/** Everything the pane does outside React, handed in so views are testable without Office or a worker. */
export interface Services {
  profileFile: (file: File, sheet?: string) => Promise<FileProfile>;
  profileRange: (range: OfficeRange) => Promise<TableProfile>;
  readSelection: () => Promise<Selection>;
  /** The engine's cleaner (Clean tab); absent when the engine did not start. */
  clean?: CleanApi;
  /** Only inside Excel: writes a cleaned selection back, undoably. */
  applyToSheet?: (request: WriteRequest) => Promise<AppliedWrite>;
  engineVersion: () => Promise<string>;
  getHealth: () => Promise<Health>;
  chat: ChatApi;
  countTokens?: (text: string, signal: AbortSignal) => Promise<TokenCount>;
  getUsage?: () => Promise<Usage>;
  /** Only inside Excel. */
  insertTable?: (cells: SheetCells) => Promise<InsertedTable>;
  insertFormula?: (formula: string) => Promise<InsertedTable>;
  /** A token estimate to show instead of the engine's local one (tests). */
  tokenEstimate?: TokenEstimateSlot;
  /** The engine's chat window for the proxy's model: the local token and cost estimate. */
  buildWindow?: (input: WindowInput) => Promise<ChatWindow>;
  /** Masking (Preview & Mask tab): the engine's masker for a workbook, with its vault kept on this machine. */
  masking?: {
    open: (workbook: string, policy: MaskPolicy) => Promise<MaskingApi>;
    readFileRange: (file: File) => Promise<OfficeRange>;
    workbookName: () => string;
    priceTable: () => Promise<PriceTable>;
    /** The proxy's model, to price the preview for it. */
    chatModel: () => Promise<string>;
    /** Restores the open workbook's pseudonyms in an answer. */
    unmask: (text: string) => Promise<string>;
  };
  /** False when the proxy serves one local user without sign-in. */
  requiresSignIn: () => Promise<boolean>;
  /** Sign-in, or null while no Supabase project is configured. */
  auth: AuthService | null;
  supabase: AuthConfig | undefined;
  saveSupabase: (config: AuthConfig) => void;
  /** Whether the service worker lets the pane open offline. */
  offlineStatus?: () => Promise<OfflineStatus>;
  /** Masking defaults and locale hints, stored on this machine. */
  preferences?: Preferences;
  savePreferences?: (preferences: Preferences) => void;
  /** The user's data on the server: GET /api/v1/me/export, and deleting sheets and conversations. */
  exportMyData?: () => Promise<Record<string, unknown>>;
  deleteMyData?: () => Promise<DeletedData>;
  /** Hands a JSON value to the user as a file; the browser download by default. */
  download?: (fileName: string, value: unknown) => void;
}

const TABS = [
  { value: 'clean', label: 'Clean' },
  { value: 'preview', label: 'Preview & Mask' },
  { value: 'chat', label: 'Chat' },
  { value: 'settings', label: 'Settings' },
] as const;

type TabValue = (typeof TABS)[number]['value'];

const useStyles = makeStyles({
  app: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    minHeight: '100vh',
    boxSizing: 'border-box',
    padding: tokens.spacingHorizontalM,
    minWidth: '280px',
  },
  // Four tabs do not fit on one line of a 320px pane; they wrap instead of clipping.
  tabs: { flexWrap: 'wrap' },
  panel: { paddingTop: tokens.spacingVerticalS },
});

export interface AppProps {
  mode: HostMode;
  services: Services;
}

export function App({ mode, services }: AppProps) {
  const styles = useStyles();
  const [selected, setSelected] = useState<TabValue>('clean');
  const [preferences, setPreferences] = useState<Preferences>(services.preferences ?? DEFAULT_PREFERENCES);
  const session = useAuthUser(services.auth);
  const user = services.auth && session.status === 'ready' ? session.user : undefined;
  // The payload the user confirmed on Preview & Mask: the only sheet data the chat sends.
  const [confirmed, setConfirmed] = useState<ConfirmedContext | null>(null);
  const [chatModel, setChatModel] = useState<string | null>(null);
  const masking = services.masking;
  const readSelection = services.readSelection;
  useEffect(() => {
    let current = true;
    // Without the proxy's model the preview is priced for the engine's default one.
    masking?.chatModel().then(
      (model) => {
        if (current) setChatModel(model);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [masking]);
  const savePreferences = (next: Preferences) => {
    setPreferences(next);
    services.savePreferences?.(next);
  };
  const getSheetContext = useCallback(async (): Promise<string | undefined> => {
    if (!confirmed) return undefined;
    if (mode === 'excel') {
      // A different selection than the one previewed voids the confirmation.
      const now = await readSelection();
      if (JSON.stringify(now.values) !== JSON.stringify(confirmed.range.values)) {
        setConfirmed(null);
        throw new Error('The selection changed since you confirmed its preview, so nothing was sent. Preview it again on the Preview & Mask tab.');
      }
    }
    return confirmed.payload;
  }, [confirmed, mode, readSelection]);
  const buildWindow = services.buildWindow;
  const tokenEstimate: TokenEstimateSlot | undefined =
    services.tokenEstimate ??
    (buildWindow
      ? (draft, history) => <LocalTokenEstimate draft={draft} history={history} sheetContext={confirmed?.payload ?? null} buildWindow={buildWindow} />
      : undefined);

  const panels: Record<TabValue, ReactNode> = {
    clean: services.clean ? (
      <CleanView
        mode={mode}
        readSelection={services.readSelection}
        clean={services.clean}
        applyToSheet={mode === 'excel' ? services.applyToSheet : undefined}
      />
    ) : (
      <Text>Cleaning is not available: the engine did not start.</Text>
    ),
    preview: masking ? (
      <PreviewView
        mode={mode}
        readSelection={readSelection}
        readFileRange={masking.readFileRange}
        workbookName={masking.workbookName}
        openMasking={masking.open}
        priceTable={masking.priceTable}
        model={chatModel}
        preferences={preferences}
        onPreferencesChange={savePreferences}
        confirmed={confirmed}
        onConfirmedChange={setConfirmed}
      />
    ) : (
      <Text>Masking is not available: the engine did not start.</Text>
    ),
    chat: (
      <ChatGate requiresSignIn={services.requiresSignIn} auth={services.auth} microsoftAvailable={mode === 'excel'}>
        {(userId) => (
          // A different user gets a fresh chat, never the previous user's list.
          <ChatView
            key={userId ?? 'local'}
            api={services.chat}
            countTokens={services.countTokens}
            getUsage={services.getUsage}
            insertTable={mode === 'excel' ? services.insertTable : undefined}
            insertFormula={mode === 'excel' ? services.insertFormula : undefined}
            tokenEstimate={tokenEstimate}
            getSheetContext={confirmed ? getSheetContext : undefined}
            unmask={masking?.unmask}
          />
        )}
      </ChatGate>
    ),
    settings: (
      <>
        <SettingsView getEngineVersion={services.engineVersion} getHealth={services.getHealth} getOfflineStatus={services.offlineStatus} />
        <PreferencesSection
          preferences={preferences}
          onChange={savePreferences}
        />
        {services.exportMyData && services.deleteMyData && (
          <MyDataSection exportData={services.exportMyData} deleteData={services.deleteMyData} download={services.download ?? downloadJson} />
        )}
        <AccountSection
          user={user}
          signOut={services.auth ? () => services.auth?.signOut() ?? Promise.resolve() : undefined}
          supabase={services.supabase}
          saveSupabase={services.saveSupabase}
        />
      </>
    ),
  };

  return (
    <main className={styles.app}>
      <Text as="h1" size={400} weight="semibold">
        Ledgerlight
      </Text>
      <TabList
        className={styles.tabs}
        size="small"
        selectedValue={selected}
        onTabSelect={(_event, data) => {
          setSelected(data.value as TabValue);
        }}
      >
        {TABS.map((tab) => (
          <Tab key={tab.value} id={`tab-${tab.value}`} value={tab.value} aria-controls={`panel-${tab.value}`}>
            {tab.label}
          </Tab>
        ))}
      </TabList>
      {/* Panels stay mounted so a profile or a draft survives switching tabs. */}
      {TABS.map((tab) => (
        <section
          key={tab.value}
          id={`panel-${tab.value}`}
          role="tabpanel"
          aria-labelledby={`tab-${tab.value}`}
          hidden={selected !== tab.value}
          className={styles.panel}
        >
          {panels[tab.value]}
        </section>
      ))}
    </main>
  );
}
