import { MessageBar, MessageBarBody } from '@fluentui/react-components';

export interface NoticeProps {
  intent: 'error' | 'warning';
  message: string;
}

/** A message the user must see: failures are shown, never only logged. */
export function Notice({ intent, message }: NoticeProps) {
  return (
    <MessageBar intent={intent} data-testid={`${intent}-message`} politeness={intent === 'error' ? 'assertive' : 'polite'}>
      <MessageBarBody>{message}</MessageBarBody>
    </MessageBar>
  );
}
