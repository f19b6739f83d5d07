// Scores of the open session and the state of the scoring run. Results arrive per chunk and are
// written to IndexedDB first, so a reload resumes by scoring only what is missing.
import { create } from 'zustand';
import type { ScoreResult } from '../core/scoring/types';
import type { LoadInfo } from '../engine/types';

export type RunStatus = 'idle' | 'loading-model' | 'running' | 'pausing' | 'paused' | 'done' | 'error';

export interface RunState {
  status: RunStatus;
  /** Samples scored (including those scored before a reload) and the total to score. */
  done: number;
  total: number;
  /** Samples scored by the current (or last) run since it started or resumed: what was missing when it began. */
  scoredThisRun: number;
  /** Samples per second in this run (model load excluded), and estimated seconds left. */
  rate: number | null;
  etaSeconds: number | null;
  /** Adversarial variants found per second of attack search in this run (null without attacks). */
  attackRate: number | null;
  /** Model download / status line while loading. */
  message: string | null;
  error: string | null;
}

interface ScoreState {
  /**
   * Results by sample id. The Map is updated in place (100k samples arrive in thousands of chunks;
   * copying it each time would be quadratic); `version` changes with every update so subscribers
   * that need the whole set re-render, while a row selecting `results.get(id)` re-renders only when
   * its own result changes.
   */
  results: Map<string, ScoreResult>;
  version: number;
  run: RunState;
  engine: LoadInfo | null;
  /** A visible notice, e.g. "WebGPU failed (…): fell back to WASM". */
  notice: string | null;
  setResults(results: Map<string, ScoreResult>): void;
  addResults(results: ScoreResult[]): void;
  setRun(patch: Partial<RunState>): void;
  setEngine(engine: LoadInfo | null): void;
  setNotice(notice: string | null): void;
}

export const IDLE_RUN: RunState = { status: 'idle', done: 0, total: 0, scoredThisRun: 0, rate: null, etaSeconds: null, attackRate: null, message: null, error: null };

export const useScoreStore = create<ScoreState>((set) => ({
  results: new Map(),
  version: 0,
  run: IDLE_RUN,
  engine: null,
  notice: null,
  setResults: (results) => set((s) => ({ results, version: s.version + 1 })),
  addResults: (added) =>
    set((s) => {
      for (const r of added) s.results.set(r.id, r);
      return { version: s.version + 1 };
    }),
  setRun: (patch) => set((s) => ({ run: { ...s.run, ...patch } })),
  setEngine: (engine) => set({ engine }),
  setNotice: (notice) => set({ notice }),
}));
