// Logits only where they are needed (docs/metrics.md, "Performance").
//
// Scoring reads the logits of the response positions only, yet a causal LM graph computes the
// LM head (hidden → vocabulary, e.g. 768 × 50 257 multiply-adds per token, more than the rest of
// a distilgpt2-sized model) at every position of every row. `patchLogitRows` rewrites a decoder
// graph so that the LM head runs on chosen rows only:
//
//   new input  quarry_logit_rows: int64 [N]   flat indices b·T + t into the [B, T] positions
//   h = <the LM head MatMul's input> [B, T, H]
//   rows = N > 0 ? quarry_logit_rows : 0..B·T−1          (branch-free: Concat + Slice)
//   h' = Reshape(Gather(Flatten(h), rows), N > 0 ? [1, N, H] : [B, T, H])
//   logits = MatMul(h', W)        → [1, N, V], or [B, T, V] exactly as before when N = 0
//
// and, after the LM head, the log-likelihood tail:
//
//   new input  quarry_logit_targets: int64 [N]   the token each chosen row predicts
//   quarry_target_logprob = GatherElements(LogSoftmax(float32(Slice(Flatten(logits), rows 0..N−1))), targets)
//                                                                              [N, 1]  log p(target)
//
// so that rows whose distributions are not needed (the s(A) texts, and every text without
// distribution consistency) never copy their logits out of the runtime nor loop over the
// vocabulary in JS: onnxruntime's LogSoftmax is one vectorised, multi-threaded kernel, and the
// output is N floats instead of N·V (docs/metrics.md, "Performance"). Empty when N = 0.
//
// Everything before the LM head (and every present.* output) is unchanged, and a row's logits are
// the same numbers whether or not other rows are computed. With an empty quarry_logit_rows the
// graph behaves like the original, which is how generation (transformers.js, which does not know
// the input) keeps working: the engine wraps the session so that runs without the input get an
// empty one (see engine/transformers/rowSession.ts).
//
// Works on the serialized ModelProto with the shared protobuf codec (protobuf.ts): every field is
// copied verbatim except the graph's node list (the new nodes are inserted right before the LM
// head so the list stays topologically sorted), plus new initializers and the new graph input.
// Returns null (use the original model) when the graph is not of the expected shape: no `logits`
// output produced by a MatMul / MatMulNBits, default-domain opset < 13, or names already taken;
// and when the bytes are not a well-formed protobuf message anywhere it reads (protobuf.ts says
// what is checked).

import {
  encodeInt64Tensor,
  encodeIntAttribute,
  encodeNode,
  encodeTensorValueInfo,
  fieldBytes,
  OnnxDataType,
  PbWriter,
  ProtobufError,
  readFields,
  readMessage,
  readString,
  WIRE_LEN,
  WIRE_VARINT,
  type PbField,
} from './protobuf';

export const LOGIT_ROWS_INPUT = 'quarry_logit_rows';
export const LOGIT_TARGETS_INPUT = 'quarry_logit_targets';

export const TARGET_LOGPROB_OUTPUT = 'quarry_target_logprob';
const P = 'quarry_logit_rows/';

const FLOAT = OnnxDataType.FLOAT;
const INT64 = OnnxDataType.INT64;
const BOOL_TO_INT64 = INT64;

/** A NodeProto named after its first output; attributes are ints (`axis`, `to`). */
function nodeProto(op: string, inputs: string[], outputs: string[], attrs: { name: string; i: number }[] = []): Uint8Array {
  const attributes = attrs.map((a) => encodeIntAttribute(a.name, a.i));
  return encodeNode({ opType: op, inputs, outputs, name: `${P}${outputs[0]}`, attributes });
}

// ---------------------------------------------------------------------------------------------

function defaultOpset(b: Uint8Array, model: PbField[]): number | null {
  let v: number | null = null;
  for (const f of model) {
    if (f.num !== 8 || f.wire !== WIRE_LEN) continue;
    const sub = readMessage(b, f);
    const domain = sub.find((x) => x.num === 1);
    const version = sub.find((x) => x.num === 2);
    const d = domain ? readString(b, domain) : '';
    if ((d === '' || d === 'ai.onnx') && version) v = version.value;
  }
  return v;
}

/** The element type of a graph output's ValueInfoProto (type.tensor_type.elem_type), or null. */
function logitsElemType(b: Uint8Array, valueInfo: PbField[]): number | null {
  const type = valueInfo.find((x) => x.num === 2 && x.wire === WIRE_LEN);
  const tensor = type && readMessage(b, type).find((x) => x.num === 1 && x.wire === WIRE_LEN);
  const elem = tensor && readMessage(b, tensor).find((x) => x.num === 1 && x.wire === WIRE_VARINT);
  return elem ? elem.value : null;
}

/** Whether any node input/output, initializer or graph input/output name starts with `prefix`. */
function usesName(b: Uint8Array, graph: PbField[], prefix: string): boolean {
  const names: string[] = [];
  for (const f of graph) {
    if (f.num === 1) for (const x of readMessage(b, f)) if (x.num === 1 || x.num === 2) names.push(readString(b, x));
    if (f.num === 5 || f.num === 11 || f.num === 12) {
      const name = readMessage(b, f).find((x) => x.num === (f.num === 5 ? 8 : 1));
      if (name) names.push(readString(b, name));
    }
  }
  return names.some((n) => n.startsWith(prefix));
}

/**
 * The graph with the LM head restricted to `quarry_logit_rows` (see the file comment), or null
 * when this graph cannot be patched.
 */
export function patchLogitRows(bytes: Uint8Array): Uint8Array | null {
  try {
    return patch(bytes);
  } catch (e) {
    // Not a well-formed message somewhere we read: leave the model alone, like patchTrigForGpu.
    if (e instanceof ProtobufError) return null;
    throw e;
  }
}

function patch(bytes: Uint8Array): Uint8Array | null {
  const model = readFields(bytes);
  const graphField = model.find((f) => f.num === 7 && f.wire === WIRE_LEN);
  const opset = defaultOpset(bytes, model);
  if (!graphField || opset === null || opset < 13) return null;
  const graph = readMessage(bytes, graphField);
  // The node producing the `logits` graph output.
  const logitsInfo = graph
    .filter((f) => f.num === 12)
    .map((f) => readMessage(bytes, f))
    .find((vi) => vi.some((x) => x.num === 1 && readString(bytes, x) === 'logits'));
  if (!logitsInfo) return null;
  const logitsFloat32 = logitsElemType(bytes, logitsInfo) === FLOAT;
  const nodes = graph.filter((f) => f.num === 1);
  let headIndex = -1;
  let head: PbField[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const nf = readMessage(bytes, nodes[i]!);
    if (nf.some((x) => x.num === 2 && readString(bytes, x) === 'logits')) {
      headIndex = i;
      head = nf;
      break;
    }
  }
  if (headIndex < 0) return null;
  const opField = head.find((x) => x.num === 4);
  const domainField = head.find((x) => x.num === 7);
  const op = opField ? readString(bytes, opField) : '';
  const domain = domainField ? readString(bytes, domainField) : '';
  const isMatMul = (op === 'MatMul' && (domain === '' || domain === 'ai.onnx')) || (op === 'MatMulNBits' && domain === 'com.microsoft');
  if (!isMatMul) return null;
  const firstInput = head.find((x) => x.num === 1);
  if (!firstInput) return null;
  const h = readString(bytes, firstInput);
  // Refuse if our names could collide with the model's.
  if (usesName(bytes, graph, 'quarry_')) return null;

  const n = (s: string) => `${P}${s}`;
  const rows = LOGIT_ROWS_INPUT;
  const newNodes: Uint8Array[] = [
    nodeProto('Shape', [h], [n('shape')]),
    nodeProto('Gather', [n('shape'), n('c0')], [n('B')], [{ name: 'axis', i: 0 }]),
    nodeProto('Gather', [n('shape'), n('c1')], [n('T')], [{ name: 'axis', i: 0 }]),
    nodeProto('Mul', [n('B'), n('T')], [n('BT')]),
    nodeProto('Flatten', [h], [n('flat')], [{ name: 'axis', i: 2 }]),
    nodeProto('Size', [rows], [n('N')]),
    nodeProto('Equal', [n('N'), n('c0')], [n('emptyb')]),
    nodeProto('Cast', [n('emptyb')], [n('empty')], [{ name: 'to', i: BOOL_TO_INT64 }]),
    nodeProto('Sub', [n('c1'), n('empty')], [n('some')]),
    nodeProto('Mul', [n('BT'), n('empty')], [n('BTe')]),
    nodeProto('Add', [n('N'), n('BTe')], [n('L')]),
    nodeProto('Range', [n('c0'), n('BT'), n('c1')], [n('all')]),
    nodeProto('Concat', [rows, n('all')], [n('cat')], [{ name: 'axis', i: 0 }]),
    nodeProto('Unsqueeze', [n('L'), n('axes0')], [n('L1')]),
    nodeProto('Slice', [n('cat'), n('zero1'), n('L1')], [n('idx')]),
    nodeProto('Gather', [n('flat'), n('idx')], [n('rowsh')], [{ name: 'axis', i: 0 }]),
    nodeProto('Mul', [n('B'), n('empty')], [n('Be')]),
    nodeProto('Add', [n('Be'), n('some')], [n('B2')]),
    nodeProto('Mul', [n('T'), n('empty')], [n('Te')]),
    nodeProto('Mul', [n('L'), n('some')], [n('Ls')]),
    nodeProto('Add', [n('Te'), n('Ls')], [n('T2')]),
    nodeProto('Unsqueeze', [n('B2'), n('axes0')], [n('B21')]),
    nodeProto('Unsqueeze', [n('T2'), n('axes0')], [n('T21')]),
    nodeProto('Concat', [n('B21'), n('T21'), n('neg1')], [n('shape3')], [{ name: 'axis', i: 0 }]),
    nodeProto('Reshape', [n('rowsh'), n('shape3')], [n('h')]),
  ];
  // The metric tail on the head's output (see the file comment).
  const tailNodes: Uint8Array[] = [
    nodeProto('Flatten', ['logits'], [n('lflat')], [{ name: 'axis', i: 2 }]),
    nodeProto('Unsqueeze', [n('N'), n('axes0')], [n('N1')]),
    nodeProto('Slice', [n('lflat'), n('zero1'), n('N1'), n('zero1')], [n('lsel')]),
    // float32 whatever the model's dtype (an fp16 model's logits would round the log-likelihoods)
    ...(logitsFloat32 ? [] : [nodeProto('Cast', [n('lsel')], [n('lsel32')], [{ name: 'to', i: FLOAT }])]),
    nodeProto('LogSoftmax', [logitsFloat32 ? n('lsel') : n('lsel32')], [n('lsm')], [{ name: 'axis', i: -1 }]),
    nodeProto('Unsqueeze', [LOGIT_TARGETS_INPUT, n('axes1')], [n('tgt')]),
    nodeProto('GatherElements', [n('lsm'), n('tgt')], [TARGET_LOGPROB_OUTPUT], [{ name: 'axis', i: 1 }]),
  ];
  const inits = [
    encodeInt64Tensor(n('axes1'), [1], [1]),
    encodeInt64Tensor(n('c0'), [0], []),
    encodeInt64Tensor(n('c1'), [1], []),
    encodeInt64Tensor(n('axes0'), [0], [1]),
    encodeInt64Tensor(n('zero1'), [0], [1]),
    encodeInt64Tensor(n('neg1'), [-1], [1]),
  ];

  // The LM head node with its first input replaced by the gathered rows.
  const hw = new PbWriter();
  let replaced = false;
  for (const f of head) {
    if (f.num === 1 && !replaced) {
      hw.stringField(1, n('h'));
      replaced = true;
    } else hw.raw(fieldBytes(bytes, f));
  }

  const gw = new PbWriter();
  let nodeIdx = 0;
  for (const f of graph) {
    if (f.num === 1) {
      if (nodeIdx === headIndex) {
        for (const nn of newNodes) gw.bytesField(1, nn);
        gw.messageField(1, hw);
        for (const nn of tailNodes) gw.bytesField(1, nn);
      } else gw.raw(fieldBytes(bytes, f));
      nodeIdx++;
    } else gw.raw(fieldBytes(bytes, f));
  }
  for (const t of inits) gw.bytesField(5, t);
  gw.bytesField(11, encodeTensorValueInfo(LOGIT_ROWS_INPUT, INT64, ['quarry_logit_rows_n']));
  gw.bytesField(11, encodeTensorValueInfo(LOGIT_TARGETS_INPUT, INT64, ['quarry_logit_rows_n']));
  gw.bytesField(12, encodeTensorValueInfo(TARGET_LOGPROB_OUTPUT, FLOAT, ['quarry_logit_rows_n', 'quarry_one']));

  const mw = new PbWriter();
  for (const f of model) {
    if (f === graphField) mw.messageField(7, gw);
    else mw.raw(fieldBytes(bytes, f));
  }
  return mw.finish();
}
