import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { FluentProvider } from '@fluentui/react-components';
import { App, type Services } from './App.tsx';
import { getHealth, sendChatMessage } from './api/proxy.ts';
import { createEngineClient } from './engine/client.ts';
import { readSelection } from './office/excel.ts';
import { detectHost, officeThemeIsDark } from './office/host.ts';
import { pickTheme } from './theme.ts';

const mode = await detectHost();
const engine = createEngineClient();

const services: Services = {
  profileFile: (file, sheet) => engine.profileFile(file, sheet),
  profileRange: (range) => engine.profileRange(range),
  readSelection,
  engineVersion: () => engine.version(),
  getHealth: () => getHealth(),
  sendChatMessage: (conversationId, text) => sendChatMessage(conversationId, text),
};

const theme = pickTheme(officeThemeIsDark(), window.matchMedia('(prefers-color-scheme: dark)').matches);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <FluentProvider theme={theme}>
      <App mode={mode} services={services} />
    </FluentProvider>
  </StrictMode>,
);
