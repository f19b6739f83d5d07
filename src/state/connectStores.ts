// The one place where stores start following each other. Importing a store module never subscribes
// to anything; the app's boot (src/main.tsx) calls `connectStores()` once, and tests call it (or the
// pure functions of core/sampleViews) explicitly.
import { connectProposals } from './proposalStore';
import { connectTabSync } from './tabSync';
import { connectUiPrefs } from './viewStore';
import { connectVisibleSamples } from './visibleSamples';

let stop: (() => void) | null = null;

/**
 * Connects the derived views to the stores they derive from — the shown rows (state/visibleSamples:
 * filter, ranges, sort over the samples, scores and decisions) and the policy proposals' per-session
 * state (state/proposalStore) — and the stores to what they keep in step: UI preferences to
 * localStorage, this tab's committed decisions to the other tabs (state/tabSync). Idempotent: a
 * second call returns the same stop function. Returns a function that disconnects them all.
 */
export function connectStores(): () => void {
  if (stop) return stop;
  const disconnect = [connectVisibleSamples(), connectProposals(), connectUiPrefs(), connectTabSync()];
  const mine = () => {
    if (stop !== mine) return;
    stop = null;
    for (const d of disconnect) d();
  };
  stop = mine;
  return mine;
}
