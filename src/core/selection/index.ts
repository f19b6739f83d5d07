// Selection policies and the custom-rule language. Pure TypeScript (Worker, Node, vitest).
export {
  DEFAULT_CUSTOM_RULE,
  POLICY_IDS,
  POLICY_PRESETS,
  defaultPolicy,
  describePolicy,
  percentCount,
  proposeDecisions,
  rankFieldOf,
  validatePolicy,
} from './policies';
export type {
  CherryPolicy,
  ConsistencyKey,
  CustomPolicy,
  Policy,
  PolicyId,
  PolicyParameter,
  PolicyPreset,
  PolicySample,
  Proposal,
  RobustHardPolicy,
} from './policies';
export {
  RULE_FIELDS,
  RULE_LENGTH_FIELDS,
  RULE_SCORE_FIELDS,
  RuleSyntaxError,
  Truth,
  compileExpr,
  fieldGetter,
  formatExpr,
  formatRule,
  parseRule,
} from './rule';
export type { CompareOp, CompiledExpr, FieldGetter, RankClause, Rule, RuleExpr, RuleField, RuleInput } from './rule';
