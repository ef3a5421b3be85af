import { OfficeMockObject } from 'office-addin-mock';
import { describe, expect, it, vi } from 'vitest';
import { DIALOG_CLOSED_BY_USER, openDialogForMessage, sendToParent } from './dialog.ts';

type Handler = (arg: { message: string; origin: string } | { error: number }) => void;

/** Office with a dialog that the test drives: `open` answers displayDialogAsync, handlers fire events. */
function mockOffice(open: 'ok' | 'fail') {
  const handlers = new Map<string, Handler>();
  const dialog = {
    close: vi.fn(),
    addEventHandler: (type: string, handler: Handler) => handlers.set(type, handler),
  };
  const messageParent = vi.fn();
  const displayDialogAsync = vi.fn((_url: string, _options: unknown, callback: (result: unknown) => void) => {
    callback(open === 'ok' ? { status: 'succeeded', value: dialog } : { status: 'failed', error: { code: 12007, message: 'A dialog box is already opened from this host window.' } });
  });
  const data = {
    // The common API (dialogs, not Excel.run batches) reads properties without load/sync,
    // which office-addin-mock models as its "outlook" host mode.
    host: 'outlook',
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    EventType: { DialogMessageReceived: 'dialogMessageReceived', DialogEventReceived: 'dialogEventReceived' },
    context: { ui: { displayDialogAsync, messageParent } },
  };
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  vi.stubGlobal('Office', new OfficeMockObject(data));
  return { handlers, dialog, displayDialogAsync, messageParent };
}

describe('openDialogForMessage', () => {
  it('resolves with the dialog’s message and closes it', async () => {
    const office = mockOffice('ok');
    const opened = openDialogForMessage('https://localhost:3000/auth-dialog.html?start=x', { width: 30 });
    office.handlers.get('dialogMessageReceived')?.({ message: '{"code":"abc"}', origin: 'https://localhost:3000' });
    await expect(opened).resolves.toBe('{"code":"abc"}');
    expect(office.dialog.close).toHaveBeenCalled();
    expect(office.displayDialogAsync).toHaveBeenCalledWith('https://localhost:3000/auth-dialog.html?start=x', { width: 30, height: 60, promptBeforeOpen: false }, expect.any(Function));
  });

  it('rejects clearly when the user closes the window', async () => {
    const office = mockOffice('ok');
    const opened = openDialogForMessage('/auth-dialog.html');
    office.handlers.get('dialogEventReceived')?.({ error: DIALOG_CLOSED_BY_USER });
    await expect(opened).rejects.toThrow('The sign-in window was closed before signing in finished.');
  });

  it('rejects with Office’s reason when the dialog cannot open', async () => {
    mockOffice('fail');
    await expect(openDialogForMessage('/auth-dialog.html')).rejects.toThrow('A dialog box is already opened from this host window.');
  });
});

describe('sendToParent', () => {
  it('hands the message to Office', () => {
    const office = mockOffice('ok');
    sendToParent('{"error":"access_denied"}');
    expect(office.messageParent).toHaveBeenCalledWith('{"error":"access_denied"}');
  });
});
