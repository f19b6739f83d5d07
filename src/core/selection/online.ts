// Online selection: decide each record as it arrives, at a target acceptance rate, without seeing
// the pool (docs/metrics.md, "Online mining"). Pure TypeScript (Worker, Node, vitest).
//
// A policy is split into what it asks of one record (policyCriteria): can it be evaluated, does it
// pass the hard filters, and its ranking score. The batch policy keeps the top r% of all evaluated
// records among those that pass the filters. Online, the same target is a threshold on the ranking
// score: with T records seen and C of them candidates (passed the filters), keeping a fraction
// r·T/C of the candidates keeps r of everything, so the threshold is the candidates' (1 − r·T/C)
// quantile, read from a running quantile sketch (DDSketch: bounded memory, relative accuracy
// 0.5%). Records that cannot be evaluated or fail a filter are rejections and count in T. A small
// feedback term corrects the fraction by the acceptances the stream is behind or ahead of r·decided,
// spread over the next `FEEDBACK_WINDOW` arrivals, so the realised rate holds the target even while
// the sketch is still young or the stream drifts.
//
// The first `warmup` records only feed the sketch: their decision is null (never provisional), so
// every decision made is final. With a budget, acceptances stop at `budget`.
import { DDSketch } from '@datadog/sketches-js';
import type { OnlineRecordMeta } from '../types';
import { describePolicy, policyCriteria, type Policy, type PolicySample, type RankSpec } from './policies';
import { fieldGetter, type RuleField } from './rule';

export interface OnlineConfig {
  policy: Policy;
  /** Target acceptance rate over all arriving records, in (0, 1]. */
  rate: number;
  /** Records that only feed the sketch before the first decision (≥ 0). */
  warmup: number;
  /** Stop accepting after this many acceptances; null: no budget. */
  budget: number | null;
  /** Rank by this score instead of the policy's own ranking score (`--select-by`). */
  selectBy?: RuleField | null;
}

export type OnlinePhase = 'warmup' | 'online' | 'budget';

/** The selector's state when a record was decided; written with the decision (`quarry.online`). */
export interface OnlineDecisionState {
  /** Arrival number of this record (1-based). */
  seq: number;
  phase: OnlinePhase;
  /** The ranking-score threshold in force (accept ≥ it, or ≤ for a bottom ranking); null: none applied. */
  threshold: number | null;
  /** The candidates' quantile the threshold was read at (1 − the fraction of candidates kept). */
  quantile: number | null;
  /** Records seen, candidates among them, decisions made (after the warm-up), acceptances: after this one. */
  seen: number;
  candidates: number;
  decided: number;
  accepted: number;
  /** The target rate in force. */
  target: number;
  /** Why this decision. */
  reason: string;
}

export interface OnlineDecision {
  /** null during the warm-up. */
  decision: 'accepted' | 'rejected' | null;
  /** The record's ranking score (null: not evaluated, filtered, or no ranking). */
  score: number | null;
  state: OnlineDecisionState;
}

/** Everything needed to resume a selector exactly (JSON-safe). */
export interface OnlineSnapshot {
  version: 1;
  config: OnlineConfig;
  seen: number;
  sketchSeen: number;
  candidates: number;
  decided: number;
  accepted: number;
  /** The sketch of the candidates' ranking scores (DDSketch protobuf, base64); null when empty. */
  sketch: string | null;
}

/** Relative accuracy of the quantile sketch. */
export const SKETCH_ACCURACY = 0.005;
/** Arrivals over which an acceptance deficit (or surplus) is made up. */
export const FEEDBACK_WINDOW = 50;

/** A problem with `config` in words, or null. */
export function validateOnlineConfig(config: OnlineConfig): string | null {
  if (!(config.rate > 0 && config.rate <= 1)) return `the target rate must be in (0, 1], got ${config.rate}`;
  if (!(Number.isInteger(config.warmup) && config.warmup >= 0)) return `the warm-up must be a whole number ≥ 0, got ${config.warmup}`;
  if (config.budget !== null && !(Number.isInteger(config.budget) && config.budget >= 0)) return `the budget must be a whole number ≥ 0, got ${config.budget}`;
  return null;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

interface Ranking {
  evaluable: (s: PolicySample) => boolean;
  pass: (s: PolicySample) => boolean;
  key: ((s: PolicySample) => number | null) | null;
  direction: RankSpec['direction'];
  /** What the score is, for reasons. */
  label: string;
}

function rankingOf(config: OnlineConfig): Ranking {
  const { evaluable, pass, rank } = policyCriteria(config.policy);
  if (config.selectBy) {
    const get = fieldGetter(config.selectBy);
    return { evaluable: (s) => evaluable(s) && get(s) !== null, pass, key: get, direction: rank?.direction ?? 'top', label: config.selectBy };
  }
  const label = config.policy.id === 'cherry' ? 'ifd' : config.policy.id === 'robust-hard' ? 'aifd' : 'the rule’s ranking';
  return { evaluable, pass, key: rank ? rank.key : null, direction: rank?.direction ?? 'top', label };
}

const fmt = (x: number) => (Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(3) : String(Number(x.toPrecision(4))));

/** Decides records one at a time (see the file comment). */
export class OnlineSelector {
  private cfg: OnlineConfig;
  private ranking: Ranking;
  private sketch: DDSketch;
  /** Records that have arrived (all of them). */
  private seen = 0;
  /** Records since the sketch started (a reconfiguration with another ranking starts a new one), and the candidates among them. */
  private sketchSeen = 0;
  private candidates = 0;
  private decided = 0;
  private accepted = 0;

  constructor(config: OnlineConfig, resume?: OnlineSnapshot) {
    const problem = validateOnlineConfig(config);
    if (problem) throw new RangeError(problem);
    this.cfg = { ...config };
    this.ranking = rankingOf(config);
    this.sketch = new DDSketch({ relativeAccuracy: SKETCH_ACCURACY });
    if (resume) {
      this.seen = resume.seen;
      this.sketchSeen = resume.sketchSeen;
      this.candidates = resume.candidates;
      this.decided = resume.decided;
      this.accepted = resume.accepted;
      if (resume.sketch) this.sketch = DDSketch.fromProto(fromBase64(resume.sketch));
    }
  }

  get config(): OnlineConfig {
    return this.cfg;
  }

  /** Counts so far: records seen, decided (after the warm-up), accepted. */
  get counts(): { seen: number; candidates: number; decided: number; accepted: number } {
    return { seen: this.seen, candidates: this.candidates, decided: this.decided, accepted: this.accepted };
  }

  /**
   * Changes the policy, rate, budget or warm-up from the next record on. Past decisions stay. A
   * policy that ranks by another score (or filters differently) starts a new sketch: its candidates
   * are counted afresh, and records are decided by the new sketch at once (its first thresholds rest
   * on few candidates; the feedback term keeps the rate on target meanwhile).
   */
  reconfigure(config: OnlineConfig): void {
    const problem = validateOnlineConfig(config);
    if (problem) throw new RangeError(problem);
    const ranking = rankingOf(config);
    const sameRanking = JSON.stringify(config.policy) === JSON.stringify(this.cfg.policy) && (config.selectBy ?? null) === (this.cfg.selectBy ?? null);
    this.cfg = { ...config };
    this.ranking = ranking;
    if (!sameRanking) {
      this.sketch = new DDSketch({ relativeAccuracy: SKETCH_ACCURACY });
      this.sketchSeen = 0;
      this.candidates = 0;
    }
  }

  snapshot(): OnlineSnapshot {
    return {
      version: 1,
      config: { ...this.cfg },
      seen: this.seen,
      sketchSeen: this.sketchSeen,
      candidates: this.candidates,
      decided: this.decided,
      accepted: this.accepted,
      sketch: this.sketch.count > 0 ? toBase64(this.sketch.toProto()) : null,
    };
  }

  /** Decides one arriving record. */
  decide(sample: PolicySample): OnlineDecision {
    const r = this.ranking;
    this.seen++;
    this.sketchSeen++;
    const arrival = this.seen;
    let score: number | null = null;
    let candidate = false;
    let why = '';
    if (!r.evaluable(sample)) why = 'not scored';
    else if (!r.pass(sample)) why = 'fails the policy’s filters';
    else if (r.key) {
      score = r.key(sample);
      if (score === null) why = `no ${r.label}`;
      else candidate = true;
    } else candidate = true;
    if (candidate) {
      this.candidates++;
      // The sketch holds "higher is better": a bottom ranking is negated.
      if (score !== null) this.sketch.accept(r.direction === 'top' ? score : -score);
    }

    const state = (phase: OnlinePhase, threshold: number | null, quantile: number | null, reason: string): OnlineDecisionState => ({
      seq: arrival,
      phase,
      threshold,
      quantile,
      seen: this.seen,
      candidates: this.candidates,
      decided: this.decided,
      accepted: this.accepted,
      target: this.cfg.rate,
      reason,
    });

    if (arrival <= this.cfg.warmup && this.decided === 0) {
      return { decision: null, score, state: state('warmup', null, null, `warm-up (${arrival} of ${this.cfg.warmup})`) };
    }
    this.decided++;
    if (this.cfg.budget !== null && this.accepted >= this.cfg.budget) {
      return { decision: 'rejected', score, state: state('budget', null, null, `budget of ${this.cfg.budget} spent`) };
    }
    if (!candidate) return { decision: 'rejected', score, state: state('online', null, null, why) };
    if (score === null) {
      // a policy without a ranking: its filters decide
      this.accepted++;
      return { decision: 'accepted', score, state: state('online', null, null, 'passes the filters (no ranking)') };
    }

    // The fraction of candidates to keep: the target over the candidates' share of the stream,
    // corrected by the acceptances behind (or ahead of) target over the decisions so far.
    const share = this.candidates / this.sketchSeen;
    const deficit = this.cfg.rate * (this.decided - 1) - this.accepted;
    const fraction = Math.min(1, Math.max(0, (this.cfg.rate + deficit / FEEDBACK_WINDOW) / share));
    const quantile = 1 - fraction;
    const cut = this.sketch.getValueAtQuantile(quantile);
    const key = r.direction === 'top' ? score : -score;
    // the sketch's value is within its relative accuracy of the true quantile: a key that falls in
    // the same bucket counts as reaching it
    const reaches = key >= cut - Math.abs(cut) * SKETCH_ACCURACY;
    const threshold = r.direction === 'top' ? cut : -cut;
    const side = r.direction === 'top' ? '≥' : '≤';
    if (fraction > 0 && reaches) {
      this.accepted++;
      return { decision: 'accepted', score, state: state('online', threshold, quantile, `${r.label} ${fmt(score)} ${side} threshold ${fmt(threshold)}`) };
    }
    return { decision: 'rejected', score, state: state('online', threshold, quantile, `${r.label} ${fmt(score)} below threshold ${fmt(threshold)}`) };
  }
}

/** `quarry.online` for a record decided online: the decision, its score and the selector's state. */
export function onlineRecordMeta(d: OnlineDecision, policy: Policy): OnlineRecordMeta {
  return { decision: d.decision, score: d.score, ...d.state, policy: describePolicy(policy) };
}
