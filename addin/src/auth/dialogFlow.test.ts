import { describe, expect, it } from 'vitest';
import { dialogStep, isAuthorizeUrl } from './dialogFlow.ts';

const PANE = 'https://localhost:3000';

describe('dialogStep', () => {
  it('goes to the Supabase authorize URL it was opened with', () => {
    const start = 'https://abcd.supabase.co/auth/v1/authorize?provider=azure&code_challenge=x';
    expect(dialogStep(new URL(`${PANE}/auth-dialog.html?start=${encodeURIComponent(start)}`))).toEqual({ kind: 'redirect', to: start });
  });

  it('refuses any other start address (no open redirect)', () => {
    const step = dialogStep(new URL(`${PANE}/auth-dialog.html?start=${encodeURIComponent('https://evil.example/phish')}`));
    expect(step.kind).toBe('report');
    expect(JSON.parse(step.kind === 'report' ? step.message : '{}')).toMatchObject({ error: 'invalid_start' });
  });

  it('reports the code, or the provider’s error, back to the pane', () => {
    expect(dialogStep(new URL(`${PANE}/auth-dialog.html?code=abc-123`))).toEqual({ kind: 'report', message: '{"code":"abc-123"}' });
    const denied = dialogStep(new URL(`${PANE}/auth-dialog.html?error=access_denied&error_description=User%20cancelled`));
    expect(denied).toEqual({ kind: 'report', message: JSON.stringify({ error: 'access_denied', error_description: 'User cancelled' }) });
    expect(dialogStep(new URL(`${PANE}/auth-dialog.html`))).toMatchObject({ kind: 'report' });
  });
});

describe('isAuthorizeUrl', () => {
  it('wants https (or http on this machine), the authorize path and another origin than the pane', () => {
    expect(isAuthorizeUrl('http://127.0.0.1:54321/auth/v1/authorize', PANE)).toBe(true);
    expect(isAuthorizeUrl('http://abcd.supabase.co/auth/v1/authorize', PANE)).toBe(false);
    expect(isAuthorizeUrl(`${PANE}/auth/v1/authorize`, PANE)).toBe(false);
    expect(isAuthorizeUrl('javascript:alert(1)//auth/v1/authorize', PANE)).toBe(false);
    expect(isAuthorizeUrl('not a url', PANE)).toBe(false);
  });
});
