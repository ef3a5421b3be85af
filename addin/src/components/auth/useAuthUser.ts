import { useEffect, useState } from 'react';
import type { AuthService, SignedInUser } from '../../auth/auth.ts';

export type AuthUserState = { status: 'loading' } | { status: 'ready'; user: SignedInUser | null };

/** The signed-in user, kept current through the service's change events. */
export function useAuthUser(service: AuthService | null): AuthUserState {
  const [state, setState] = useState<AuthUserState>(service ? { status: 'loading' } : { status: 'ready', user: null });
  useEffect(() => {
    if (!service) return undefined;
    let current = true;
    service.currentUser().then(
      (user) => {
        if (current) setState({ status: 'ready', user });
      },
      () => {
        if (current) setState({ status: 'ready', user: null });
      },
    );
    const unsubscribe = service.onChange((user) => {
      if (current) setState({ status: 'ready', user });
    });
    return () => {
      current = false;
      unsubscribe();
    };
  }, [service]);
  return state;
}
