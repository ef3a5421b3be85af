import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ProxyError, type Health } from '../api/proxy.ts';
import { renderWithFluent } from '../test/render.tsx';
import { SettingsView } from './SettingsView.tsx';

describe('SettingsView', () => {
  it('shows the engine version and the server’s health', async () => {
    renderWithFluent(
      <SettingsView getEngineVersion={() => Promise.resolve('0.1.0')} getHealth={() => Promise.resolve({ status: 'ok', version: '0.2.0' })} />,
    );

    expect(await screen.findByTestId('engine-version')).toHaveTextContent('version 0.1.0');
    expect(await screen.findByTestId('server-health')).toHaveTextContent('ok, version 0.2.0');
  });

  it('shows why the server could not be checked, and checks again on request', async () => {
    const getHealth = vi
      .fn<() => Promise<Health>>()
      .mockRejectedValueOnce(new ProxyError(0, 'network_error', 'Could not reach the Ledgerlight server.'))
      .mockResolvedValueOnce({ status: 'ok', version: '0.2.0' });
    renderWithFluent(<SettingsView getEngineVersion={() => Promise.resolve('0.1.0')} getHealth={getHealth} />);

    expect(await screen.findByTestId('error-message')).toHaveTextContent('Could not reach the Ledgerlight server.');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Check again' }));

    expect(await screen.findByTestId('server-health')).toHaveTextContent('ok, version 0.2.0');
    expect(screen.queryByTestId('error-message')).not.toBeInTheDocument();
    expect(getHealth).toHaveBeenCalledTimes(2);
  });

  it('says whether the pane can open offline', async () => {
    renderWithFluent(
      <SettingsView
        getEngineVersion={() => Promise.resolve('0.1.0')}
        getHealth={() => Promise.resolve({ status: 'ok', version: '0.2.0' })}
        getOfflineStatus={() => Promise.resolve({ status: 'failed', message: 'The operation is insecure.' })}
      />,
    );
    expect(await screen.findByTestId('offline-status')).toHaveTextContent('not available: The operation is insecure.');
  });
});
