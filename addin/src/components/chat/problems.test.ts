import { describe, expect, it } from 'vitest';
import { ProxyError } from '../../api/http.ts';
import { problemOf, sentence } from './problems.ts';

const NOW = Date.parse('2026-11-26T10:00:00Z');

describe('problemOf', () => {
  it('tells offline from an unreachable server', () => {
    const error = new ProxyError(0, 'network_error', 'Could not reach the Ledgerlight server.');
    expect(problemOf(error, NOW, false)).toMatchObject({ kind: 'offline', title: 'Offline' });
    expect(problemOf(error, NOW, true)).toMatchObject({ kind: 'offline', title: 'Server unreachable' });
  });

  it('turns Retry-After into a time to try again', () => {
    expect(problemOf(new ProxyError(429, 'upstream_rate_limited', 'Gemini is rate-limiting this server; try again in a moment', 5), NOW)).toMatchObject({
      kind: 'rate_limited',
      retryAt: NOW + 5000,
    });
    expect(problemOf(new ProxyError(429, 'rate_limited', 'too many requests; slow down'), NOW).retryAt).toBeUndefined();
  });

  it('treats any other 422 as a refusal to send and other failures as errors', () => {
    expect(problemOf(new ProxyError(422, 'unprocessable', 'no'), NOW)).toMatchObject({ kind: 'pii_blocked', intent: 'warning' });
    expect(problemOf(new Error('boom'), NOW)).toMatchObject({ kind: 'error', intent: 'error', message: 'boom' });
  });
});

describe('sentence', () => {
  it('capitalises and ends with a full stop once', () => {
    expect(sentence('too many requests; slow down')).toBe('Too many requests; slow down.');
    expect(sentence('Done!')).toBe('Done!');
    expect(sentence('  ')).toBe('');
  });
});
