// The Office dialog used for sign-in: OAuth pages refuse to run inside the
// task pane's frame, so they open in a dialog window that reports back.

/** Office's code when the user closes the dialog window. */
export const DIALOG_CLOSED_BY_USER = 12006;

export interface DialogOptions {
  /** Percent of the screen. */
  width?: number;
  height?: number;
}

/**
 * Opens `url` (which must be on the pane's own origin at first; it may then
 * navigate away and come back) and resolves with the first message the page
 * sends with `messageParent`. Rejects if the dialog cannot open or is closed.
 */
export function openDialogForMessage(url: string, options: DialogOptions = {}): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    Office.context.ui.displayDialogAsync(url, { width: options.width ?? 40, height: options.height ?? 60, promptBeforeOpen: false }, (result) => {
      if (result.status !== Office.AsyncResultStatus.Succeeded) {
        reject(new Error(`The sign-in window could not open: ${result.error.message}`));
        return;
      }
      const dialog = result.value;
      dialog.addEventHandler(Office.EventType.DialogMessageReceived, (arg) => {
        dialog.close();
        if ('message' in arg) resolve(arg.message);
        else reject(new Error(`The sign-in window failed (${arg.error}).`));
      });
      dialog.addEventHandler(Office.EventType.DialogEventReceived, (arg) => {
        const code = 'error' in arg ? arg.error : 0;
        reject(new Error(code === DIALOG_CLOSED_BY_USER ? 'The sign-in window was closed before signing in finished.' : `The sign-in window failed (${code}).`));
      });
    });
  });
}

/** In the dialog page: hands `message` to the task pane that opened it. */
export function sendToParent(message: string): void {
  Office.context.ui.messageParent(message);
}
