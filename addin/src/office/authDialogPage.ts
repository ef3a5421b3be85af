// Entry of auth-dialog.html, the page inside the Office sign-in dialog.
import { dialogStep } from '../auth/dialogFlow.ts';
import { sendToParent } from './dialog.ts';

const step = dialogStep(new URL(window.location.href));
const status = document.getElementById('status');
if (step.kind === 'redirect') {
  window.location.replace(step.to);
} else {
  // messageParent works only once Office.js has started inside the dialog.
  void Office.onReady().then(() => {
    sendToParent(step.message);
    if (status) status.textContent = 'Signing in finished; this window closes by itself.';
  });
}
