// Which device and which weights: WebGPU when the browser has an adapter (WASM otherwise, the
// CPU in Node), and the first dtype whose ONNX file the source has, in an order that suits the device.

import type { DeviceKind, DevicePreference, DType } from '../types';
import type { SourceSetup } from './modelSource';
import { IS_NODE } from './runtime';

/** The ONNX file name suffix of each dtype (transformers.js' convention: onnx/model_quantized.onnx). */
export const DTYPE_SUFFIX: Record<DType, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4' };

/** The ONNX file of a graph (`model`) in a dtype. */
export const onnxFile = (graph: string, dtype: DType) => `onnx/${graph}${DTYPE_SUFFIX[dtype]}.onnx`;

/** The dtypes to try on `device`, the requested one first. fp16 only where the GPU has shader-f16. */
export function dtypeCandidates(requested: DType | undefined, device: DeviceKind, f16: boolean): DType[] {
  const pref: DType[] =
    device === 'webgpu' ? (f16 ? ['fp16', 'fp32', 'q4', 'q8'] : ['fp32', 'q4', 'q8']) : device === 'cpu' ? ['fp32', 'q8', 'q4', 'fp16'] : ['q8', 'q4', 'fp32', 'fp16'];
  return requested ? [requested, ...pref.filter((d) => d !== requested)] : pref;
}

/** First candidate whose onnx file exists (checked in order); the requested dtype wins when existence is unknown. */
export async function pickDtype(setup: SourceSetup, graph: string, candidates: DType[], requested: DType | undefined): Promise<{ dtype: DType; note: string }> {
  let allUnknown = true;
  for (let i = 0; i < candidates.length; i++) {
    const d = candidates[i]!;
    const ok = await setup.exists(onnxFile(graph, d));
    if (ok !== null) allUnknown = false;
    if (ok === true || (ok === null && i === 0)) {
      const note = requested && d !== requested ? `${requested} requested but ${onnxFile(graph, requested)} is absent -> ${d}` : `dtype ${d}`;
      return { dtype: d, note };
    }
  }
  if (allUnknown) return { dtype: candidates[0]!, note: `dtype ${candidates[0]} (file list unknown)` };
  throw new Error(`no ONNX file found for ${setup.display} (looked for onnx/${graph}{${candidates.map((d) => DTYPE_SUFFIX[d] || "''").join(',')}}.onnx)`);
}

interface GpuAdapterLike {
  features: { has(f: string): boolean };
}

async function webgpuAdapter(): Promise<GpuAdapterLike | null> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } } }).navigator?.gpu;
  if (!gpu) return null;
  try {
    return await gpu.requestAdapter();
  } catch {
    return null;
  }
}

export interface DeviceChoice {
  device: DeviceKind;
  /** The GPU adapter has shader-f16 (fp16 weights are worth trying). */
  f16: boolean;
  /** Why, for LoadInfo.reason. */
  reason: string;
}

/** The device to load on, given the user's preference and what this runtime has. */
export async function chooseDevice(pref: DevicePreference, dtype: DType | undefined): Promise<DeviceChoice> {
  if (IS_NODE) {
    const reason = pref === 'auto' || pref === 'cpu' ? 'node: onnxruntime-node cpu' : pref === 'wasm' ? 'node: wasm not available, onnxruntime-node cpu' : 'node: webgpu requested';
    return { device: pref === 'webgpu' ? 'webgpu' : 'cpu', f16: false, reason };
  }
  if (pref === 'wasm' || pref === 'cpu') return { device: 'wasm', f16: false, reason: 'wasm requested' };
  const adapter = await webgpuAdapter();
  const f16 = adapter?.features.has('shader-f16') ?? false;
  if (!adapter) return { device: 'wasm', f16, reason: 'no WebGPU adapter -> wasm' };
  if (dtype === 'fp16' && !f16) return { device: 'wasm', f16, reason: 'WebGPU adapter lacks shader-f16 for fp16 -> wasm' };
  return { device: 'webgpu', f16, reason: pref === 'webgpu' ? 'webgpu requested' : `WebGPU adapter found${f16 ? ' (shader-f16)' : ''}` };
}
