// The model runtime on transformers.js + onnxruntime (see ARCHITECTURE.md, "Engine").
export { TransformersEngine } from './engine';
export { SpanTokenizer, tokenizerFamily } from './spanTokenizer';
export { ORT_WASM_PATHS } from './runtime';
