/** What every view is: it draws into its root, refreshes on each poll, and cleans up when left. */
import type { Api } from './api';

export interface View {
  refresh(): Promise<void>;
  dispose?(): void;
}

export interface ViewContext {
  api: Api;
  /** Refresh now (after an action), instead of waiting for the next poll. */
  tick(): Promise<void>;
  /** Back to the sign-in form with this message. */
  signOut(message: string): void;
}

export type ViewFactory = (root: HTMLElement, ctx: ViewContext, id: string) => View;
