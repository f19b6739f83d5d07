import { describe, expect, it } from 'vitest';
import { patchLogitRows } from './logitRows.ts';
import {
  concatBytes,
  encodeFloatAttribute,
  encodeFloatTensor,
  encodeInt64Tensor,
  encodeIntAttribute,
  encodeIntsAttribute,
  encodeNode,
  encodeTensorValueInfo,
  fieldBytes,
  OnnxDataType,
  pbBytesField,
  pbFloatField,
  pbStringField,
  pbVarint,
  pbVarintField,
  PbWriter,
  ProtobufError,
  readFields,
  readMessage,
  readString,
  readVarint,
  WIRE_I32,
  WIRE_I64,
  WIRE_LEN,
  WIRE_VARINT,
} from './protobuf.ts';
import { patchTrigForGpu } from './trigPatch.ts';

const bytes = (...xs: number[]) => Uint8Array.from(xs);
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('varints', () => {
  it('round-trip through readVarint', () => {
    for (const v of [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 31 - 1, 2 ** 32, 2 ** 53 - 1]) {
      const enc = pbVarint(v);
      expect(readVarint(enc, 0)).toEqual([v, enc.length]);
    }
    expect(pbVarint(300)).toEqual(bytes(0xac, 0x02));
    expect(pbVarint(0)).toEqual(bytes(0));
  });

  it('writes negative values as 64-bit two\'s complement, like protobuf int64', () => {
    expect(pbVarint(-1)).toEqual(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
    expect(pbVarint(-1n)).toEqual(pbVarint(-1));
    expect(pbVarint(2n ** 64n - 1n)).toEqual(pbVarint(-1));
    expect(pbVarint(-(2n ** 63n))).toEqual(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01));
    expect(pbVarint(5n)).toEqual(pbVarint(5));
    // readable back (as an inexact number: values are exact below 2^53 only)
    const [v, next] = readVarint(pbVarint(-1), 0);
    expect(next).toBe(10);
    expect(v).toBe(2 ** 64);
  });

  it('refuses values it cannot encode', () => {
    for (const v of [1.5, Number.NaN, Infinity, 2 ** 53, -(2 ** 53)]) expect(() => pbVarint(v)).toThrow(RangeError);
    expect(() => pbVarint(2n ** 64n)).toThrow(RangeError);
    expect(() => pbVarint(-(2n ** 63n) - 1n)).toThrow(RangeError);
    expect(() => pbVarintField(0, 1)).toThrow(RangeError);
    expect(() => pbVarintField(2 ** 29, 1)).toThrow(RangeError);
  });

  it('refuses truncated, overlong and overflowing varints', () => {
    expect(() => readVarint(bytes(), 0)).toThrow(ProtobufError);
    expect(() => readVarint(bytes(0x80), 0)).toThrow(/truncated varint/);
    expect(() => readVarint(bytes(0xff, 0xff), 0)).toThrow(/truncated varint/);
    // the message ends before the varint does, though the buffer goes on
    expect(() => readVarint(bytes(0x80, 0x01), 0, 1)).toThrow(/truncated varint/);
    expect(() => readVarint(new Uint8Array(11).fill(0xff), 0)).toThrow(ProtobufError);
    expect(() => readVarint(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02), 0)).toThrow(/64 bits/);
  });
});

describe('fields', () => {
  it('round-trip every wire type through the writer and reader', () => {
    const nested = new PbWriter().varintField(1, 7).stringField(2, 'inner').finish();
    const w = new PbWriter()
      .varintField(1, 150)
      .stringField(2, 'héllo')
      .bytesField(3, bytes(1, 2, 3))
      .floatField(4, 0.1)
      .bytesField(5, nested)
      .varintField(536_870_911, 1)
      .varintField(6, -1);
    const msg = w.finish();
    expect(w.length).toBe(msg.length);
    const f = readFields(msg);
    expect(f.map((x) => [x.num, x.wire])).toEqual([
      [1, WIRE_VARINT],
      [2, WIRE_LEN],
      [3, WIRE_LEN],
      [4, WIRE_I32],
      [5, WIRE_LEN],
      [536_870_911, WIRE_VARINT],
      [6, WIRE_VARINT],
    ]);
    expect(f[0]!.value).toBe(150);
    expect(readString(msg, f[1]!)).toBe('héllo');
    expect(msg.subarray(f[2]!.start, f[2]!.end)).toEqual(bytes(1, 2, 3));
    expect(new DataView(msg.buffer, msg.byteOffset + f[3]!.start, 4).getFloat32(0, true)).toBe(Math.fround(0.1));
    const inner = readMessage(msg, f[4]!);
    expect(inner[0]!.value).toBe(7);
    expect(readString(msg, inner[1]!)).toBe('inner');
    // copying every field verbatim rebuilds the message byte for byte
    expect(concatBytes(f.map((x) => fieldBytes(msg, x)))).toEqual(msg);
    // the one-field helpers write what the writer writes
    expect(concatBytes([pbVarintField(1, 150), pbStringField(2, 'héllo'), pbBytesField(3, bytes(1, 2, 3)), pbFloatField(4, 0.1)])).toEqual(
      msg.subarray(0, f[4]!.tagStart),
    );
  });

  it('reads fixed64 fields and an empty message', () => {
    const msg = bytes(0x09, 1, 2, 3, 4, 5, 6, 7, 8, 0x10, 0x01);
    const f = readFields(msg);
    expect(f.map((x) => [x.num, x.wire, x.start, x.end])).toEqual([
      [1, WIRE_I64, 1, 9],
      [2, WIRE_VARINT, 10, 11],
    ]);
    expect(readFields(bytes())).toEqual([]);
  });

  it('messageField nests a writer without changing the bytes', () => {
    const sub = new PbWriter().stringField(1, 'a').varintField(2, 3);
    const a = new PbWriter().varintField(1, 1).messageField(7, sub).finish();
    const b = concatBytes([pbVarintField(1, 1), pbBytesField(7, sub.finish())]);
    expect(a).toEqual(b);
  });

  it('reads only inside the message bounds it is given', () => {
    // field 1 (length 3) inside a 6-byte buffer, but the message is cut to 3 bytes
    const buf = bytes(0x0a, 0x03, 0x61, 0x62, 0x63, 0x00);
    expect(readFields(buf, 0, 5)).toHaveLength(1);
    expect(() => readFields(buf, 0, 3)).toThrow(/runs past the end of its message/);
    expect(() => readFields(buf, 0, 7)).toThrow(ProtobufError);
  });

  it('readString and readMessage want a length-delimited field', () => {
    const msg = pbVarintField(1, 5);
    const [f] = readFields(msg);
    expect(() => readString(msg, f!)).toThrow(ProtobufError);
    expect(() => readMessage(msg, f!)).toThrow(ProtobufError);
  });
});

/** Malformed messages: each must make readFields throw ProtobufError, wherever it sits in a model. */
const MALFORMED: Record<string, Uint8Array> = {
  'truncated tag varint': bytes(0x80),
  'truncated value varint': bytes(0x78, 0x80), // field 15, varint
  'varint longer than 10 bytes': bytes(0x78, ...new Array<number>(10).fill(0xff), 0x01),
  'varint over 64 bits': bytes(0x78, ...new Array<number>(9).fill(0xff), 0x02),
  'length past the end': bytes(0x7a, 0x05, 0x01), // field 15, length 5, 1 byte
  'truncated length varint': bytes(0x7a, 0x80),
  'fixed64 past the end': bytes(0x79, 1, 2, 3),
  'fixed32 past the end': bytes(0x7d, 1),
  'wire type 3 (start group)': bytes(0x7b),
  'wire type 4 (end group)': bytes(0x7c),
  'wire type 6': bytes(0x7e, 0x00),
  'wire type 7': bytes(0x7f, 0x00),
  'field number 0': bytes(0x02, 0x00),
  'field number over 2^29 - 1': bytes(0x80, 0x80, 0x80, 0x80, 0x10, 0x00),
};

describe('malformed input', () => {
  for (const [name, bad] of Object.entries(MALFORMED)) {
    it(`readFields refuses: ${name}`, () => {
      expect(() => readFields(bad)).toThrow(ProtobufError);
      // also after a well-formed field
      expect(() => readFields(concatBytes([pbStringField(1, 'ok'), bad]))).toThrow(ProtobufError);
    });
  }
});

// A model both rewrites patch: logits = MatMul(Cos(X), W), opset 17.
function model(corrupt: { at: 'model' | 'graph' | 'node' | 'opset' | 'output'; bad: Uint8Array } | null): Uint8Array {
  const tail = (where: string) => (corrupt && corrupt.at === where ? corrupt.bad : bytes());
  const graph = concatBytes([
    pbBytesField(1, encodeNode({ opType: 'Cos', inputs: ['X'], outputs: ['C'], name: 'cos' })),
    pbBytesField(1, concatBytes([encodeNode({ opType: 'MatMul', inputs: ['C', 'W'], outputs: ['logits'], name: 'head' }), tail('node')])),
    pbStringField(2, 'g'),
    pbBytesField(5, encodeFloatTensor('W', [1, 2, 3, 4, 5, 6], [2, 3])),
    pbBytesField(11, encodeTensorValueInfo('X', OnnxDataType.FLOAT, ['B', 'T', 2])),
    pbBytesField(12, concatBytes([encodeTensorValueInfo('logits', OnnxDataType.FLOAT, ['B', 'T', 3]), tail('output')])),
    tail('graph'),
  ]);
  return concatBytes([
    pbVarintField(1, 8),
    pbStringField(2, 'protobuf.test'),
    pbBytesField(7, graph),
    pbBytesField(8, concatBytes([pbStringField(1, ''), pbVarintField(2, 17), tail('opset')])),
    tail('model'),
  ]);
}

describe('both rewrites refuse malformed models the same way', () => {
  it('patch the well-formed model', () => {
    const good = model(null);
    expect(patchLogitRows(good)).not.toBeNull();
    expect(patchTrigForGpu(good).patched).toBe(1);
  });

  for (const [name, bad] of Object.entries(MALFORMED)) {
    for (const at of ['model', 'graph', 'node', 'opset', 'output'] as const) {
      it(`${name}, in the ${at}`, () => {
        const m = model({ at, bad });
        expect(patchLogitRows(m)).toBeNull();
        const trig = patchTrigForGpu(m);
        expect(trig.patched).toBe(0);
        expect(trig.bytes).toBe(m);
      });
    }
  }

  it('a truncated model', () => {
    const good = model(null);
    for (const cut of [1, 2, 10, good.length >> 1, good.length - 1]) {
      const m = good.subarray(0, cut);
      expect(patchLogitRows(m)).toBeNull();
      expect(patchTrigForGpu(m)).toEqual({ bytes: m, patched: 0 });
    }
  });
});

describe('ONNX encoders', () => {
  it('NodeProto: inputs, outputs, name, op_type, attributes, domain in field order', () => {
    const attr = encodeIntAttribute('axis', 0);
    const node = encodeNode({ opType: 'Gather', inputs: ['a', 'b'], outputs: ['c'], name: 'n', domain: 'ai.onnx', attributes: [attr] });
    const f = readFields(node);
    expect(f.map((x) => x.num)).toEqual([1, 1, 2, 3, 4, 5, 7]);
    expect(f.filter((x) => x.num !== 5).map((x) => readString(node, x))).toEqual(['a', 'b', 'c', 'n', 'Gather', 'ai.onnx']);
    expect(node.subarray(f[5]!.start, f[5]!.end)).toEqual(attr);
    // name and domain are optional
    expect(readFields(encodeNode({ opType: 'Neg', inputs: ['x'], outputs: ['y'] })).map((x) => x.num)).toEqual([1, 2, 4]);
  });

  it('AttributeProto: int (negative as int64), ints, float', () => {
    expect(encodeIntAttribute('axis', -1)).toEqual(
      concatBytes([bytes(0x0a, 4), utf8('axis'), bytes(0x18), pbVarint(-1), bytes(0xa0, 0x01, 0x02)]),
    );
    const ints = encodeIntsAttribute('perm', [0, 2, 1]);
    const fi = readFields(ints);
    expect(fi.map((x) => [x.num, x.value])).toEqual([
      [1, 0],
      [8, 0],
      [8, 2],
      [8, 1],
      [20, 7],
    ]);
    const fl = encodeFloatAttribute('value_float', 0.5);
    expect(fl).toEqual(concatBytes([pbStringField(1, 'value_float'), bytes(0x15, 0, 0, 0, 0x3f), bytes(0xa0, 0x01, 0x01)]));
  });

  it('TensorProto: dims, data_type, name, raw_data (little-endian)', () => {
    const t = encodeInt64Tensor('c', [-1, 2], [2]);
    const f = readFields(t);
    expect(f.map((x) => x.num)).toEqual([1, 2, 8, 9]);
    expect(f[0]!.value).toBe(2);
    expect(f[1]!.value).toBe(OnnxDataType.INT64);
    expect(readString(t, f[2]!)).toBe('c');
    const raw = t.subarray(f[3]!.start, f[3]!.end);
    expect(Array.from(new BigInt64Array(raw.slice().buffer))).toEqual([-1n, 2n]);
    // a scalar has no dims
    expect(readFields(encodeInt64Tensor('s', [0], [])).map((x) => x.num)).toEqual([2, 8, 9]);
    const ft = encodeFloatTensor('w', [1.5, -2], [1, 2]);
    const ff = readFields(ft);
    expect(ff.map((x) => [x.num, x.value])).toEqual([
      [1, 1],
      [1, 2],
      [2, OnnxDataType.FLOAT],
      [8, 0],
      [9, 0],
    ]);
    expect(Array.from(new Float32Array(ft.slice(ff[4]!.start, ff[4]!.end).buffer))).toEqual([1.5, -2]);
    expect(() => encodeFloatTensor('w', [1, 2, 3], [2, 2])).toThrow(RangeError);
  });

  it('ValueInfoProto: name and tensor type with dim_value / dim_param', () => {
    const vi = encodeTensorValueInfo('x', OnnxDataType.FLOAT16, ['N', 4]);
    const [name, type] = readFields(vi);
    expect(readString(vi, name!)).toBe('x');
    const [tensorType] = readMessage(vi, type!);
    const [elem, shape] = readMessage(vi, tensorType!);
    expect(elem!.value).toBe(OnnxDataType.FLOAT16);
    const dims = readMessage(vi, shape!).map((d) => readMessage(vi, d)[0]!);
    expect(dims.map((d) => d.num)).toEqual([2, 1]);
    expect(readString(vi, dims[0]!)).toBe('N');
    expect(dims[1]!.value).toBe(4);
  });
});
