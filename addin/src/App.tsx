import { useState, type ReactNode } from 'react';
import { Tab, TabList, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { ChatReply, Health } from './api/proxy.ts';
import type { FileProfile, OfficeRange, TableProfile } from './engine/types.ts';
import type { Selection } from './office/excel.ts';
import type { HostMode } from './office/host.ts';
import { ChatView } from './components/ChatView.tsx';
import { CleanView } from './components/CleanView.tsx';
import { PreviewView } from './components/PreviewView.tsx';
import { SettingsView } from './components/SettingsView.tsx';

/** Everything the pane does outside React, handed in so views are testable without Office or a worker. */
export interface Services {
  profileFile: (file: File, sheet?: string) => Promise<FileProfile>;
  profileRange: (range: OfficeRange) => Promise<TableProfile>;
  readSelection: () => Promise<Selection>;
  engineVersion: () => Promise<string>;
  getHealth: () => Promise<Health>;
  sendChatMessage: (conversationId: string, text: string) => Promise<ChatReply>;
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
    chat: <ChatView sendMessage={services.sendChatMessage} />,
    settings: <SettingsView getEngineVersion={services.engineVersion} getHealth={services.getHealth} />,
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
