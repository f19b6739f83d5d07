import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { installWebGpuTrigPatch } from './webgpuSessionPatch';

const MODEL = path.resolve(process.cwd(), '../shared/models/llama2c-stories260K/onnx/model.onnx');
const hasOp = (bytes: Uint8Array, op: string) => Buffer.from(bytes).includes(Buffer.from(`\x22${String.fromCharCode(op.length)}${op}`, 'latin1'));

describe('installWebGpuTrigPatch', () => {
  const bytes = new Uint8Array(readFileSync(MODEL));

  it('hands WebGPU sessions a graph without Cos/Sin, other providers the original bytes', async () => {
    const seen: Uint8Array[] = [];
    const fake = { create: async (model: unknown, _options?: object) => void seen.push(model as Uint8Array) };
    installWebGpuTrigPatch(fake);
    installWebGpuTrigPatch(fake); // idempotent: wrapping twice must not patch twice
    await fake.create(bytes, { executionProviders: ['webgpu'] });
    await fake.create(bytes, { executionProviders: [{ name: 'webgpu' }, 'wasm'] });
    await fake.create(bytes, { executionProviders: ['wasm'] });
    expect(hasOp(bytes, 'Cos')).toBe(true);
    expect(hasOp(seen[0]!, 'Cos')).toBe(false);
    expect(hasOp(seen[0]!, 'Sin')).toBe(false);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toBe(bytes);
  });
});
