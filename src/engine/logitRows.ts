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
// empty one (see transformersEngine.ts).
//
// Works on the serialized ModelProto with a minimal protobuf reader/writer: every field is copied
// verbatim except the graph's node list (the new nodes are inserted right before the LM head so
// the list stays topologically sorted), plus new initializers and the new graph input. Returns
// null (use the original model) when the graph is not of the expected shape: no `logits` output
// produced by a MatMul / MatMulNBits, default-domain opset < 13, or names already taken.

export const LOGIT_ROWS_INPUT = 'quarry_logit_rows';
export const LOGIT_TARGETS_INPUT = 'quarry_logit_targets';

export const TARGET_LOGPROB_OUTPUT = 'quarry_target_logprob';
const P = 'quarry_logit_rows/';

// ---------------------------------------------------------------------------------------------
// Protobuf wire format

interface Field {
  num: number;
  wire: number;
  /** varint value (wire 0). */
  value: number;
  /** [tagStart, end) is the whole field; [start, end) its payload (wire 2). */
  tagStart: number;
  start: number;
  end: number;
}

function readVarint(b: Uint8Array, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    if (pos >= b.length) throw new Error('truncated varint');
    const x = b[pos++]!;
    v += (x & 0x7f) * mul;
    if (!(x & 0x80)) return [v, pos];
    mul *= 128;
    if (mul > 2 ** 63) throw new Error('varint too long');
  }
}

function fields(b: Uint8Array, start: number, end: number): Field[] {
  const out: Field[] = [];
  let p = start;
  while (p < end) {
    const tagStart = p;
    let tag: number;
    [tag, p] = readVarint(b, p);
    const num = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      let v: number;
      [v, p] = readVarint(b, p);
      out.push({ num, wire, value: v, tagStart, start: p, end: p });
    } else if (wire === 1) {
      out.push({ num, wire, value: 0, tagStart, start: p, end: p + 8 });
      p += 8;
    } else if (wire === 5) {
      out.push({ num, wire, value: 0, tagStart, start: p, end: p + 4 });
      p += 4;
    } else if (wire === 2) {
      let len: number;
      [len, p] = readVarint(b, p);
      out.push({ num, wire, value: 0, tagStart, start: p, end: p + len });
      p += len;
    } else throw new Error(`unsupported wire type ${wire}`);
    if (p > end) throw new Error('field overruns its message');
  }
  return out;
}

const dec = new TextDecoder();
const enc = new TextEncoder();
const str = (b: Uint8Array, f: Field) => dec.decode(b.subarray(f.start, f.end));

class Writer {
  private chunks: Uint8Array[] = [];
  private n = 0;
  bytes(x: Uint8Array): this {
    this.chunks.push(x);
    this.n += x.length;
    return this;
  }
  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    do {
      let byte = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) byte |= 0x80;
      out.push(byte);
    } while (x > 0n);
    return this.bytes(Uint8Array.from(out));
  }
  tag(num: number, wire: number): this {
    return this.varint(num * 8 + wire);
  }
  int(num: number, v: number | bigint): this {
    return this.tag(num, 0).varint(v);
  }
  msg(num: number, payload: Uint8Array): this {
    return this.tag(num, 2).varint(payload.length).bytes(payload);
  }
  string(num: number, s: string): this {
    return this.msg(num, enc.encode(s));
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.n);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// ONNX messages we emit (field numbers from onnx.proto)

const FLOAT = 1;
const INT64 = 7;
const BOOL_TO_INT64 = INT64;

type Attr = { name: string; i: number } | { name: string; ints: number[] };

function nodeProto(op: string, inputs: string[], outputs: string[], attrs: Attr[] = []): Uint8Array {
  const w = new Writer();
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, `${P}${outputs[0]}`);
  w.string(4, op);
  for (const a of attrs) {
    const aw = new Writer().string(1, a.name);
    if ('i' in a) aw.int(3, a.i).int(20, 2);
    else {
      for (const v of a.ints) aw.int(8, v);
      aw.int(20, 7);
    }
    w.msg(5, aw.finish());
  }
  return w.finish();
}

/** int64 initializer: a scalar (dims []) or a 1-D tensor. */
function int64Tensor(name: string, values: number[], scalar: boolean): Uint8Array {
  const w = new Writer();
  if (!scalar) w.int(1, values.length);
  w.int(2, INT64);
  w.string(8, name);
  const raw = new Uint8Array(values.length * 8);
  const dv = new DataView(raw.buffer);
  values.forEach((v, i) => dv.setBigInt64(i * 8, BigInt(v), true));
  w.msg(9, raw);
  return w.finish();
}

/** ValueInfoProto of a graph input or output: element type and symbolic dims. */
function valueInfo(name: string, elemType: number, dims: string[]): Uint8Array {
  const shape = new Writer();
  for (const d of dims) shape.msg(1, new Writer().string(2, d).finish());
  const tensor = new Writer().int(1, elemType).msg(2, shape.finish()).finish();
  const type = new Writer().msg(1, tensor).finish();
  return new Writer().string(1, name).msg(2, type).finish();
}

// ---------------------------------------------------------------------------------------------

function defaultOpset(b: Uint8Array, model: Field[]): number | null {
  let v: number | null = null;
  for (const f of model) {
    if (f.num !== 8 || f.wire !== 2) continue;
    const sub = fields(b, f.start, f.end);
    const domain = sub.find((x) => x.num === 1);
    const version = sub.find((x) => x.num === 2);
    const d = domain ? str(b, domain) : '';
    if ((d === '' || d === 'ai.onnx') && version) v = version.value;
  }
  return v;
}

/** The element type of a graph output's ValueInfoProto (type.tensor_type.elem_type), or null. */
function logitsElemType(b: Uint8Array, valueInfo: Field[]): number | null {
  const type = valueInfo.find((x) => x.num === 2 && x.wire === 2);
  const tensor = type && fields(b, type.start, type.end).find((x) => x.num === 1 && x.wire === 2);
  const elem = tensor && fields(b, tensor.start, tensor.end).find((x) => x.num === 1 && x.wire === 0);
  return elem ? elem.value : null;
}

/** Whether any node input/output, initializer or graph input/output name starts with `prefix`. */
function usesName(b: Uint8Array, graph: Field[], prefix: string): boolean {
  const names: string[] = [];
  for (const f of graph) {
    if (f.num === 1) for (const x of fields(b, f.start, f.end)) if (x.num === 1 || x.num === 2) names.push(str(b, x));
    if (f.num === 5 || f.num === 11 || f.num === 12) {
      const name = fields(b, f.start, f.end).find((x) => x.num === (f.num === 5 ? 8 : 1));
      if (name) names.push(str(b, name));
    }
  }
  return names.some((n) => n.startsWith(prefix));
}

/**
 * The graph with the LM head restricted to `quarry_logit_rows` (see the file comment), or null
 * when this graph cannot be patched.
 */
export function patchLogitRows(bytes: Uint8Array): Uint8Array | null {
  let model: Field[];
  try {
    model = fields(bytes, 0, bytes.length);
  } catch {
    return null;
  }
  const graphField = model.find((f) => f.num === 7 && f.wire === 2);
  const opset = defaultOpset(bytes, model);
  if (!graphField || opset === null || opset < 13) return null;
  let graph: Field[];
  try {
    graph = fields(bytes, graphField.start, graphField.end);
  } catch {
    return null;
  }
  // The node producing the `logits` graph output.
  const logitsInfo = graph
    .filter((f) => f.num === 12)
    .map((f) => fields(bytes, f.start, f.end))
    .find((vi) => vi.some((x) => x.num === 1 && str(bytes, x) === 'logits'));
  if (!logitsInfo) return null;
  const logitsFloat32 = logitsElemType(bytes, logitsInfo) === FLOAT;
  const nodes = graph.filter((f) => f.num === 1);
  let headIndex = -1;
  let head: Field[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const nf = fields(bytes, nodes[i]!.start, nodes[i]!.end);
    if (nf.some((x) => x.num === 2 && str(bytes, x) === 'logits')) {
      headIndex = i;
      head = nf;
      break;
    }
  }
  if (headIndex < 0) return null;
  const opField = head.find((x) => x.num === 4);
  const domainField = head.find((x) => x.num === 7);
  const op = opField ? str(bytes, opField) : '';
  const domain = domainField ? str(bytes, domainField) : '';
  const isMatMul = (op === 'MatMul' && (domain === '' || domain === 'ai.onnx')) || (op === 'MatMulNBits' && domain === 'com.microsoft');
  if (!isMatMul) return null;
  const firstInput = head.find((x) => x.num === 1);
  if (!firstInput) return null;
  const h = str(bytes, firstInput);
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
    int64Tensor(n('axes1'), [1], false),
    int64Tensor(n('c0'), [0], true),
    int64Tensor(n('c1'), [1], true),
    int64Tensor(n('axes0'), [0], false),
    int64Tensor(n('zero1'), [0], false),
    int64Tensor(n('neg1'), [-1], false),
  ];

  // The LM head node with its first input replaced by the gathered rows.
  const hw = new Writer();
  let replaced = false;
  for (const f of head) {
    if (f.num === 1 && !replaced) {
      hw.string(1, n('h'));
      replaced = true;
    } else hw.bytes(bytes.subarray(f.tagStart, f.end));
  }

  const gw = new Writer();
  let nodeIdx = 0;
  for (const f of graph) {
    if (f.num === 1) {
      if (nodeIdx === headIndex) {
        for (const nn of newNodes) gw.msg(1, nn);
        gw.msg(1, hw.finish());
        for (const nn of tailNodes) gw.msg(1, nn);
      } else gw.bytes(bytes.subarray(f.tagStart, f.end));
      nodeIdx++;
    } else gw.bytes(bytes.subarray(f.tagStart, f.end));
  }
  for (const t of inits) gw.msg(5, t);
  gw.msg(11, valueInfo(LOGIT_ROWS_INPUT, INT64, ['quarry_logit_rows_n']));
  gw.msg(11, valueInfo(LOGIT_TARGETS_INPUT, INT64, ['quarry_logit_rows_n']));
  gw.msg(12, valueInfo(TARGET_LOGPROB_OUTPUT, FLOAT, ['quarry_logit_rows_n', 'quarry_one']));

  const mw = new Writer();
  for (const f of model) {
    if (f === graphField) mw.msg(7, gw.finish());
    else mw.bytes(bytes.subarray(f.tagStart, f.end));
  }
  return mw.finish();
}
