// Drives a scoring run: loads the model in the model worker, scores the samples that have no result
// yet in chunks, writes each chunk's results to IndexedDB before showing them, and supports pause,
// resume and cancel. The run's configuration and status live in the session record, so a page
// reloaded mid-run resumes by scoring only what is missing.
import type { Sample } from '../core/types';
import { WorkerEngineClient, createModelWorker } from '../engine/client';
import type { LoadOptions, ModelSource } from '../engine/types';
import { createAttackSource } from '../engine/attackSource';
import { noVariants, withVariants } from '../core/scoring/variants';
import { DEFAULT_SCORING, getDb, type ScoringConfig, type ScoringState } from '../persist/db';
import { useDatasetStore } from './datasetStore';
import { IDLE_RUN, useScoreStore } from './scoreStore';

/** Samples per `score` call: small enough that pause and progress respond quickly (attack searches are slow). */
function chunkSize(config: ScoringConfig): number {
  return config.variants > 0 && config.attacks.length > 0 ? 4 : Math.max(32, config.batchSize * 4);
}




let engine: WorkerEngineClient | null = null;
let loadedKey: string | null = null;
let runAbort: AbortController | null = null;
let pauseRequested = false;
/** Files of user-picked model folders, by model id (kept for the page's lifetime only). */
const pickedFolders = new Map<string, Map<string, Blob>>();

export function registerPickedFolder(id: string, files: Map<string, Blob>): void {
  pickedFolders.set(id, files);
}

export function hasPickedFolder(id: string): boolean {
  return pickedFolders.has(id);
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

async function ensureEngine(config: ScoringConfig): Promise<void> {
  const key = engineKey(config);
  if (engine && loadedKey === key) return;
  if (!engine) {
    engine = new WorkerEngineClient(createModelWorker());
    // A WebGPU failure during a run: the worker continues on WASM; the run bar shows it.
    engine.onInfoChange((info) => {
      const store = useScoreStore.getState();
      const was = store.engine?.device;
      store.setEngine(info);
      store.setNotice(`${was === 'webgpu' && info.device !== 'webgpu' ? 'WebGPU failed during the run; continuing on WASM. ' : ''}${info.reason}`);
    });
  }
  loadedKey = null;
  const store = useScoreStore.getState();
  store.setRun({ status: 'loading-model', message: 'Loading model…', error: null });
  const opts: LoadOptions = {
    model: modelSource(config.model),
    device: config.device,
    ...(config.dtype === 'auto' ? {} : { dtype: config.dtype }),
    embedModel: needsEmbedder(config) && config.embedModel ? modelSource(config.embedModel) : null,
  };
  const info = await engine.load(opts, (p) => {
    const message =
      p.phase === 'download'
        ? `Downloading ${p.file}: ${p.total ? Math.round((100 * p.loaded) / p.total) : 0}%`
        : p.message;
    useScoreStore.getState().setRun({ message });
  });
  store.setEngine(info);
  store.setNotice(/fell back|fallback|failed/i.test(info.reason) ? info.reason : null);
  loadedKey = key;
}

async function saveScoring(sessionId: string, patch: Partial<ScoringState>): Promise<void> {
  const db = getDb();
  await db.transaction('rw', db.sessions, async () => {
    const s = await db.sessions.get(sessionId);
    if (!s?.scoring) return;
    await db.sessions.update(sessionId, { scoring: { ...s.scoring, ...patch } });
  });
}

function missing(samples: Sample[]): Sample[] {
  const { results } = useScoreStore.getState();
  return samples.filter((s) => !results.has(s.id));
}

/** Starts (or restarts with a new configuration) the session's scoring run. */
export async function startScoring(config: ScoringConfig): Promise<void> {
  const session = useDatasetStore.getState().session;
  if (!session) return;
  const db = getDb();
  const previous = session.scoring?.config;
  if (previous && JSON.stringify(previous) !== JSON.stringify(config)) {
    // Scores from another model/template are not comparable: a new configuration starts afresh.
    await db.scores.where('sessionId').equals(session.id).delete();
    useScoreStore.getState().setResults(new Map());
  }
  const scoring: ScoringState = { config, status: 'running', modelName: null, startedAt: Date.now() };
  await db.sessions.update(session.id, { scoring });
  session.scoring = scoring;
  await runLoop();
}

export async function resumeScoring(): Promise<void> {
  const session = useDatasetStore.getState().session;
  if (!session?.scoring) return;
  await saveScoring(session.id, { status: 'running' });
  session.scoring.status = 'running';
  await runLoop();
}

export function pauseScoring(): void {
  pauseRequested = true;
  useScoreStore.getState().setRun({ status: 'pausing' });
}

export function cancelScoring(): void {
  runAbort?.abort();
}

async function runLoop(): Promise<void> {
  const session = useDatasetStore.getState().session;
  const config = session?.scoring?.config;
  if (!session || !config || runAbort) return;
  const controller = new AbortController();
  runAbort = controller;
  pauseRequested = false;
  const store = useScoreStore.getState();
  const samples = useDatasetStore.getState().samples;
  try {
    await ensureEngine(config);
    const info = useScoreStore.getState().engine;
    await saveScoring(session.id, { modelName: info?.model ?? null });
    const todo = missing(samples);
    const total = samples.length;
    let done = total - todo.length;
    store.setRun({ status: 'running', done, total, rate: null, etaSeconds: null, attackRate: null, message: null, error: null });
    const t0 = performance.now();
    let scoredThisRun = 0;
    const attacking = config.variants > 0 && config.attacks.length > 0;
    if (attacking && !config.embedModel) throw new Error('attacks need a sentence embedder (meaning-preservation constraint): choose one in the scoring settings');
    const source = attacking
      ? createAttackSource(engine!, { attacks: config.attacks, template: config.template, maxTokens: config.maxTokens, batchSize: config.batchSize })
      : noVariants;
    const CHUNK = chunkSize(config);
    let attackMs = 0;
    let variantsFound = 0;
    for (let i = 0; i < todo.length; i += CHUNK) {
      if (pauseRequested) {
        await saveScoring(session.id, { status: 'paused' });
        useScoreStore.getState().setRun({ status: 'paused', rate: null, etaSeconds: null });
        return;
      }
      const chunk = todo.slice(i, i + CHUNK);
      if (attacking) useScoreStore.getState().setRun({ message: `Attacking ${chunk.length} samples…` });
      const tAttack = performance.now();
      const items = await withVariants(chunk, source, config.variants, config.seed, controller.signal);
      if (attacking) {
        attackMs += performance.now() - tAttack;
        variantsFound += items.reduce((n, item) => n + (item.variants?.length ?? 0), 0);
        useScoreStore.getState().setRun({ message: null, attackRate: variantsFound / (attackMs / 1000) });
      }
      const results = await engine!.score(
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
      await getDb().scores.bulkPut(results.map((result) => ({ sessionId: session.id, sampleId: result.id, result })));
      if (useDatasetStore.getState().session?.id !== session.id) return;
      useScoreStore.getState().addResults(results);
      done += results.length;
      scoredThisRun += results.length;
      const rate = scoredThisRun / ((performance.now() - t0) / 1000);
      useScoreStore.getState().setRun({ done, rate, etaSeconds: rate > 0 ? (total - done) / rate : null });
    }
    await saveScoring(session.id, { status: 'done' });
    useScoreStore.getState().setRun({ status: 'done', etaSeconds: 0 });
  } catch (err) {
    const e = err as Error;
    if (e.name === 'AbortError') {
      await saveScoring(session.id, { status: 'paused' });
      useScoreStore.getState().setRun({ status: 'paused', rate: null, etaSeconds: null, message: 'Cancelled' });
    } else {
      await saveScoring(session.id, { status: 'paused' });
      useScoreStore.getState().setRun({ status: 'error', error: e.message, message: null });
    }
  } finally {
    if (runAbort === controller) runAbort = null;
  }
}

/** Called when a session is shown: restores its scores and resumes a run the page was closed during. */
export async function restoreScores(sessionId: string): Promise<void> {
  runAbort?.abort();
  const results = new Map();
  await getDb()
    .scores.where('sessionId')
    .equals(sessionId)
    .each((s) => void results.set(s.sampleId, s.result));
  const store = useScoreStore.getState();
  store.setResults(results);
  const session = useDatasetStore.getState().session;
  const total = useDatasetStore.getState().samples.length;
  store.setRun({ ...IDLE_RUN, done: results.size, total, status: session?.scoring?.status === 'done' ? 'done' : results.size ? 'paused' : 'idle' });
  if (session?.id === sessionId && session.scoring?.status === 'running') {
    // Wait for the aborted run (if any) to release before resuming.
    await new Promise((r) => setTimeout(r, 0));
    if (session.scoring.config.model.kind === 'files' && !hasPickedFolder(session.scoring.config.model.id)) {
      store.setRun({ status: 'paused', message: `Pick the model folder "${session.scoring.config.model.id}" again to resume.` });
      return;
    }
    void runLoop();
  }
}
