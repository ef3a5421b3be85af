// What went wrong with chat, as a state the pane explains to the user.
import { ProxyError } from '../../api/proxy.ts';
import { messageOf } from '../../errors.ts';

export type ProblemKind =
  | 'not_configured'
  | 'offline'
  | 'rate_limited'
  | 'budget_exhausted'
  | 'pii_blocked'
  | 'context_too_large'
  | 'sign_in'
  | 'error';

export interface ChatProblem {
  kind: ProblemKind;
  intent: 'error' | 'warning';
  title: string;
  message: string;
  /** When sending may work again (ms since the epoch), for limits with Retry-After. */
  retryAt?: number;
}

export const OFFLINE_PROBLEM: ChatProblem = {
  kind: 'offline',
  intent: 'warning',
  title: 'Offline',
  message: 'No connection. Chat comes back by itself when the connection returns; cleaning and masking keep working.',
};

/** The clock time `at` as the user reads it, e.g. 14:05:30. */
export function clockTime(at: number, locale?: string): string {
  return new Date(at).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function problemOf(thrown: unknown, now: number, online = true): ChatProblem {
  if (!(thrown instanceof ProxyError)) return { kind: 'error', intent: 'error', title: 'Error', message: messageOf(thrown) };
  const retryAt = thrown.retryAfterSeconds === undefined ? undefined : now + thrown.retryAfterSeconds * 1000;
  const when = retryAt === undefined ? '' : ` Try again at ${clockTime(retryAt)}.`;
  switch (thrown.code) {
    case 'network_error':
      return online ? { ...OFFLINE_PROBLEM, title: 'Server unreachable', message: `${thrown.message} Chat retries by itself when the connection comes back.` } : OFFLINE_PROBLEM;
    case 'ai_not_configured':
      return { kind: 'not_configured', intent: 'warning', title: 'AI chat is not set up', message: thrown.message };
    case 'rate_limited':
    case 'upstream_rate_limited':
      return withRetry({ kind: 'rate_limited', intent: 'warning', title: 'Too many requests', message: `${sentence(thrown.message)}${when}` }, retryAt);
    case 'budget_exhausted':
      return withRetry({ kind: 'budget_exhausted', intent: 'warning', title: 'Daily AI budget used up', message: `${sentence(thrown.message)}${when}` }, retryAt);
    case 'pii_blocked':
      return { kind: 'pii_blocked', intent: 'warning', title: 'Personal data blocked', message: `${thrown.message} Mask the data on the Preview & Mask tab, or leave it out of the question.` };
    case 'context_too_large':
      return { kind: 'context_too_large', intent: 'warning', title: 'Too much to send', message: `${thrown.message} Select fewer rows or columns, or start a new conversation.` };
    case 'unauthorized':
      return { kind: 'sign_in', intent: 'warning', title: 'Sign in to chat', message: thrown.message };
    default:
      if (thrown.status === 422) return { kind: 'pii_blocked', intent: 'warning', title: 'Not sent', message: thrown.message };
      return { kind: 'error', intent: 'error', title: 'Error', message: thrown.message };
  }
}

/** Server messages are lower-case clauses ("too many requests; slow down"); shown as sentences. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function withRetry(problem: ChatProblem, retryAt: number | undefined): ChatProblem {
  return retryAt === undefined ? problem : { ...problem, retryAt };
}
