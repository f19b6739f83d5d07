// Every failed write is shown on screen until the user dismisses it (never only on the console).
import { create } from 'zustand';

export interface WriteFailure {
  id: number;
  /** What could not be saved, in the user's words ("decision", "scores", "view"). */
  what: string;
  message: string;
  /** True when the browser said the disk or the origin's quota is full. */
  quota: boolean;
  at: number;
}

interface WriteFailureState {
  failures: WriteFailure[];
  dismiss(id: number): void;
  clear(): void;
}

export const useWriteFailures = create<WriteFailureState>((set) => ({
  failures: [],
  dismiss: (id) => set((s) => ({ failures: s.failures.filter((f) => f.id !== id) })),
  clear: () => set({ failures: [] }),
}));

let nextId = 1;

export function isQuotaError(err: unknown): boolean {
  const e = err as { name?: string; inner?: { name?: string }; message?: string } | null;
  const names = [e?.name, e?.inner?.name];
  return names.includes('QuotaExceededError') || /quota/i.test(e?.message ?? '');
}

/** Shows a failed write (deduplicated by what and message; the newest last). */
export function reportWriteFailure(what: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`Quarry: could not save ${what}`, err);
  useWriteFailures.setState((s) => ({
    failures: [
      ...s.failures.filter((f) => !(f.what === what && f.message === message)),
      { id: nextId++, what, message, quota: isQuotaError(err), at: Date.now() },
    ],
  }));
}
