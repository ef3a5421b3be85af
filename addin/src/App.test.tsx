import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { App, type Services } from './App.tsx';
import { renderWithFluent } from './test/render.tsx';
import { ledgerFile, ledgerProfile } from './test/fixtures.ts';

function services(): Services {
  return {
    profileFile: vi.fn(() => Promise.resolve(ledgerFile)),
    profileRange: vi.fn(() => Promise.resolve(ledgerProfile)),
    readSelection: vi.fn(() => Promise.resolve({ address: 'A1', values: [] })),
    clean: {
      openFile: vi.fn(() => Promise.resolve({ profile: ledgerProfile, recipe: { version: 1, steps: [] }, sheetName: 'Sheet1', sheetNames: ['Sheet1'] })),
      openRange: vi.fn(() => Promise.resolve({ profile: ledgerProfile, recipe: { version: 1, steps: [] } })),
      run: vi.fn(() => Promise.reject(new Error('not used'))),
      values: vi.fn(() => Promise.reject(new Error('not used'))),
      undo: vi.fn(() => Promise.resolve(false)),
      csv: vi.fn(() => Promise.resolve(new Uint8Array())),
      diffPage: vi.fn(() => Promise.resolve([])),
    },
    engineVersion: vi.fn(() => Promise.resolve('0.1.0')),
    getHealth: vi.fn(() => Promise.resolve({ status: 'ok', version: '0.1.0' })),
    chat: {
      listConversations: vi.fn(() => Promise.resolve({ items: [], nextCursor: undefined })),
      getConversation: vi.fn(() => Promise.reject(new Error('not used'))),
      renameConversation: vi.fn(() => Promise.reject(new Error('not used'))),
      setConversationStatus: vi.fn(() => Promise.reject(new Error('not used'))),
      deleteConversation: vi.fn(() => Promise.resolve()),
      sendMessage: vi.fn(() => Promise.reject(new Error('not used'))),
    },
    requiresSignIn: vi.fn(() => Promise.resolve(false)),
    auth: null,
    supabase: undefined,
    saveSupabase: vi.fn(),
  };
}

describe('App', () => {
  it('has the four tabs and opens on Clean', () => {
    renderWithFluent(<App mode="browser" services={services()} />);

    const tabs = screen.getAllByRole('tab');
    expect(tabs).toHaveLength(4);
    ['Clean', 'Preview & Mask', 'Chat', 'Settings'].forEach((name, index) => {
      expect(tabs[index]).toHaveAccessibleName(name);
    });
    expect(screen.getByRole('tab', { name: 'Clean' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByRole('tabpanel', { name: 'Clean' })).toBeVisible();
    expect(screen.getByRole('button', { name: 'Choose a file' })).toBeVisible();
  });

  it('switches panels and says so when masking has no engine', async () => {
    renderWithFluent(<App mode="excel" services={services()} />);
    const user = userEvent.setup();

    await user.click(screen.getByRole('tab', { name: 'Preview & Mask' }));
    expect(screen.getByText('Masking is not available: the engine did not start.')).toBeVisible();
    expect(screen.queryByRole('button', { name: 'Profile selection' })).not.toBeInTheDocument();

    await user.click(screen.getByRole('tab', { name: 'Settings' }));
    expect(await screen.findByTestId('engine-version')).toHaveTextContent('version 0.1.0');
  });

  it('keeps preference changes through the service, and offers the data rights only when wired', async () => {
    const savePreferences = vi.fn();
    const wired = { ...services(), preferences: { masking: 'label', dateOrder: 'dmy', numberLocale: 'auto' } as const, savePreferences };
    const { unmount } = renderWithFluent(<App mode="browser" services={wired} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole('tab', { name: 'Settings' }));

    const masking = screen.getByRole('combobox', { name: /Mask personal data by default as/ });
    expect(masking).toHaveValue('label');
    await user.selectOptions(masking, 'redact');
    expect(savePreferences).toHaveBeenCalledWith({ masking: 'redact', dateOrder: 'dmy', numberLocale: 'auto' });
    expect(screen.getByRole('combobox', { name: /Mask personal data by default as/ })).toHaveValue('redact');
    expect(screen.queryByRole('button', { name: 'Export my data' })).not.toBeInTheDocument();
    unmount();

    renderWithFluent(
      <App
        mode="browser"
        services={{ ...services(), exportMyData: () => Promise.resolve({}), deleteMyData: () => Promise.resolve({ sheets: 0, conversations: 0 }) }}
      />,
    );
    await user.click(screen.getByRole('tab', { name: 'Settings' }));
    expect(screen.getByRole('button', { name: 'Export my data' })).toBeVisible();
    expect(screen.getByRole('button', { name: 'Delete my data' })).toBeVisible();
  });
});
