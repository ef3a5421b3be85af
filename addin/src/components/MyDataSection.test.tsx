import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ProxyError } from '../api/http.ts';
import type { DeletedData } from '../api/myData.ts';
import { renderWithFluent } from '../test/render.tsx';
import { MyDataSection } from './MyDataSection.tsx';

/**
 * The open confirmation dialog, found by its title. A role query over the
 * whole page walks the accessibility of every element and took over 5 s on
 * a loaded CI; within the dialog it has a handful to walk.
 */
async function confirmationDialog(): Promise<HTMLElement> {
  const title = await screen.findByText('Delete your data?');
  const dialog = title.closest<HTMLElement>('[role="dialog"]');
  if (!dialog) throw new Error('the title is not inside a dialog');
  return dialog;
}

function setup(overrides: { exportData?: () => Promise<Record<string, unknown>>; deleteData?: () => Promise<DeletedData> } = {}) {
  const exportData = vi.fn(overrides.exportData ?? (() => Promise.resolve({ profile: { id: 'u' } })));
  const deleteData = vi.fn(overrides.deleteData ?? (() => Promise.resolve({ sheets: 1, conversations: 3 })));
  const download = vi.fn<(fileName: string, value: unknown) => void>();
  renderWithFluent(<MyDataSection exportData={exportData} deleteData={deleteData} download={download} />);
  return { exportData, deleteData, download, user: userEvent.setup() };
}

describe('MyDataSection', () => {
  it('downloads the export as JSON', async () => {
    const { download, user } = setup();
    await user.click(screen.getByRole('button', { name: 'Export my data' }));
    expect(await screen.findByTestId('my-data-done')).toHaveTextContent('downloaded as ledgerlight-export.json');
    expect(download).toHaveBeenCalledWith('ledgerlight-export.json', { profile: { id: 'u' } });
  });

  it('deletes nothing until the user confirms', async () => {
    const { deleteData, user } = setup();
    await user.click(screen.getByRole('button', { name: 'Delete my data' }));
    const dialog = await confirmationDialog();
    expect(dialog).toHaveTextContent('This cannot be undone.');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => {
      expect(screen.queryByText('Delete your data?')).not.toBeInTheDocument();
    });
    expect(deleteData).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Delete my data' }));
    await user.click(within(await confirmationDialog()).getByRole('button', { name: 'Delete everything' }));
    expect(await screen.findByTestId('my-data-done')).toHaveTextContent('Deleted 1 saved sheet and 3 conversations.');
    expect(deleteData).toHaveBeenCalledTimes(1);
  });

  it('keeps the dialog readable when it is reopened right after a cancel', async () => {
    // With one modalizer id for every opening, tabster sometimes left the
    // reopened dialog aria-hidden for good (5 of 40 reopenings on a loaded
    // machine); a role query cannot see inside an aria-hidden dialog.
    const { deleteData, user } = setup();
    for (let opening = 0; opening < 10; opening++) {
      await user.click(screen.getByRole('button', { name: 'Delete my data' }));
      const dialog = await confirmationDialog();
      expect(dialog).not.toHaveAttribute('aria-hidden');
      await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
      await waitFor(() => {
        expect(screen.queryByText('Delete your data?')).not.toBeInTheDocument();
      });
    }
    expect(deleteData).not.toHaveBeenCalled();
  });

  it('shows why an export or a deletion failed', async () => {
    const { user } = setup({
      exportData: () => Promise.reject(new ProxyError(401, 'unauthorized', 'Sign in to export your data.')),
      deleteData: () => Promise.reject(new ProxyError(0, 'network_error', 'Could not reach the Ledgerlight server.')),
    });
    await user.click(screen.getByRole('button', { name: 'Export my data' }));
    expect(await screen.findByTestId('error-message')).toHaveTextContent('Sign in to export your data.');
    await user.click(screen.getByRole('button', { name: 'Delete my data' }));
    await user.click(within(await confirmationDialog()).getByRole('button', { name: 'Delete everything' }));
    await waitFor(() => {
      expect(screen.getByTestId('error-message')).toHaveTextContent('Could not reach the Ledgerlight server.');
    });
  });
});
