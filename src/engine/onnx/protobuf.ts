// The protobuf wire format, and the few ONNX messages Quarry emits, for the in-memory graph rewrites
// (logitRows.ts: the LM head on chosen rows; trigPatch.ts: exact Cos/Sin for WebGPU).
//
// Both rewrites work on the serialized ModelProto directly: they read the fields they care about
// and copy every other field verbatim as its byte range [tagStart, end), so weights (often 100+ MB
// of raw_data), unknown fields, field order and packing stay exactly as they were, and nothing is
// decoded into JS objects. A schema library (protobufjs with onnx.proto) would decode and re-encode
// the whole model instead, which guarantees none of that and costs a copy of every initializer, so
// the codec is hand-written and small.
//
// Reader: `readFields` splits one message into its fields. It throws ProtobufError, and never
// reads outside [start, end), when the bytes are not a well-formed message:
//  - a varint that runs past the end of its message, is longer than 10 bytes, or does not fit in
//    64 bits (the 10th byte may only be 0 or 1);
//  - field number 0 or above 2^29 − 1 (the largest protobuf allows);
//  - a wire type other than varint (0), fixed64 (1), length-delimited (2) or fixed32 (5): groups
//    (3, 4, deprecated and unused by ONNX) and the undefined 6 and 7;
//  - a fixed-width value or a length-delimited payload that runs past the end of its message (not
//    just past the end of the buffer: a nested message cannot spill into its parent's next field).
// `readString` / `readMessage` also throw when the field is not length-delimited. A rewrite that
// meets a ProtobufError anywhere leaves the model alone (patchLogitRows: null; patchTrigForGpu: the
// same bytes, patched 0), and onnxruntime reports its own error when it loads the model.
// Varint values are JS numbers: exact below 2^53, which covers every count, enum, opset version
// and length a rewrite reads (negative int64 values come back as large inexact numbers).
//
// Writer: PbWriter collects chunks (verbatim fields are subarrays of the input, not copies) and
// copies them once in finish(); the pb*Field functions build one field each. Varints take non-negative or negative integers (numbers within ±2^53, or bigints
// in the int64/uint64 range); negative values are written as 64-bit two's complement (10 bytes), as
// protobuf does for int32/int64 fields such as an attribute `axis: -1`.

export class ProtobufError extends Error {
  override name = 'ProtobufError';
}

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** The largest field number protobuf allows. */
const MAX_FIELD_NUMBER = 2 ** 29 - 1;

export interface PbField {
  readonly num: number;
  readonly wire: number;
  /** Offset of the field's tag: [tagStart, end) is the whole field as serialized. */
  readonly tagStart: number;
  /** WIRE_VARINT: the value (exact below 2^53); other wire types: 0. */
  readonly value: number;
  /** WIRE_LEN: the payload's bounds (exclusive end); other wire types: the value's bytes. */
  readonly start: number;
  readonly end: number;
}

/** The varint at `pos`, which must end before `end`: [value, offset after it]. */
export function readVarint(buf: Uint8Array, pos: number, end: number = buf.length): [value: number, next: number] {
  const limit = Math.min(end, buf.length);
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= limit) throw new ProtobufError('truncated varint');
    const b = buf[pos++] as number;
    // The 10th byte holds bit 63 only: anything more does not fit in 64 bits.
    if (i === 9 && b > 1) throw new ProtobufError('varint overflows 64 bits');
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return [value, pos];
    scale *= 128;
  }
  throw new ProtobufError('varint too long');
}

/** The fields of the message in buf[start, end), in order (see the file comment for what throws). */
export function readFields(buf: Uint8Array, start = 0, end: number = buf.length): PbField[] {
  if (start < 0 || end > buf.length || start > end) throw new ProtobufError('message bounds outside the buffer');
  const out: PbField[] = [];
  let pos = start;
  while (pos < end) {
    const tagStart = pos;
    const [tag, p] = readVarint(buf, pos, end);
    const num = Math.floor(tag / 8);
    const wire = tag % 8;
    if (num === 0) throw new ProtobufError('field number 0');
    if (num > MAX_FIELD_NUMBER) throw new ProtobufError(`field number ${num} out of range`);
    pos = p;
    switch (wire) {
      case WIRE_VARINT: {
        const [value, q] = readVarint(buf, pos, end);
        out.push({ num, wire, tagStart, value, start: pos, end: q });
        pos = q;
        break;
      }
      case WIRE_I64:
      case WIRE_I32: {
        const q = pos + (wire === WIRE_I64 ? 8 : 4);
        if (q > end) throw new ProtobufError('truncated fixed-width field');
        out.push({ num, wire, tagStart, value: 0, start: pos, end: q });
        pos = q;
        break;
      }
      case WIRE_LEN: {
        const [len, q] = readVarint(buf, pos, end);
        if (q + len > end) throw new ProtobufError('length-delimited field runs past the end of its message');
        out.push({ num, wire, tagStart, value: 0, start: q, end: q + len });
        pos = q + len;
        break;
      }
      default:
        throw new ProtobufError(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

/** The fields of the sub-message carried by a length-delimited field. */
export function readMessage(buf: Uint8Array, f: PbField): PbField[] {
  if (f.wire !== WIRE_LEN) throw new ProtobufError('expected a length-delimited field');
  return readFields(buf, f.start, f.end);
}

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** A length-delimited field's payload as UTF-8 (invalid sequences become U+FFFD, as protobuf-lite does not check). */
export function readString(buf: Uint8Array, f: PbField): string {
  if (f.wire !== WIRE_LEN) throw new ProtobufError('expected a length-delimited field');
  return utf8Decoder.decode(buf.subarray(f.start, f.end));
}

/** The whole field as serialized (tag included): copying it keeps it byte for byte. */
export function fieldBytes(buf: Uint8Array, f: PbField): Uint8Array {
  return buf.subarray(f.tagStart, f.end);
}

// ---------------------------------------------------------------------------------------------
// Writer

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Varint encoding of an integer (negative: 64-bit two's complement, 10 bytes). */
export function pbVarint(v: number | bigint): Uint8Array {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`bad varint ${v}`);
    if (v >= 0) {
      const bytes: number[] = [];
      while (v >= 128) {
        bytes.push((v % 128) | 0x80);
        v = Math.floor(v / 128);
      }
      bytes.push(v);
      return Uint8Array.from(bytes);
    }
    v = BigInt(v);
  }
  if (v < INT64_MIN || v > UINT64_MAX) throw new RangeError(`bad varint ${v}`);
  let x = BigInt.asUintN(64, v);
  const bytes: number[] = [];
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (x > 0n);
  return Uint8Array.from(bytes);
}

function tag(num: number, wire: number): Uint8Array {
  if (!Number.isInteger(num) || num < 1 || num > MAX_FIELD_NUMBER) throw new RangeError(`bad field number ${num}`);
  return pbVarint(num * 8 + wire);
}

/** Builds a message from fields; finish() concatenates them once. */
export class PbWriter {
  private chunks: Uint8Array[] = [];
  private n = 0;
  /** Appends bytes as they are (e.g. a field copied verbatim with fieldBytes). */
  raw(x: Uint8Array): this {
    this.chunks.push(x);
    this.n += x.length;
    return this;
  }
  varintField(num: number, v: number | bigint): this {
    return this.raw(tag(num, WIRE_VARINT)).raw(pbVarint(v));
  }
  bytesField(num: number, payload: Uint8Array): this {
    return this.raw(tag(num, WIRE_LEN)).raw(pbVarint(payload.length)).raw(payload);
  }
  stringField(num: number, s: string): this {
    return this.bytesField(num, utf8Encoder.encode(s));
  }
  /** A length-delimited field holding another writer's message, appended without copying it first
   * (a rewritten graph is most of a model's bytes: this keeps the rewrite at one copy of them). */
  messageField(num: number, sub: PbWriter): this {
    this.raw(tag(num, WIRE_LEN)).raw(pbVarint(sub.n));
    for (const c of sub.chunks) this.raw(c);
    return this;
  }
  floatField(num: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.raw(tag(num, WIRE_I32)).raw(b);
  }
  get length(): number {
    return this.n;
  }
  finish(): Uint8Array {
    return concatBytes(this.chunks);
  }
}

export function pbVarintField(num: number, value: number | bigint): Uint8Array {
  return new PbWriter().varintField(num, value).finish();
}

export function pbBytesField(num: number, payload: Uint8Array): Uint8Array {
  return new PbWriter().bytesField(num, payload).finish();
}

export function pbStringField(num: number, s: string): Uint8Array {
  return new PbWriter().stringField(num, s).finish();
}

export function pbFloatField(num: number, value: number): Uint8Array {
  return new PbWriter().floatField(num, value).finish();
}

// ---------------------------------------------------------------------------------------------
// ONNX messages (field numbers from onnx.proto)

/** ONNX TensorProto.DataType values used here. */
export const OnnxDataType = { FLOAT: 1, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11, BFLOAT16: 16 } as const;

/** AttributeProto.AttributeType values used here. */
export const OnnxAttributeType = { FLOAT: 1, INT: 2, GRAPH: 5, INTS: 7 } as const;

export interface NodeSpec {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly domain?: string;
  /** Encoded AttributeProto messages (encode*Attribute). */
  readonly attributes?: readonly Uint8Array[];
}

/** NodeProto { input 1, output 2, name 3, op_type 4, attribute 5, domain 7 } (without the enclosing GraphProto field tag). */
export function encodeNode(spec: NodeSpec): Uint8Array {
  const w = new PbWriter();
  for (const i of spec.inputs) w.stringField(1, i);
  for (const o of spec.outputs) w.stringField(2, o);
  if (spec.name !== undefined) w.stringField(3, spec.name);
  w.stringField(4, spec.opType);
  for (const a of spec.attributes ?? []) w.bytesField(5, a);
  if (spec.domain !== undefined) w.stringField(7, spec.domain);
  return w.finish();
}

/** AttributeProto { name 1, f 2, type 20: FLOAT }. */
export function encodeFloatAttribute(name: string, value: number): Uint8Array {
  return new PbWriter().stringField(1, name).floatField(2, value).varintField(20, OnnxAttributeType.FLOAT).finish();
}

/** AttributeProto { name 1, i 3, type 20: INT }. */
export function encodeIntAttribute(name: string, value: number | bigint): Uint8Array {
  return new PbWriter().stringField(1, name).varintField(3, value).varintField(20, OnnxAttributeType.INT).finish();
}

/** AttributeProto { name 1, ints 8 (one field per value, unpacked), type 20: INTS }. */
export function encodeIntsAttribute(name: string, values: readonly (number | bigint)[]): Uint8Array {
  const w = new PbWriter().stringField(1, name);
  for (const v of values) w.varintField(8, v);
  return w.varintField(20, OnnxAttributeType.INTS).finish();
}

/** TensorProto { dims 1 (one field per dim), data_type 2, name 8, raw_data 9 (little-endian) }. */
function encodeRawTensor(name: string, dataType: number, dims: readonly number[], count: number, raw: Uint8Array): Uint8Array {
  const size = dims.reduce((a, d) => a * d, 1);
  if (size !== count) throw new RangeError(`tensor ${name}: ${count} values for dims [${dims.join(', ')}]`);
  const w = new PbWriter();
  for (const d of dims) w.varintField(1, d);
  return w.varintField(2, dataType).stringField(8, name).bytesField(9, raw).finish();
}

/** An int64 initializer; dims [] is a scalar. */
export function encodeInt64Tensor(name: string, values: readonly (number | bigint)[], dims: readonly number[]): Uint8Array {
  const raw = new Uint8Array(values.length * 8);
  const dv = new DataView(raw.buffer);
  values.forEach((v, i) => dv.setBigInt64(i * 8, BigInt(v), true));
  return encodeRawTensor(name, OnnxDataType.INT64, dims, values.length, raw);
}

/** A float32 initializer; dims [] is a scalar. */
export function encodeFloatTensor(name: string, values: readonly number[] | Float32Array, dims: readonly number[]): Uint8Array {
  const raw = new Uint8Array(values.length * 4);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i]!, true);
  return encodeRawTensor(name, OnnxDataType.FLOAT, dims, values.length, raw);
}

/**
 * ValueInfoProto { name 1, type 2: TypeProto { tensor_type 1: { elem_type 1, shape 2: { dim 1: {
 * dim_value 1 | dim_param 2 } } } } }; dims are numbers (dim_value) or strings (dim_param).
 */
export function encodeTensorValueInfo(name: string, elemType: number, dims: readonly (number | string)[]): Uint8Array {
  const shape = new PbWriter();
  for (const d of dims) shape.bytesField(1, typeof d === 'number' ? pbVarintField(1, d) : pbStringField(2, d));
  const tensorType = new PbWriter().varintField(1, elemType).bytesField(2, shape.finish()).finish();
  const typeProto = new PbWriter().bytesField(1, tensorType).finish();
  return new PbWriter().stringField(1, name).bytesField(2, typeProto).finish();
}
