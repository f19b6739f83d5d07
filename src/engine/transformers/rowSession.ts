// The LM's ONNX session after the rows-only rewrite (onnx/logitRows.ts), as transformers.js sees
// it: the original input names, so that transformers.js' own calls (generation) keep working and
// get an empty quarry_logit_rows (every row's logits, as the original graph).
//
// A scoring pass says which rows, targets and outputs it wants through `runRows`, which ties them
// to that pass's own input tensor: transformers.js hands the session the same onnxruntime tensor
// objects it was given, so the session finds the pass's arguments by its `input_ids` and no state
// is shared between passes (nothing to set before a call and reset after it).

import { LOGIT_ROWS_INPUT, LOGIT_TARGETS_INPUT } from '../onnx/logitRows';
import { int64Tensor, ortTensor, type TjsModel, type TjsSession, type TjsTensor } from './tjs';

/** What one pass asks of the rewritten graph. */
export interface RowArgs {
  /** Flat b·T + t indices of the positions whose logits are computed; empty or absent: all. */
  rows?: Int32Array;
  /** The token each chosen row predicts (log p(target) per row from the graph's tail). */
  targets?: Int32Array;
  /** The outputs to copy back (e.g. only `logits`, not the present.* keys/values); absent: all. */
  fetches?: string[];
}

const argsByInput = new WeakMap<object, RowArgs>();
let empty: unknown = null;
const emptyInt64 = () => (empty ??= ortTensor(int64Tensor([])));

/** The rewritten session, wrapped so that transformers.js sees the original's inputs. */
export class RowSession implements TjsSession {
  readonly inputNames: string[];
  readonly outputNames: string[];
  readonly inputMetadata?: Array<{ name: string }>;
  readonly outputMetadata?: unknown;

  constructor(
    private readonly inner: TjsSession,
    readonly config: unknown,
  ) {
    const ours = (n: string) => n === LOGIT_ROWS_INPUT || n === LOGIT_TARGETS_INPUT;
    this.inputNames = inner.inputNames.filter((n) => !ours(n));
    this.outputNames = inner.outputNames;
    this.inputMetadata = inner.inputMetadata?.filter((m) => !ours(m.name));
    this.outputMetadata = inner.outputMetadata;
  }

  run(feeds: Record<string, unknown>, ...rest: unknown[]): Promise<Record<string, unknown>> {
    const args = argsByInput.get(feeds.input_ids as object) ?? {};
    const all = {
      ...feeds,
      [LOGIT_ROWS_INPUT]: args.rows ? ortTensor(int64Tensor(args.rows)) : emptyInt64(),
      [LOGIT_TARGETS_INPUT]: args.targets ? ortTensor(int64Tensor(args.targets)) : emptyInt64(),
    };
    return args.fetches && rest.length === 0 ? this.inner.run(all, args.fetches) : this.inner.run(all, ...rest);
  }

  release(): Promise<void> {
    return this.inner.release();
  }
}

/**
 * One forward pass of `model` on `inputs` (transformers.js tensors) with `args` for the row
 * session it runs on (ignored by an unpatched session, which computes every row).
 */
export async function runRows(model: TjsModel, inputs: Record<string, unknown> & { input_ids: object }, args: RowArgs): Promise<Record<string, TjsTensor>> {
  const key = ortTensor(inputs.input_ids as never) as object;
  argsByInput.set(key, args);
  try {
    return await model(inputs);
  } finally {
    argsByInput.delete(key);
  }
}
