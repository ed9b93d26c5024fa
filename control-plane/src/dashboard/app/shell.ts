/**
 * Sign-in and the page shell: the token lives in this browser's local storage, is checked with
 * `whoami` before the app shows, and a refused token sends the user back to the form.
 */
import { checkToken } from './api';
import { byId } from './dom';

const TOKEN_KEY = 'titan.clientToken';
export const REFUSED = 'The control plane no longer accepts this token. Sign in again.';

export interface Shell {
  token(): string;
  signOut(message: string): void;
  /** Sign in with the stored (or `?token=`) token, or show the form. */
  start(): void;
}

/** `shown` runs when the app becomes visible (signed in), `hidden` when the form replaces it. */
export function createShell(hooks: { shown(): void; hidden(): void }): Shell {
  let token = localStorage.getItem(TOKEN_KEY) ?? '';

  function showLogin(message: string): void {
    hooks.hidden();
    byId('app').hidden = true;
    byId('login').hidden = false;
    const err = byId('login-error');
    err.textContent = message;
    err.hidden = !message;
    byId<HTMLInputElement>('token-input').focus();
  }

  function signOut(message: string): void {
    token = '';
    localStorage.removeItem(TOKEN_KEY);
    showLogin(message);
  }

  async function signIn(candidate: string): Promise<void> {
    const verdict = await checkToken(candidate);
    if (verdict === 'ok') {
      token = candidate;
      localStorage.setItem(TOKEN_KEY, candidate);
      byId('login').hidden = true;
      byId('app').hidden = false;
      hooks.shown();
    } else if (verdict === 'bad') {
      signOut('Wrong token: the control plane refused it (401). Use the client token from .titan/cluster.json.');
    } else if (verdict === 'agent') {
      signOut('Wrong token: that is an agent token; the dashboard needs the client token from .titan/cluster.json.');
    } else {
      showLogin('The control plane is not reachable right now. Try again in a moment.');
    }
  }

  /** A token in the address bar is taken once, then removed so it is not left in history or copied along with a link. */
  function takeTokenFromUrl(): void {
    const here = new URL(location.href);
    const fromUrl = here.searchParams.get('token');
    if (fromUrl === null) return;
    if (fromUrl) {
      token = fromUrl;
      localStorage.setItem(TOKEN_KEY, token);
    }
    here.searchParams.delete('token');
    history.replaceState(null, '', here.pathname + here.search + here.hash);
  }

  byId('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = byId<HTMLInputElement>('token-input');
    void signIn(input.value.trim());
    input.value = '';
  });
  byId('logout-btn').addEventListener('click', () => signOut(''));

  return {
    token: () => token,
    signOut,
    start() {
      takeTokenFromUrl();
      if (token) void signIn(token);
      else showLogin('');
    },
  };
}
