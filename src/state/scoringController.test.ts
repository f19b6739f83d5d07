// The scoring run controller with a fake Engine and fake-indexeddb: pause and resume, a crashed model
// worker, a reload mid-run (clean and after a crash), and writes that fail. After every resume only
// the samples without a stored result are scored, and in the end every sample is scored once.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyScores } from '../core/metrics/aggregate';
import type { Sample } from '../core/types';
import { fakeLoadInfo } from '../engine/testing/fakeLoadInfo';
import type { Engine, LoadOptions, ScoreRequest, ScoreResult } from '../engine/types';
import { RpcError, WORKER_DEAD } from '../lib/workerRpc';
import { DEFAULT_SCORING, type ScoringConfig } from '../core/scoringConfig';
import { getDb, type SessionRecord } from '../persist/db';
import { bootFlags } from './bootFlags';
import { useDatasetStore } from './datasetStore';
import { UNCLEAN_EXIT_MESSAGE, pauseScoring, restoreScores, resumeScoring, runSettled, setEngineFactory, startScoring } from './scoringController';
import { useScoreStore } from './scoreStore';
import { useWriteFailures } from './writeFailures';

const info = fakeLoadInfo({ model: 'fake-lm', contextLength: 64 });

/** A fake engine: records what it scored; `onScore(call)` runs before each score call (pause, crash, …). */
class FakeEngine implements Engine {
  loads: LoadOptions[] = [];
  calls: string[][] = [];
  onScore: (call: number, req: ScoreRequest) => void = () => {};
  async load(opts: LoadOptions) {
    this.loads.push(opts);
    return info;
  }
  async score(req: ScoreRequest): Promise<ScoreResult[]> {
    this.onScore(this.calls.length + 1, req);
    const ids = req.items.map((i) => i.sample.id);
    this.calls.push(ids);
    await new Promise((r) => setTimeout(r, 1));
    return ids.map((id) => ({ id, scores: { ...emptyScores(), s_a_given_q: id.length }, variants: [], truncated: false, tokens: { prompted: 1, answer: 1, response: 1 } }));
  }
  async generate() {
    return [];
  }
  async embed(texts: string[]) {
    return texts.map(() => new Float32Array(1));
  }
  async dispose() {}
  /** Every id scored after call `from` (1-based). */
  scoredFrom(from: number): string[] {
    return this.calls.slice(from - 1).flat();
  }
}

const N = 100; // chunks of 32 (batch size 8): 4 score calls for a whole run
const config: ScoringConfig = { ...DEFAULT_SCORING, model: { kind: 'local', id: 'tiny' }, batchSize: 8 };
let sessionId = '';
let samples: Sample[] = [];
let fake: FakeEngine;
let seq = 0;

async function openSession(scoring?: SessionRecord['scoring']): Promise<SessionRecord> {
  const record = Object.freeze({
    id: sessionId,
    name: 'test',
    status: 'ready',
    sampleCount: N,
    issueCount: 0,
    createdAt: 0,
    updatedAt: 0,
    view: {},
    ...(scoring ? { scoring: Object.freeze({ ...scoring }) } : {}),
  }) as unknown as SessionRecord; // frozen: the controller must never mutate it
  await getDb().sessions.put({ ...record } as SessionRecord);
  useDatasetStore.getState().show(record, samples, []);
  return record;
}

const stored = async () => (await getDb().sessions.get(sessionId))!.scoring!;
const storedScoreIds = async () => (await getDb().scores.where('sessionId').equals(sessionId).toArray()).map((s) => s.sampleId).sort();
const run = () => useScoreStore.getState().run;
const allIds = () => samples.map((s) => s.id).sort();

/** A page reload: the stores are emptied and the session is shown again from IndexedDB. */
async function reload(): Promise<void> {
  await runSettled();
  useScoreStore.getState().setResults(new Map());
  useScoreStore.getState().setRun({ status: 'idle', done: 0, total: 0 });
  const record = (await getDb().sessions.get(sessionId))!;
  useDatasetStore.getState().show(record, samples, []);
  fake = new FakeEngine();
  setEngineFactory(() => fake);
  await restoreScores(sessionId);
}

beforeEach(async () => {
  sessionId = `run-${++seq}`;
  samples = Array.from({ length: N }, (_, i) => ({ id: `${sessionId}-s${i}`, index: i, line: i + 1, instruction: `q${i}`, input: '', response: `r${i}`, history: [] }));
  fake = new FakeEngine();
  setEngineFactory(() => fake);
  useWriteFailures.getState().clear();
  bootFlags.uncleanExit = false;
  bootFlags.safe = false;
  await openSession();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await runSettled();
  setEngineFactory(null);
});

describe('scoring run: resume', () => {
  it('pause after two chunks, resume: only the missing samples are scored, all end scored', async () => {
    fake.onScore = (call) => {
      if (call === 2) pauseScoring(); // takes effect after the chunk in flight
    };
    await startScoring(config);
    expect(run().status).toBe('paused');
    expect(run().done).toBe(64);
    expect((await stored()).status).toBe('paused');
    const before = await storedScoreIds();
    expect(before).toHaveLength(64);
    // the record in the store was replaced, never mutated (it is frozen)
    expect(useDatasetStore.getState().session!.scoring!.status).toBe('paused');

    const callsBefore = fake.calls.length;
    await resumeScoring();
    const after = fake.scoredFrom(callsBefore + 1);
    expect(after.sort()).toEqual(allIds().filter((id) => !before.includes(id)));
    expect(run().status).toBe('done');
    expect(run().done).toBe(N);
    expect(run().scoredThisRun).toBe(N - 64);
    expect(await storedScoreIds()).toEqual(allIds());
    expect(fake.calls.flat()).toHaveLength(N); // nothing scored twice
    expect((await stored()).status).toBe('done');
    expect(fake.loads).toHaveLength(1);
  });

  it('the model worker dies mid-run: the run stops with a clear error; Resume reloads the model and scores only what is missing', async () => {
    fake.onScore = (call) => {
      if (call === 3) throw new RpcError(WORKER_DEAD, 'the worker stopped with an error: Uncaught RuntimeError: Aborted(OOM)');
    };
    await startScoring(config);
    expect(run().status).toBe('error');
    expect(run().error).toMatch(/model worker stopped.*Aborted\(OOM\).*Resume/);
    expect((await stored()).status).toBe('paused');
    const before = await storedScoreIds();
    expect(before).toHaveLength(64);

    fake.onScore = () => {};
    const callsBefore = fake.calls.length;
    await resumeScoring();
    expect(fake.loads).toHaveLength(2); // the fresh worker gets the model again
    expect(fake.scoredFrom(callsBefore + 1).sort()).toEqual(allIds().filter((id) => !before.includes(id)));
    expect(run().status).toBe('done');
    expect(await storedScoreIds()).toEqual(allIds());
  });

  it('a reload mid-run after a clean exit resumes by itself with what is missing', async () => {
    fake.onScore = (call) => {
      if (call === 1) pauseScoring();
    };
    await startScoring(config);
    // as if the page had closed during the run: the record still says running
    await getDb().sessions.update(sessionId, { scoring: { ...(await stored()), status: 'running' } });
    const before = await storedScoreIds();
    expect(before).toHaveLength(32);
    await reload();
    await runSettled();
    expect(fake.scoredFrom(1).sort()).toEqual(allIds().filter((id) => !before.includes(id)));
    expect(run().status).toBe('done');
    expect(await storedScoreIds()).toEqual(allIds());
  });

  it('after an unclean exit a running run comes back paused with a message, and Resume finishes it', async () => {
    fake.onScore = (call) => {
      if (call === 2) pauseScoring();
    };
    await startScoring(config);
    await getDb().sessions.update(sessionId, { scoring: { ...(await stored()), status: 'running' } });
    const before = await storedScoreIds();
    bootFlags.uncleanExit = true;
    await reload();
    await runSettled();
    expect(fake.calls).toHaveLength(0); // not resumed by itself
    expect(run()).toMatchObject({ status: 'paused', message: UNCLEAN_EXIT_MESSAGE, done: 64, total: N });
    expect((await stored()).status).toBe('paused'); // the next reload does not resume either
    await resumeScoring();
    expect(fake.scoredFrom(1).sort()).toEqual(allIds().filter((id) => !before.includes(id)));
    expect(run().status).toBe('done');
    expect(await storedScoreIds()).toEqual(allIds());
  });

  it('?safe: a running run is not resumed', async () => {
    await getDb().sessions.update(sessionId, { scoring: { config, status: 'running', modelName: null, startedAt: 0 } });
    bootFlags.safe = true;
    await reload();
    expect(fake.calls).toHaveLength(0);
    expect(run().status).toBe('paused');
    expect(run().message).toMatch(/Safe mode/);
  });
});

describe('scoring run: failed writes', () => {
  it('the score write and the session update both fail: the run ends in error, both failures on screen', async () => {
    const db = getDb();
    fake.onScore = (call) => {
      if (call !== 2) return;
      vi.spyOn(db.scores, 'bulkPut').mockRejectedValue(new DOMException('The disk is full', 'QuotaExceededError'));
      vi.spyOn(db.sessions, 'put').mockRejectedValue(new Error('session write failed'));
    };
    await startScoring(config);
    expect(run().status).toBe('error');
    expect(run().error).toMatch(/Scores could not be saved.*disk is full/);
    const failures = useWriteFailures.getState().failures;
    expect(failures.map((f) => f.what)).toEqual(expect.arrayContaining(['scores', 'the scoring run']));
    expect(failures.find((f) => f.what === 'scores')!.quota).toBe(true);
    expect(useScoreStore.getState().results.size).toBe(32); // nothing shown that is not saved
  });

  it('the model fails and saving the paused state fails too: the run still ends in error', async () => {
    const db = getDb();
    fake.onScore = (call) => {
      if (call !== 2) return;
      vi.spyOn(db.sessions, 'put').mockRejectedValue(new Error('session write failed'));
      throw new Error('tokenizer exploded');
    };
    await startScoring(config);
    expect(run()).toMatchObject({ status: 'error', error: 'tokenizer exploded' });
    expect(useWriteFailures.getState().failures.map((f) => f.what)).toContain('the scoring run');
  });

  it('a start whose settings cannot be saved does not run', async () => {
    vi.spyOn(getDb().sessions, 'put').mockRejectedValue(new Error('no space'));
    await startScoring(config);
    expect(fake.calls).toHaveLength(0);
    expect(run().status).toBe('error');
    expect(run().error).toMatch(/could not be started: no space/);
    expect(useWriteFailures.getState().failures).toHaveLength(1);
  });
});
