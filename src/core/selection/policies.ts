// Selection policies: propose accept/reject decisions from scores. Pure TypeScript (Worker, Node, vitest).
//
// Background. IFD = s(A|Q) / s(A) (Cherry LLM, "From Quantity to Quality"): IFD >= 1 means the
// instruction does not help the model predict the answer (noise); among IFD < 1, a higher IFD is a
// harder, more valuable sample. AIFD = s(A|Q') / s(A) under adversarial instructions Q' ("Pay More
// Attention to the Robustness of Prompt for Instruction Data Mining"): robust, valuable data keeps
// AIFD < 1 while being hard, and a consistency close to 1 means the model's outputs stay the same
// under attack.
//
// Percentages. "top p%" is always p% of the samples the policy could evaluate (its *scored*
// samples, see each policy), NOT p% of the pool left after the filters: 10% of a 52k-sample dataset
// is 5.2k samples even if only 30k have IFD < 1, as the Cherry LLM paper reports its 5%/10%
// subsets. If fewer samples pass the filters, all of them are kept. The count is rounded down
// (like `int(n * rate)` in the Cherry LLM scripts): 10% of 25 samples keeps 2.
//
// Ties in the ranking score are broken by the original sample order (earlier first).
import type { SampleScores } from '../types';
import { compileExpr, fieldGetter, formatRule, parseRule, Truth, type RuleField, type RuleInput } from './rule';

export type PolicyId = 'cherry' | 'robust-hard' | 'custom';

export type ConsistencyKey = 'dist_consistency' | 'embed_consistency';

/** What a policy reads from one sample. Lengths are in characters. */
export interface PolicySample extends RuleInput {
  id: string;
  scores: SampleScores | null;
  instructionLength: number;
  responseLength: number;
}

/**
 * Cherry LLM: keep samples with IFD < 1, then the `topPercent`% of all scored samples with the
 * highest IFD. Scored = IFD not null; samples without an IFD are "unscored".
 */
export interface CherryPolicy {
  id: 'cherry';
  /** 0..100, default 10. */
  topPercent: number;
}

/**
 * Robust and hard: keep IFD < 1 AND AIFD < 1 AND `consistencyKey` >= `minConsistency`, then the
 * `topPercent`% of all scored samples with the highest AIFD. Scored = IFD and AIFD both not null.
 * A null consistency fails the consistency condition unless `allowMissingConsistency`.
 */
export interface RobustHardPolicy {
  id: 'robust-hard';
  /** 0..100, default 10. */
  topPercent: number;
  /** Default 0.8. */
  minConsistency: number;
  /** Default 'dist_consistency'. */
  consistencyKey: ConsistencyKey;
  /** Treat a missing consistency as passing (default false). */
  allowMissingConsistency?: boolean;
}

/**
 * A rule in the custom rule language (see `rule.ts`), e.g.
 * `ifd < 1 and aifd_gap >= 0.05 and dist_consistency > 0.9 top 20% by ifd`.
 * If the rule reads any score, samples without scores are "unscored"; a rule over lengths only
 * evaluates every sample. The percentage of a `top p%` clause is of the evaluated samples.
 */
export interface CustomPolicy {
  id: 'custom';
  rule: string;
}

export type Policy = CherryPolicy | RobustHardPolicy | CustomPolicy;

/** Decisions proposed by a policy. Unscored samples are neither kept nor rejected. */
export interface Proposal {
  keep: Set<string>;
  reject: Set<string>;
  /** Ids of the samples the policy could not evaluate, in input order. */
  unscored: string[];
  counts: { keep: number; reject: number; unscored: number };
}

/** One editable parameter of a preset, for the UI. */
export type PolicyParameter =
  | { key: 'topPercent'; label: string; kind: 'number'; min: number; max: number; step: number; unit: '%'; help: string }
  | { key: 'minConsistency'; label: string; kind: 'number'; min: number; max: number; step: number; help: string }
  | { key: 'consistencyKey'; label: string; kind: 'select'; options: ReadonlyArray<{ value: ConsistencyKey; label: string }>; help: string }
  | { key: 'allowMissingConsistency'; label: string; kind: 'boolean'; help: string }
  | { key: 'rule'; label: string; kind: 'rule'; help: string };

export interface PolicyPreset<P extends Policy = Policy> {
  id: P['id'];
  name: string;
  description: string;
  defaults: Readonly<P>;
  parameters: readonly PolicyParameter[];
}

/** Default rule offered when the curator switches to a custom policy. */
export const DEFAULT_CUSTOM_RULE = 'ifd < 1 and aifd < 1 and dist_consistency >= 0.8 top 10% by aifd';

const TOP_PERCENT_PARAM: PolicyParameter = {
  key: 'topPercent',
  label: 'Keep top',
  kind: 'number',
  min: 0,
  max: 100,
  step: 1,
  unit: '%',
  help: 'Percentage of all scored samples to keep (rounded down); fewer are kept if fewer pass the filters.',
};

/** The policies, their descriptions and defaults, for the UI (in display order: iterate `POLICY_IDS`). */
export const POLICY_PRESETS: { readonly [K in PolicyId]: PolicyPreset<Extract<Policy, { id: K }>> } = {
  cherry: {
    id: 'cherry',
    name: 'Cherry (IFD)',
    description:
      'Cherry LLM: drop samples whose instruction does not help (IFD ≥ 1), then keep the hardest ones — the highest IFD — up to the given share of all scored samples.',
    defaults: { id: 'cherry', topPercent: 10 },
    parameters: [TOP_PERCENT_PARAM],
  },
  'robust-hard': {
    id: 'robust-hard',
    name: 'Robust and hard',
    description:
      'Keep samples that stay useful under adversarial instructions: IFD < 1, AIFD < 1 and a consistency at or above the threshold, then the highest AIFD up to the given share of all scored samples.',
    defaults: { id: 'robust-hard', topPercent: 10, minConsistency: 0.8, consistencyKey: 'dist_consistency', allowMissingConsistency: false },
    parameters: [
      TOP_PERCENT_PARAM,
      {
        key: 'minConsistency',
        label: 'Minimum consistency',
        kind: 'number',
        min: 0,
        max: 1,
        step: 0.05,
        help: 'Samples whose outputs change more than this under attack are rejected.',
      },
      {
        key: 'consistencyKey',
        label: 'Consistency measure',
        kind: 'select',
        options: [
          { value: 'dist_consistency', label: 'Output distribution (dist_consistency)' },
          { value: 'embed_consistency', label: 'Output embedding (embed_consistency)' },
        ],
        help: 'Which consistency score the threshold applies to.',
      },
      {
        key: 'allowMissingConsistency',
        label: 'Allow missing consistency',
        kind: 'boolean',
        help: 'When off, samples without the consistency score are rejected.',
      },
    ],
  },
  custom: {
    id: 'custom',
    name: 'Custom rule',
    description:
      'A rule over any score, e.g. "ifd < 1 and aifd_gap >= 0.05 top 20% by ifd": comparisons, between, and/or/not, parentheses, and a final top/bottom clause (percent or count).',
    defaults: { id: 'custom', rule: DEFAULT_CUSTOM_RULE },
    parameters: [
      {
        key: 'rule',
        label: 'Rule',
        kind: 'rule',
        help: 'Scores: s_a_given_q, s_a, ifd, aifd, aifd_max, aifd_min, aifd_gap, dist_consistency, embed_consistency; also instruction_length, response_length. A comparison on a missing score is false.',
      },
    ],
  },
};

export const POLICY_IDS: readonly PolicyId[] = ['cherry', 'robust-hard', 'custom'];

/** A fresh copy of the default parameters of a policy. */
export function defaultPolicy<K extends PolicyId>(id: K): Extract<Policy, { id: K }> {
  return { ...POLICY_PRESETS[id].defaults } as Extract<Policy, { id: K }>;
}

/**
 * Problem with a policy's parameters, or null when valid: topPercent in [0, 100], a finite
 * minConsistency, a known consistencyKey, a rule that parses (the RuleSyntaxError message).
 */
export function validatePolicy(policy: Policy): string | null {
  switch (policy.id) {
    case 'cherry':
      return checkPercent(policy.topPercent);
    case 'robust-hard':
      return (
        checkPercent(policy.topPercent) ??
        (Number.isFinite(policy.minConsistency) ? null : `minimum consistency must be a number, got ${String(policy.minConsistency)}`) ??
        (policy.consistencyKey === 'dist_consistency' || policy.consistencyKey === 'embed_consistency'
          ? null
          : `unknown consistency measure '${String(policy.consistencyKey)}'`)
      );
    case 'custom':
      try {
        parseRule(policy.rule);
        return null;
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    default:
      return `unknown policy '${String((policy as { id: unknown }).id)}'`;
  }
}

function checkPercent(p: number): string | null {
  return Number.isFinite(p) && p >= 0 && p <= 100 ? null : `top percentage must be between 0 and 100, got ${String(p)}`;
}

/** Number of samples that `percent`% of `total` keeps (rounded down, robust to 10% of 30 = 3.0000000000000004). */
export function percentCount(percent: number, total: number): number {
  return Math.min(total, Math.max(0, Math.floor((percent * total) / 100 + 1e-9)));
}

/** How a policy ranks the samples that pass its filters. */
export interface RankSpec {
  key: (s: PolicySample) => number | null;
  direction: 'top' | 'bottom';
  /** Number of samples to keep, or a percentage of the evaluated samples. */
  amount: number;
  unit: 'percent' | 'count';
}

const UNSCORED = 0;
const REJECT = 1;
const CANDIDATE = 2;
const KEEP = 3;

/** Shared engine: evaluable → filter → optional rank; a few linear passes plus one native sort of the candidate keys. */
function select(
  samples: readonly PolicySample[],
  evaluable: (s: PolicySample) => boolean,
  pass: (s: PolicySample) => boolean,
  rank: RankSpec | null,
): Proposal {
  const n = samples.length;
  const status = new Uint8Array(n);
  const keys = rank ? new Float64Array(n) : null;
  let scored = 0;
  let candidates = 0;
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    if (!evaluable(s)) continue; // UNSCORED
    scored++;
    if (!pass(s)) {
      status[i] = REJECT;
      continue;
    }
    if (rank) {
      const k = rank.key(s);
      if (k === null) {
        status[i] = REJECT;
        continue;
      }
      keys![i] = k;
    }
    status[i] = CANDIDATE;
    candidates++;
  }

  if (rank) {
    const limit = rank.unit === 'count' ? Math.max(0, Math.floor(rank.amount)) : percentCount(rank.amount, scored);
    if (limit >= candidates) {
      for (let i = 0; i < n; i++) if (status[i] === CANDIDATE) status[i] = KEEP;
    } else if (limit === 0) {
      for (let i = 0; i < n; i++) if (status[i] === CANDIDATE) status[i] = REJECT;
    } else {
      // Equivalent to a stable sort by key with ties in input order, then taking the first
      // `limit`: find the threshold key with one native numeric sort, keep everything strictly
      // better, then the ties at the threshold in input order.
      const kv = keys!;
      const sorted = new Float64Array(candidates);
      for (let i = 0, j = 0; i < n; i++) if (status[i] === CANDIDATE) sorted[j++] = kv[i]!;
      sorted.sort();
      const top = rank.direction === 'top';
      const threshold = top ? sorted[candidates - limit]! : sorted[limit - 1]!;
      let better = 0;
      for (let i = 0; i < n; i++) {
        if (status[i] === CANDIDATE && (top ? kv[i]! > threshold : kv[i]! < threshold)) better++;
      }
      let tiesLeft = limit - better;
      for (let i = 0; i < n; i++) {
        if (status[i] !== CANDIDATE) continue;
        const k = kv[i]!;
        if (top ? k > threshold : k < threshold) status[i] = KEEP;
        else if (k === threshold && tiesLeft > 0) {
          status[i] = KEEP;
          tiesLeft--;
        } else status[i] = REJECT;
      }
    }
  } else {
    for (let i = 0; i < n; i++) if (status[i] === CANDIDATE) status[i] = KEEP;
  }

  const keep = new Set<string>();
  const reject = new Set<string>();
  const unscored: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = samples[i]!.id;
    const st = status[i];
    if (st === KEEP) keep.add(id);
    else if (st === REJECT) reject.add(id);
    else unscored.push(id);
  }
  return { keep, reject, unscored, counts: { keep: keep.size, reject: reject.size, unscored: unscored.length } };
}

/** Finite score or null (NaN counts as missing; ±Infinity is a value). */
function score(s: PolicySample, key: keyof SampleScores): number | null {
  const sc = s.scores;
  if (sc === null) return null;
  const v = sc[key];
  return typeof v === 'number' && v === v ? v : null;
}

/**
 * What a policy asks of one sample: can it be evaluated (its scores are there), does it pass the
 * hard filters, and by what score and how many it ranks the survivors. The batch selection
 * (`proposeDecisions`) and the online one (`online.ts`) both work from these.
 * @throws RangeError for invalid parameters, RuleSyntaxError for a custom rule that does not parse.
 */
export interface PolicyCriteria {
  evaluable: (s: PolicySample) => boolean;
  pass: (s: PolicySample) => boolean;
  rank: RankSpec | null;
}

export function policyCriteria(policy: Policy): PolicyCriteria {
  const problem = policy.id === 'custom' ? null : validatePolicy(policy);
  if (problem) throw new RangeError(problem);
  switch (policy.id) {
    case 'cherry':
      return {
        evaluable: (s) => score(s, 'ifd') !== null,
        pass: (s) => score(s, 'ifd')! < 1,
        rank: { key: (s) => score(s, 'ifd'), direction: 'top', amount: policy.topPercent, unit: 'percent' },
      };
    case 'robust-hard': {
      const { minConsistency: t, consistencyKey: ck } = policy;
      const allowMissing = policy.allowMissingConsistency === true;
      return {
        evaluable: (s) => score(s, 'ifd') !== null && score(s, 'aifd') !== null,
        pass: (s) => {
          if (!(score(s, 'ifd')! < 1 && score(s, 'aifd')! < 1)) return false;
          const c = score(s, ck);
          return c === null ? allowMissing : c >= t;
        },
        rank: { key: (s) => score(s, 'aifd'), direction: 'top', amount: policy.topPercent, unit: 'percent' },
      };
    }
    case 'custom': {
      const rule = parseRule(policy.rule);
      const where = rule.where ? compileExpr(rule.where) : null;
      const rank = rule.rank;
      return {
        evaluable: rule.usesScores ? (s) => s.scores !== null : () => true,
        pass: where ? (s) => where(s) === Truth.True : () => true,
        rank: rank ? { key: fieldGetter(rank.by), direction: rank.direction, amount: rank.amount, unit: rank.unit } : null,
      };
    }
    default:
      throw new RangeError(`unknown policy '${String((policy as { id: unknown }).id)}'`);
  }
}

/**
 * Propose decisions for `samples` under `policy` (see each policy type for its exact semantics).
 * Every sample lands in exactly one of keep / reject / unscored; unscored samples (the policy
 * cannot evaluate them) should keep their current decision. Runs in O(n log n) with one sort.
 * @throws RangeError for invalid parameters, RuleSyntaxError for a custom rule that does not parse.
 */
export function proposeDecisions(samples: readonly PolicySample[], policy: Policy): Proposal {
  const { evaluable, pass, rank } = policyCriteria(policy);
  return select(samples, evaluable, pass, rank);
}

/** Fields a policy ranks by, for UIs that want to show the ranking column. */
export function rankFieldOf(policy: Policy): RuleField | null {
  if (policy.id === 'cherry') return 'ifd';
  if (policy.id === 'robust-hard') return 'aifd';
  try {
    return parseRule(policy.rule).rank?.by ?? null;
  } catch {
    return null;
  }
}

/** One-line human description of a policy and its thresholds, for the summary card. */
export function describePolicy(policy: Policy): string {
  switch (policy.id) {
    case 'cherry':
      return `Cherry (IFD): keep IFD < 1, then the top ${policy.topPercent}% of scored samples by IFD (highest first)`;
    case 'robust-hard':
      return (
        `Robust and hard: keep IFD < 1, AIFD < 1 and ${policy.consistencyKey} ≥ ${policy.minConsistency}` +
        ` (missing consistency ${policy.allowMissingConsistency ? 'passes' : 'fails'}),` +
        ` then the top ${policy.topPercent}% of scored samples by AIFD (highest first)`
      );
    case 'custom': {
      try {
        return `Custom rule: ${formatRule(parseRule(policy.rule))}`;
      } catch {
        return `Custom rule (invalid): ${policy.rule.replace(/\s+/g, ' ').trim()}`;
      }
    }
    default:
      return `Unknown policy '${String((policy as { id: unknown }).id)}'`;
  }
}
