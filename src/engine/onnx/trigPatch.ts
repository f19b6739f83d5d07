/**
 * Accurate-trig rewrite for ONNX models that compute rotary embeddings in-graph.
 *
 * WGSL only requires `sin`/`cos` to be accurate to 2^-11 absolute, and real adapters (Chromium's SwiftShader among
 * them) are off by up to ~2e-4 for the arguments rotary embeddings produce (x = position · inv_freq, up to a few
 * hundred or thousand). That alone moves WebGPU cross-entropies ~1e-3 away from CPU. This module rewrites each
 * top-level `Cos`/`Sin` node into a range-reduced polynomial built only from Mul/Add/Sub/Floor, which are exact
 * (correctly rounded) IEEE operations on every backend, so the result is within ~2e-7 absolute of the exact value in fp32.
 *
 * It works directly on the serialized ModelProto bytes with the shared protobuf codec (protobuf.ts). Every
 * field is copied verbatim except the top-level `graph` (ModelProto field 7), whose node list (GraphProto field 1) is
 * re-emitted with each patched Cos/Sin NodeProto removed and the replacement nodes inserted where the first node of
 * its group stood (so the list stays topologically sorted, and no dead Cos/Sin kernel is left for the GPU to run).
 * The replacement reads the original input and writes the ORIGINAL output name, so consumers, value_info and graph
 * outputs stay valid; all new values/nodes get a fresh prefix (`quarry_trig_<group>_…`, or `quarry_trig<n>_…` if
 * some name in the model already starts with `quarry_trig_`).
 *
 * Math (per distinct Cos/Sin input x, shared when a Cos and a Sin read the same tensor, as in RoPE):
 *    k  = Floor(x · 1/π + 0.5)                       nearest integer (Floor rather than Round: supported everywhere)
 *    r  = (x − k·C1) − k·C2                          Cody–Waite: C1 = 3.140625 has 8 significant bits, so k·C1 and
 *                                                    x − k·C1 are exact for |k| < 2^16; C2 = fp32(π − C1)
 *    σ  = (−1)^k = 1 − 2·(k − 2·Floor(k/2))          exact
 *    cos x = σ · P(r²),  sin x = (σ·r) · Q(r²)       Horner; P, Q: degree-5 (in r²) Remez fits on |r| ≤ π/2 + 0.01
 * Reducing by π (not 2π) keeps |r| ≤ π/2, where Horner in fp32 loses little (reducing by 2π and evaluating Taylor
 * terms up to r^18 / r^19 on [−π, π] measured ~5e-7). Max abs error of the patched graph vs Math.cos/Math.sin of the fp32 input, measured with onnxruntime-node:
 *    |x| ≤ 600: cos 1.9e-7, sin 1.6e-7    |x| ≤ 1e4: 2.5e-7 / 1.7e-7    |x| ≤ 8e4: 1.2e-6    |x| ≤ 2e5: 2.3e-6
 * (ORT's CPU Cos/Sin: ~9e-8). Beyond ~2e5 (k ≥ 2^16) the reduction breaks down (3e-2 at 1e6); rotary arguments are
 * at most the position, so that is far outside the use case. Errors are absolute: near zeros of cos/sin the result is
 * not relatively accurate. Constants are `Constant(value_float)` → `CastLike(const, x)`, so the same nodes also serve
 * fp16/bf16 tensors (at their own, coarser precision). Inputs whose declared type is double are left alone.
 *
 * Scope and limits:
 *  - Only nodes of the top-level graph are rewritten (in the default domain "" / "ai.onnx"). Cos/Sin inside nested
 *    subgraphs (If/Loop/Scan bodies) or model-local functions are left untouched.
 *  - Needs default-domain opset ≥ 15 (CastLike); otherwise the model is returned unchanged.
 *  - A patched model contains no top-level Cos/Sin any more, so a second pass is a no-op (same bytes, patched: 0).
 *  - Bytes that fail to parse as a ModelProto are returned unchanged (patched: 0); ORT reports its own error then.
 *    protobuf.ts says what is checked; patchLogitRows refuses the same bytes (null).
 */

import {
  concatBytes,
  encodeFloatAttribute,
  encodeNode,
  fieldBytes,
  OnnxDataType,
  PbWriter,
  pbBytesField,
  ProtobufError,
  readFields,
  readMessage,
  readString,
  WIRE_LEN,
  WIRE_VARINT,
  type PbField,
} from './protobuf';

// ---------------------------------------------------------------------------------------------------------------
// Model analysis
// ---------------------------------------------------------------------------------------------------------------

interface TrigNode {
  readonly op: 'Cos' | 'Sin';
  readonly input: string;
  readonly output: string;
  /** Offset of the node's field tag inside the model bytes (identifies the NodeProto occurrence). */
  readonly at: number;
}

interface ModelScan {
  opset: number | undefined;
  /** Every value name and node name anywhere in the model's graphs (for picking a collision-free prefix). */
  readonly names: Set<string>;
  /** Top-level elem types known from graph inputs/outputs/value_info/initializers. */
  readonly elemTypes: Map<string, number>;
  /** Top-level Cos/Sin nodes, in graph order. */
  readonly trig: TrigNode[];
}

function scanValueInfo(buf: Uint8Array, start: number, end: number, scan: ModelScan, topLevel: boolean): void {
  let name = '';
  let elemType: number | undefined;
  for (const f of readFields(buf, start, end)) {
    if (f.num === 1 && f.wire === WIRE_LEN) name = readString(buf, f);
    else if (f.num === 2 && f.wire === WIRE_LEN && topLevel) {
      for (const t of readMessage(buf, f)) {
        if (t.num !== 1 || t.wire !== WIRE_LEN) continue; // TypeProto.tensor_type
        for (const e of readMessage(buf, t)) if (e.num === 1 && e.wire === WIRE_VARINT) elemType = e.value;
      }
    }
  }
  scan.names.add(name);
  if (topLevel && elemType !== undefined) scan.elemTypes.set(name, elemType);
}

function scanTensor(buf: Uint8Array, start: number, end: number, scan: ModelScan, topLevel: boolean): void {
  let name = '';
  let dataType: number | undefined;
  for (const f of readFields(buf, start, end)) {
    if (f.num === 8 && f.wire === WIRE_LEN) name = readString(buf, f);
    else if (f.num === 2 && f.wire === WIRE_VARINT) dataType = f.value;
  }
  scan.names.add(name);
  if (topLevel && dataType !== undefined) scan.elemTypes.set(name, dataType);
}

function scanNode(buf: Uint8Array, field: PbField, scan: ModelScan, topLevel: boolean): void {
  const inputs: string[] = [];
  const outputs: string[] = [];
  let opType = '';
  let domain = '';
  for (const f of readMessage(buf, field)) {
    if (f.wire !== WIRE_LEN) continue;
    switch (f.num) {
      case 1:
        inputs.push(readString(buf, f));
        break;
      case 2:
        outputs.push(readString(buf, f));
        break;
      case 3:
        scan.names.add(readString(buf, f));
        break;
      case 4:
        opType = readString(buf, f);
        break;
      case 5: // AttributeProto: g (6) and graphs (11) hold subgraphs
        for (const a of readMessage(buf, f)) {
          if ((a.num === 6 || a.num === 11) && a.wire === WIRE_LEN) scanGraph(buf, a.start, a.end, scan, false);
        }
        break;
      case 7:
        domain = readString(buf, f);
        break;
    }
  }
  for (const n of inputs) scan.names.add(n);
  for (const n of outputs) scan.names.add(n);
  const input = inputs[0];
  const output = outputs[0];
  if (
    topLevel &&
    (opType === 'Cos' || opType === 'Sin') &&
    (domain === '' || domain === 'ai.onnx') &&
    inputs.length === 1 &&
    input !== undefined &&
    input !== '' &&
    outputs.length === 1 &&
    output !== undefined &&
    output !== ''
  ) {
    scan.trig.push({ op: opType, input, output, at: field.tagStart });
  }
}

function scanGraph(buf: Uint8Array, start: number, end: number, scan: ModelScan, topLevel: boolean): void {
  for (const f of readFields(buf, start, end)) {
    if (f.wire !== WIRE_LEN) continue;
    switch (f.num) {
      case 1: // node
        scanNode(buf, f, scan, topLevel);
        break;
      case 5: // initializer
        scanTensor(buf, f.start, f.end, scan, topLevel);
        break;
      case 11: // input
      case 12: // output
      case 13: // value_info
        scanValueInfo(buf, f.start, f.end, scan, topLevel);
        break;
      case 15: // sparse_initializer: values (1) is a TensorProto carrying the name
        for (const s of readMessage(buf, f)) {
          if (s.num === 1 && s.wire === WIRE_LEN) scanTensor(buf, s.start, s.end, scan, topLevel);
        }
        break;
    }
  }
}

function scanModel(buf: Uint8Array): ModelScan {
  const scan: ModelScan = { opset: undefined, names: new Set(), elemTypes: new Map(), trig: [] };
  for (const f of readFields(buf)) {
    if (f.num === 7 && f.wire === WIRE_LEN) {
      // Repeated `graph` fields merge into one graph, so all of them are "top level".
      scanGraph(buf, f.start, f.end, scan, true);
    } else if (f.num === 8 && f.wire === WIRE_LEN) {
      let domain = '';
      let version = 0;
      for (const o of readMessage(buf, f)) {
        if (o.num === 1 && o.wire === WIRE_LEN) domain = readString(buf, o);
        else if (o.num === 2 && o.wire === WIRE_VARINT) version = o.value;
      }
      if (domain === '' || domain === 'ai.onnx') scan.opset = Math.max(scan.opset ?? 0, version);
    }
  }
  return scan;
}

// ---------------------------------------------------------------------------------------------------------------
// Rewrite
// ---------------------------------------------------------------------------------------------------------------

/** fp32 minimax fit of cos(r) ≈ Σ COS_COEFFS[j]·r^(2j) on |r| ≤ π/2 + 0.01 (Remez; values are exact fp32). */
const COS_COEFFS = [
  1, -0.5, 0.04166663438081741, -0.0013888340909034014, 0.000024759116058703512, -2.6032765276795544e-7,
] as const;
/** fp32 minimax fit of sin(r) ≈ r·Σ SIN_COEFFS[j]·r^(2j) on |r| ≤ π/2 + 0.01. */
const SIN_COEFFS = [
  1, -0.1666666716337204, 0.008333331905305386, -0.00019840992172248662, 0.0000027530875286174705,
  -2.3971390206156684e-8,
] as const;
const INV_PI = 1 / Math.PI;
const PI_HI = 3.140625; // 201/64: 8 significant bits
const PI_LO = Math.fround(Math.PI - PI_HI);

function uniquePrefix(names: Set<string>): string {
  for (let n = 1; ; n++) {
    const prefix = n === 1 ? 'quarry_trig_' : `quarry_trig${n}_`;
    let clash = false;
    for (const name of names) {
      if (name.startsWith(prefix)) {
        clash = true;
        break;
      }
    }
    if (!clash) return prefix;
  }
}

/** Encoded NodeProtos computing every Cos/Sin output that reads `x`, in topological order. */
function buildGroup(p: string, x: string, cosOuts: readonly string[], sinOuts: readonly string[]): Uint8Array[] {
  const nodes: Uint8Array[] = [];
  const node = (opType: string, inputs: readonly string[], out: string, attributes?: Uint8Array[]): string => {
    const name = out.startsWith(p) ? out : `${p}out${nodes.length}`;
    nodes.push(encodeNode({ opType, inputs, outputs: [out], name, attributes }));
    return out;
  };
  const constants = new Map<number, string>();
  const constant = (value: number): string => {
    const v = Math.fround(value);
    let name = constants.get(v);
    if (name === undefined) {
      const id = `${p}c${constants.size}`;
      node('Constant', [], `${id}_f32`, [encodeFloatAttribute('value_float', v)]);
      name = node('CastLike', [`${id}_f32`, x], id);
      constants.set(v, name);
    }
    return name;
  };

  // k = nearest integer to x/π; r = x − kπ (Cody–Waite); σ = (−1)^k
  const t = node('Mul', [x, constant(INV_PI)], `${p}x_over_pi`);
  const k = node('Floor', [node('Add', [t, constant(0.5)], `${p}x_over_pi_half`)], `${p}k`);
  const r1 = node('Sub', [x, node('Mul', [k, constant(PI_HI)], `${p}k_pi_hi`)], `${p}r1`);
  const r = node('Sub', [r1, node('Mul', [k, constant(PI_LO)], `${p}k_pi_lo`)], `${p}r`);
  const s = node('Mul', [r, r], `${p}r2`);
  const halfK = node('Floor', [node('Mul', [k, constant(0.5)], `${p}k_half`)], `${p}k_half_floor`);
  const kOdd = node('Sub', [k, node('Add', [halfK, halfK], `${p}k_even`)], `${p}k_odd`);
  const sign = node('Sub', [constant(1), node('Add', [kOdd, kOdd], `${p}k_odd2`)], `${p}sign`);

  const horner = (coeffs: readonly number[], tag: string): string => {
    let acc = constant(coeffs[coeffs.length - 1] as number);
    for (let j = coeffs.length - 2; j >= 0; j--) {
      const prod = node('Mul', [acc, s], `${p}${tag}_m${j}`);
      acc = node('Add', [prod, constant(coeffs[j] as number)], `${p}${tag}_a${j}`);
    }
    return acc;
  };
  if (cosOuts.length > 0) {
    const poly = horner(COS_COEFFS, 'cos');
    for (const out of cosOuts) node('Mul', [poly, sign], out);
  }
  if (sinOuts.length > 0) {
    const poly = horner(SIN_COEFFS, 'sin');
    const signedR = node('Mul', [r, sign], `${p}r_signed`);
    for (const out of sinOuts) node('Mul', [poly, signedR], out);
  }
  return nodes;
}

/** Rewrites every top-level Cos/Sin node on float tensors into an accurate range-reduced polynomial built from
 * Mul/Add/Sub/Floor (exact IEEE ops on every backend). Returns the new bytes and how many nodes were patched.
 * Returns the input unchanged (patched: 0) when there is nothing to patch or the graph's opset < 15. */
export function patchTrigForGpu(model: Uint8Array): { bytes: Uint8Array; patched: number } {
  const unchanged = { bytes: model, patched: 0 };
  try {
    const scan = scanModel(model);
    if (scan.opset === undefined || scan.opset < 15) return unchanged;
    const targets = scan.trig.filter((t) => {
      const type = scan.elemTypes.get(t.input) ?? scan.elemTypes.get(t.output);
      return (
        type === undefined ||
        type === OnnxDataType.FLOAT ||
        type === OnnxDataType.FLOAT16 ||
        type === OnnxDataType.BFLOAT16
      );
    });
    if (targets.length === 0) return unchanged;

    // One group per distinct input (RoPE's Cos and Sin share theirs), emitted where its first member stood: the
    // input is produced before that point and every consumer of every member comes after it, so the node list
    // stays topologically sorted.
    const groups = new Map<string, { at: number; cos: string[]; sin: string[] }>();
    for (const t of targets) {
      let g = groups.get(t.input);
      if (g === undefined) {
        g = { at: t.at, cos: [], sin: [] };
        groups.set(t.input, g);
      }
      (t.op === 'Cos' ? g.cos : g.sin).push(t.output);
    }
    const prefix = uniquePrefix(scan.names);
    const remove = new Set(targets.map((t) => t.at));
    const insert = new Map<number, Uint8Array>();
    let gi = 0;
    for (const [x, g] of groups) {
      const nodes = buildGroup(`${prefix}${gi++}_`, x, g.cos, g.sin);
      insert.set(g.at, concatBytes(nodes.map((n) => pbBytesField(1, n))));
    }

    // Re-serialize: every field is copied verbatim except the top-level graph(s), whose node lists are edited.
    const out = new PbWriter();
    for (const f of readFields(model)) {
      if (f.num !== 7 || f.wire !== WIRE_LEN) {
        out.raw(fieldBytes(model, f));
        continue;
      }
      const graph = new PbWriter();
      for (const g of readMessage(model, f)) {
        const added = insert.get(g.tagStart);
        if (added !== undefined) graph.raw(added);
        if (!remove.has(g.tagStart)) graph.raw(fieldBytes(model, g));
      }
      out.messageField(7, graph);
    }
    return { bytes: out.finish(), patched: targets.length };
  } catch (e) {
    if (e instanceof ProtobufError) return unchanged;
    throw e;
  }
}
