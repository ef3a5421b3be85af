import { useState, type ReactNode } from 'react';
import { Tab, TabList, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { Health } from './api/proxy.ts';
import type { TokenCount, Usage } from './api/conversations.ts';
import type { FileProfile, OfficeRange, TableProfile } from './engine/types.ts';
import type { Selection } from './office/excel.ts';
import type { HostMode } from './office/host.ts';
import { ChatView, type ChatApi, type InsertedTable, type TokenEstimateSlot } from './components/chat/ChatView.tsx';
import type { SheetCells } from './components/chat/tableValues.ts';
import { CleanView } from './components/CleanView.tsx';
import { PreviewView } from './components/PreviewView.tsx';
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
  engineVersion: () => Promise<string>;
  getHealth: () => Promise<Health>;
  chat: ChatApi;
  countTokens?: (text: string, signal: AbortSignal) => Promise<TokenCount>;
  getUsage?: () => Promise<Usage>;
  /** Only inside Excel. */
  insertTable?: (cells: SheetCells) => Promise<InsertedTable>;
  insertFormula?: (formula: string) => Promise<InsertedTable>;
  /** The engine's local token estimate, once wired in. */
  tokenEstimate?: TokenEstimateSlot;
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

  const panels: Record<TabValue, ReactNode> = {
    clean: (
      <CleanView
        mode={mode}
        profileFile={services.profileFile}
        profileRange={services.profileRange}
        readSelection={services.readSelection}
      />
    ),
    preview: <PreviewView />,
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
            tokenEstimate={services.tokenEstimate}
          />
        )}
      </ChatGate>
    ),
    settings: (
      <>
        <SettingsView getEngineVersion={services.engineVersion} getHealth={services.getHealth} getOfflineStatus={services.offlineStatus} />
        <PreferencesSection
          preferences={preferences}
          onChange={(next) => {
            setPreferences(next);
            services.savePreferences?.(next);
          }}
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
