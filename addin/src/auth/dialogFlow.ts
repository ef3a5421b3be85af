// What the sign-in dialog page does with its own URL. It first opens on the
// pane's origin with `?start=<provider URL>` (Office insists on that) and
// goes there; the provider later sends the user back with `?code=` or
// `?error=`, which the page hands to the pane.

export type DialogStep = { kind: 'redirect'; to: string } | { kind: 'report'; message: string };

/** Only Supabase's authorize endpoint is a valid start: the page is no open redirect. */
export function isAuthorizeUrl(candidate: string, paneOrigin: string): boolean {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1'));
  return secure && url.pathname.endsWith('/auth/v1/authorize') && url.origin !== paneOrigin;
}

export function dialogStep(location: URL): DialogStep {
  const params = location.searchParams;
  const start = params.get('start');
  if (start !== null) {
    if (isAuthorizeUrl(start, location.origin)) return { kind: 'redirect', to: start };
    return { kind: 'report', message: JSON.stringify({ error: 'invalid_start', error_description: 'The sign-in window was opened with an unexpected address.' }) };
  }
  const code = params.get('code');
  if (code) return { kind: 'report', message: JSON.stringify({ code }) };
  const error = params.get('error') ?? 'no_code';
  const description = params.get('error_description') ?? 'The sign-in provider sent no code back.';
  return { kind: 'report', message: JSON.stringify({ error, error_description: description }) };
}
