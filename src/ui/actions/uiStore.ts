// UI state of the curation actions: the shortcuts overlay and the auto-advance preference
// (a per-browser preference, kept in localStorage; on by default).
import { create } from 'zustand';

export const AUTO_ADVANCE_KEY = 'quarry.autoAdvance';

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage blocked (privacy settings)
  }
}

interface ActionUiState {
  overlayOpen: boolean;
  autoAdvance: boolean;
  setOverlayOpen(open: boolean): void;
  setAutoAdvance(on: boolean): void;
}

export const useActionUiStore = create<ActionUiState>((set) => ({
  overlayOpen: false,
  autoAdvance: storage()?.getItem(AUTO_ADVANCE_KEY) !== 'off',
  setOverlayOpen: (overlayOpen) => set({ overlayOpen }),
  setAutoAdvance: (autoAdvance) => {
    try {
      storage()?.setItem(AUTO_ADVANCE_KEY, autoAdvance ? 'on' : 'off');
    } catch {
      // quota or privacy mode: the toggle still works for this page
    }
    set({ autoAdvance });
  },
}));
