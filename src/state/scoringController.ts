// Drives a scoring run: loads the model in the model worker, scores the samples that have no result
// yet in chunks, writes each chunk's results to IndexedDB before showing them, and supports pause,
// resume and cancel. The run's configuration and status live in the session record (changed only
// through state/sessionRecord's updateSession), so a page reloaded mid-run resumes by scoring only
// what is missing.
//
// Every way a run ends leaves the run bar in 'done', 'paused' or 'error' (never "running"): the end
// state is shown first, then the stored status is written, and a write that fails is reported on
// screen (state/writeFailures) without hiding the run's own error.
//
// The model worker is supervised (engine/supervisedEngine.ts): when it crashes, hangs or its runtime
// aborts, the chunk in flight fails, the run stops with an error saying so, and the worker is
// replaced; Resume then reloads the model into the fresh worker and scores what is missing. (The run
// does not retry by itself: a fault that repeats, such as running out of memory on one sample, would
// otherwise loop.)
//
// A run stored as 'running' resumes by itself when its session is opened, unless the previous page
// closed without reaching `pagehide` (a crash) or the page was opened with `?safe`: then it comes
// back paused with a message and the Resume button, so a crash caused by the run does not repeat
// on every reload.
import type { Sample } from '../core/types';
import { createModelWorker } from '../engine/client';
import type { Engine, LoadOptions, ModelSource } from '../engine/types';
import { attackSamples } from '../engine/attackSource';
import { SupervisedEngine, isFatalEngineError } from '../engine/supervisedEngine';
import type { ScoringConfig, ScoringState } from '../core/scoringConfig';
import { getDb } from '../persist/db';
import type { ScoreItem } from '../core/scoring/types';
import { bootFlags } from './bootFlags';
import { useDatasetStore } from './datasetStore';
import { useDecisionStore } from './decisionStore';
import { IDLE_RUN, useScoreStore } from './scoreStore';
import { updateSession } from './sessionRecord';
import { reportWriteFailure } from './writeFailures';

/** Samples per `score` call: small enough that pause and progress respond quickly (attack searches are slow). */
function chunkSize(config: ScoringConfig): number {
  return config.variants > 0 && config.attacks.length > 0 ? 4 : Math.max(32, config.batchSize * 4);
}

export const UNCLEAN_EXIT_MESSAGE = 'The last page closed unexpectedly during this run; press Resume to continue.';
export const SAFE_MODE_MESSAGE = 'Safe mode: this run was not resumed automatically; press Resume to continue.';

function defaultEngine(): Engine {
  return new SupervisedEngine(createModelWorker, {
    onRestart: (reason) => {
      console.warn(`Quarry: the model worker was replaced (${reason})`);
    },
  });
}

let engineFactory: () => Engine = defaultEngine;
let engine: Engine | null = null;
let unsubscribeInfo: (() => void) | null = null;
let loadedKey: string | null = null;
let pauseRequested = false;

interface ActiveRun {
  sessionId: string;
  controller: AbortController;
  /** Set once the run's outcome is known and it is only saving its end state. */
  finishing: boolean;
  done: Promise<void>;
}
let active: ActiveRun | null = null;

/** Files of user-picked model folders, by model id (kept for the page's lifetime only). */
const pickedFolders = new Map<string, Map<string, Blob>>();

export function registerPickedFolder(id: string, files: Map<string, Blob>): void {
  pickedFolders.set(id, files);
}

export function hasPickedFolder(id: string): boolean {
  return pickedFolders.has(id);
}

/**
 * Replaces how the engine is made (tests: a fake Engine); null restores the model worker. The
 * current engine, if any, is dropped.
 */
export function setEngineFactory(factory: (() => Engine) | null): void {
  unsubscribeInfo?.();
  unsubscribeInfo = null;
  const old = engine;
  engine = null;
  loadedKey = null;
  engineFactory = factory ?? defaultEngine;
  if (old instanceof SupervisedEngine) old.terminate();
}

/** Resolves when the run in flight (if any) has ended and saved its state. */
export async function runSettled(): Promise<void> {
  while (active) await active.done;
}

function modelSource(m: ScoringConfig['model']): ModelSource {
  switch (m.kind) {
    case 'hub':
      return { kind: 'hub', id: m.id, remoteHost: m.remoteHost };
    case 'local':
      return { kind: 'local', id: m.id, root: `${import.meta.env.BASE_URL}models/` };
    case 'files': {
      const files = pickedFolders.get(m.id);
      if (!files) throw new Error(`pick the folder "${m.id}" again: picked folders cannot be reopened after a reload`);
      return { kind: 'files', id: m.id, files };
    }
  }
}

/** The sentence embedder is needed for output consistency and for the attacks' meaning constraint. */
function needsEmbedder(c: ScoringConfig): boolean {
  return c.embedConsistency || (c.variants > 0 && c.attacks.length > 0);
}

function engineKey(c: ScoringConfig): string {
  return JSON.stringify([c.model, c.dtype, c.device, needsEmbedder(c) ? c.embedModel : null]);
}

function getEngine(): Engine {
  if (engine) return engine;
  const created = engineFactory();
  engine = created;
  // A WebGPU failure during a run: the worker continues on WASM; the run bar shows it.
  unsubscribeInfo =
    created.onInfoChange?.((info) => {
      const store = useScoreStore.getState();
      const was = store.engine?.device;
      store.setEngine(info);
      store.setNotice(`${was === 'webgpu' && info.device !== 'webgpu' ? 'WebGPU failed during the run; continuing on WASM. ' : ''}${info.reason}`);
    }) ?? null;
  return created;
}

async function ensureEngine(config: ScoringConfig, sessionId: string): Promise<Engine> {
  const key = engineKey(config);
  const eng = getEngine();
  // A replaced worker (after a crash) reloads the model here, with its progress shown.
  if (loadedKey === key && (!(eng instanceof SupervisedEngine) || eng.alive)) return eng;
  loadedKey = null;
  const store = useScoreStore.getState();
  if (isOpen(sessionId)) store.setRun({ status: 'loading-model', message: 'Loading model…', error: null });
  const opts: LoadOptions = {
    model: modelSource(config.model),
    device: config.device,
    ...(config.dtype === 'auto' ? {} : { dtype: config.dtype }),
    embedModel: needsEmbedder(config) && config.embedModel ? modelSource(config.embedModel) : null,
  };
  const info = await eng.load(opts, (p) => {
    const message =
      p.phase === 'download'
        ? `Downloading ${p.file}: ${p.total ? Math.round((100 * p.loaded) / p.total) : 0}%`
        : p.message;
    if (isOpen(sessionId)) useScoreStore.getState().setRun({ message });
  });
  store.setEngine(info);
  store.setNotice(/fell back|fallback|failed/i.test(info.reason) ? info.reason : null);
  loadedKey = key;
  return eng;
}

/** Patches the session's stored run state (through updateSession, which reports a failure on screen and rethrows). */
async function saveScoring(sessionId: string, patch: Partial<ScoringState>): Promise<void> {
  await updateSession(sessionId, (stored) => (stored.scoring ? { scoring: { ...stored.scoring, ...patch } } : null), 'the scoring run');
}

/** saveScoring for end states: a failure is already on screen and must not hide the run's own outcome. */
async function trySaveScoring(sessionId: string, patch: Partial<ScoringState>): Promise<boolean> {
  try {
    await saveScoring(sessionId, patch);
    return true;
  } catch {
    return false;
  }
}

function isOpen(sessionId: string): boolean {
  return useDatasetStore.getState().session?.id === sessionId;
}

function missing(samples: Sample[]): Sample[] {
  const { results } = useScoreStore.getState();
  return samples.filter((s) => !results.has(s.id));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Waits for a run that is only saving its end state; false when one is really running. */
async function claimRun(): Promise<boolean> {
  while (active) {
    if (!active.finishing) return false;
    await active.done;
  }
  return true;
}

/** A tab that may not write the session (another tab owns it) runs nothing: says so, returns true. */
function refusedReadOnly(): boolean {
  const readOnly = useDecisionStore.getState().readOnly;
  if (readOnly) useScoreStore.getState().setRun({ status: 'error', error: `Cannot score here: ${readOnly}`, message: null });
  return readOnly !== null;
}

/** Starts (or restarts with a new configuration) the session's scoring run. */
export async function startScoring(config: ScoringConfig): Promise<void> {
  if (!(await claimRun())) return;
  const session = useDatasetStore.getState().session;
  if (!session) return;
  if (refusedReadOnly()) return;
  const previous = session.scoring?.config;
  try {
    if (previous && JSON.stringify(previous) !== JSON.stringify(config)) {
      // Scores from another model/template are not comparable: a new configuration starts afresh.
      try {
        await getDb().scores.where('sessionId').equals(session.id).delete();
      } catch (err) {
        reportWriteFailure('scores (removing those of the previous settings)', err);
        throw err;
      }
      useScoreStore.getState().setResults(new Map());
    }
    const scoring: ScoringState = { config, status: 'running', modelName: null, startedAt: Date.now() };
    await updateSession(session.id, { scoring }, 'the scoring run');
  } catch (err) {
    // Reported on screen already; the run does not start on settings a reload would not find.
    if (isOpen(session.id)) useScoreStore.getState().setRun({ status: 'error', error: `The run could not be started: ${errorText(err)}`, message: null });
    return;
  }
  await runLoop();
}

export async function resumeScoring(): Promise<void> {
  if (!(await claimRun())) return;
  const session = useDatasetStore.getState().session;
  if (!session?.scoring) return;
  if (refusedReadOnly()) return;
  try {
    await saveScoring(session.id, { status: 'running' });
  } catch (err) {
    if (isOpen(session.id)) useScoreStore.getState().setRun({ status: 'error', error: `The run could not be resumed: ${errorText(err)}`, message: null });
    return;
  }
  await runLoop();
}

export function pauseScoring(): void {
  if (!active || active.finishing) return;
  pauseRequested = true;
  useScoreStore.getState().setRun({ status: 'pausing' });
}

export function cancelScoring(): void {
  active?.controller.abort();
}

type Outcome = { status: 'done' } | { status: 'paused'; message: string | null } | { status: 'error'; error: string };

function runLoop(): Promise<void> {
  if (active) return active.done;
  const session = useDatasetStore.getState().session;
  if (!session?.scoring) return Promise.resolve();
  const run: ActiveRun = { sessionId: session.id, controller: new AbortController(), finishing: false, done: Promise.resolve() };
  active = run;
  pauseRequested = false;
  run.done = (async () => {
    let outcome: Outcome;
    try {
      outcome = await scoreMissing(run);
    } catch (err) {
      outcome = failure(err);
    }
    run.finishing = true;
    try {
      await finish(run.sessionId, outcome);
    } catch (err) {
      // finish does not throw; this is the last guard that the run never stays "running"
      if (isOpen(run.sessionId)) useScoreStore.getState().setRun({ status: 'error', error: errorText(err), message: null, rate: null, etaSeconds: null });
    } finally {
      if (active === run) active = null;
    }
  })();
  return run.done;
}

function failure(err: unknown): Outcome {
  const e = err as { name?: string } | null;
  if (isFatalEngineError(err)) {
    // the supervisor replaced the worker; the next run reloads the model into the new one
    loadedKey = null;
    return { status: 'error', error: `The model worker stopped (${errorText(err)}). Press Resume to continue with a fresh worker.` };
  }
  if (e?.name === 'AbortError') {
    // a cancel the worker did not answer in time: it was stuck and has been replaced
    const replaced = engine instanceof SupervisedEngine && !engine.alive;
    return { status: 'paused', message: replaced ? 'Cancelled (the model worker did not stop, so it was replaced)' : 'Cancelled' };
  }
  return { status: 'error', error: errorText(err) };
}

/** Shows the run's end state, then stores it ('done' or 'paused'; an error is stored as 'paused'). */
async function finish(sessionId: string, outcome: Outcome): Promise<void> {
  if (isOpen(sessionId)) {
    const store = useScoreStore.getState();
    if (outcome.status === 'done') store.setRun({ status: 'done', etaSeconds: 0, message: null, error: null });
    else if (outcome.status === 'paused') store.setRun({ status: 'paused', rate: null, etaSeconds: null, message: outcome.message, error: null });
    else store.setRun({ status: 'error', rate: null, etaSeconds: null, message: null, error: outcome.error });
  }
  await trySaveScoring(sessionId, { status: outcome.status === 'done' ? 'done' : 'paused' });
}

/** The run itself: loads the model, then scores what is missing chunk by chunk. Resolves with how it ended. */
async function scoreMissing(run: ActiveRun): Promise<Outcome> {
  const { sessionId, controller } = run;
  const config = useDatasetStore.getState().session?.scoring?.config;
  if (!config) return { status: 'paused', message: null };
  const samples = useDatasetStore.getState().samples;
  const eng = await ensureEngine(config, sessionId);
  if (controller.signal.aborted) return { status: 'paused', message: 'Cancelled' };
  if (!isOpen(sessionId)) return { status: 'paused', message: null };
  await saveScoring(sessionId, { modelName: useScoreStore.getState().engine?.model ?? null });
  const todo = missing(samples);
  const total = samples.length;
  let done = total - todo.length;
  useScoreStore.getState().setRun({ status: 'running', done, total, scoredThisRun: 0, rate: null, etaSeconds: null, attackRate: null, message: null, error: null });
  const t0 = performance.now();
  let scoredThisRun = 0;
  const attacking = config.variants > 0 && config.attacks.length > 0;
  if (attacking && !config.embedModel) throw new Error('attacks need a sentence embedder (meaning-preservation constraint): choose one in the scoring settings');
  const CHUNK = chunkSize(config);
  let attackMs = 0;
  let variantsFound = 0;
  let lastProgress = 0;
  for (let i = 0; i < todo.length; i += CHUNK) {
    if (pauseRequested) return { status: 'paused', message: null };
    const chunk = todo.slice(i, i + CHUNK);
    let items: ScoreItem[];
    if (attacking) {
      if (isOpen(sessionId)) useScoreStore.getState().setRun({ message: `Attacking ${chunk.length} samples…` });
      const tAttack = performance.now();
      // the search runs in the model worker: only the samples and the attack settings are sent
      const variants = await attackSamples(
        eng,
        { samples: chunk, k: config.variants, seed: config.seed, options: { attacks: config.attacks, template: config.template, maxTokens: config.maxTokens, batchSize: config.batchSize } },
        (p) => {
          const now = performance.now();
          if (now - lastProgress < 250 || !isOpen(sessionId)) return;
          lastProgress = now;
          useScoreStore.getState().setRun({ message: `Attacking ${chunk.length} samples… (${p.done} of ${p.total} done, ${p.queries} model queries)` });
        },
        controller.signal,
      );
      items = chunk.map((sample, j) => ({ sample, variants: (variants[j] ?? []).slice(0, config.variants) }));
      attackMs += performance.now() - tAttack;
      variantsFound += items.reduce((n, item) => n + (item.variants?.length ?? 0), 0);
      if (isOpen(sessionId)) useScoreStore.getState().setRun({ message: null, attackRate: variantsFound / (attackMs / 1000) });
    } else items = chunk.map((sample) => ({ sample, variants: [] }));
    const results = await eng.score(
      {
        items,
        template: config.template,
        maxTokens: config.maxTokens,
        batchSize: config.batchSize,
        embedConsistency: config.embedConsistency,
        generateTokens: config.generateTokens,
      },
      undefined,
      controller.signal,
    );
    // Persist first: what is shown is always what a reload would restore.
    try {
      await getDb().scores.bulkPut(results.map((result) => ({ sessionId, sampleId: result.id, result })));
    } catch (err) {
      reportWriteFailure('scores', err);
      return { status: 'error', error: `Scores could not be saved, so the run stopped: ${errorText(err)}` };
    }
    if (!isOpen(sessionId)) return { status: 'paused', message: null };
    useScoreStore.getState().addResults(results);
    done += results.length;
    scoredThisRun += results.length;
    const rate = scoredThisRun / ((performance.now() - t0) / 1000);
    useScoreStore.getState().setRun({ done, scoredThisRun, rate, etaSeconds: rate > 0 ? (total - done) / rate : null });
  }
  return { status: 'done' };
}

/** Called when a session is shown: restores its scores and resumes a run the page was closed during. */
export async function restoreScores(sessionId: string): Promise<void> {
  // A run of the session shown before stops (and stores itself as paused); it no longer touches the run bar.
  active?.controller.abort();
  const results = new Map();
  try {
    await getDb()
      .scores.where('sessionId')
      .equals(sessionId)
      .each((s) => void results.set(s.sampleId, s.result));
  } catch (err) {
    reportWriteFailure('scores (could not be read)', err);
  }
  if (!isOpen(sessionId)) return;
  const store = useScoreStore.getState();
  store.setResults(results);
  const total = useDatasetStore.getState().samples.length;
  const status = useDatasetStore.getState().session?.scoring?.status;
  store.setRun({ ...IDLE_RUN, done: results.size, total, status: status === 'done' ? 'done' : results.size || status ? 'paused' : 'idle' });
  if (status !== 'running') return;
  const pauseWith = async (message: string) => {
    // The stored status follows, so the next reload does not resume either (a failure is on screen).
    store.setRun({ status: 'paused', message });
    await trySaveScoring(sessionId, { status: 'paused' });
  };
  if (bootFlags.safe) return pauseWith(SAFE_MODE_MESSAGE);
  if (bootFlags.uncleanExit) return pauseWith(UNCLEAN_EXIT_MESSAGE);
  const readOnly = useDecisionStore.getState().readOnly;
  if (readOnly) return void store.setRun({ status: 'paused', message: readOnly });
  // Wait for the stopped run to save its end state before this one starts.
  await runSettled();
  const scoring = useDatasetStore.getState().session?.scoring;
  if (!isOpen(sessionId) || scoring?.status !== 'running') return;
  if (scoring.config.model.kind === 'files' && !hasPickedFolder(scoring.config.model.id)) {
    store.setRun({ status: 'paused', message: `Pick the model folder "${scoring.config.model.id}" again to resume.` });
    return;
  }
  await runLoop();
}

/** `?testhooks` only: `window.__quarryTest.killModelWorker()` crashes the model worker (fault-injection e2e). */
function installTestHooks(): void {
  if (typeof window === 'undefined' || typeof location === 'undefined' || !new URLSearchParams(location.search).has('testhooks')) return;
  const w = window as unknown as { __quarryTest?: Record<string, unknown> };
  w.__quarryTest = {
    ...w.__quarryTest,
    killModelWorker: (reason = 'killed by the test hook') => (engine instanceof SupervisedEngine ? engine.crash(reason) : false),
  };
}
installTestHooks();
