// Model sources: the hub, a local folder served by the app (or read from disk in Node), or a
// folder the user picked (its files held in memory). transformers.js reads its global `env` while
// it loads, so every load runs inside `withSource`, which serializes loads and sets the env for
// one source at a time.

import { env } from '@huggingface/transformers';
import type { ModelSource } from '../types';
import { IS_NODE } from './runtime';

/** A source as transformers.js is told to load it. */
export interface SourceSetup {
  /** The id passed to from_pretrained (a picked folder gets a token: `quarry-picked-N`). */
  id: string;
  /** The name shown to the user. */
  display: string;
  options: { revision?: string; local_files_only?: boolean };
  /** Does `file` (e.g. 'onnx/model_quantized.onnx') exist? null = could not tell. */
  exists(file: string): Promise<boolean | null>;
}

const DEFAULT_REMOTE_HOST = 'https://huggingface.co/';

// ---------------------------------------------------------------------------------------------
// Picked folders: served to transformers.js from memory, as cache hits

const PICKED_PREFIX = '/__quarry_picked__/';
const PICKED_TOKEN = 'quarry-picked-';
const picked = new Map<string, Map<string, Blob>>();
let pickedCounter = 0;

/** Strips a common leading folder ('mymodel/config.json' -> 'config.json') and backslashes. */
function normalizePickedFiles(files: Map<string, Blob>): Map<string, Blob> {
  const norm = new Map<string, Blob>();
  for (const [k, v] of files) norm.set(k.replace(/\\/g, '/').replace(/^\.?\//, ''), v);
  if (norm.has('config.json')) return norm;
  const firsts = new Set([...norm.keys()].map((k) => k.split('/')[0]));
  if (firsts.size === 1) {
    const [root] = firsts;
    const out = new Map<string, Blob>();
    for (const [k, v] of norm) out.set(k.slice(root!.length + 1), v);
    if (out.has('config.json')) return out;
  }
  return norm;
}

const PICKED_KEY = /(quarry-picked-\d+)\/(?:resolve\/[^/]+\/)?(.+)$/;

/**
 * Serves picked-folder files to transformers.js as cache hits. transformers.js looks a file up
 * under its local path ('/__quarry_picked__/quarry-picked-1/config.json') and, in Node with
 * return_path, again under the remote-style key ('<remoteHost>quarry-picked-1/resolve/main/...').
 * Nothing is ever stored (put is a no-op), so a picked model is not copied into any cache.
 */
const pickedCache = {
  async match(key: string): Promise<Response | undefined> {
    const m = PICKED_KEY.exec(key);
    const blob = m ? picked.get(m[1]!)?.get(decodeURIComponent(m[2]!)) : undefined;
    if (!blob) return undefined;
    return new Response(blob, { status: 200, headers: { 'content-length': String(blob.size) } });
  },
  async put(): Promise<void> {},
};

let fetchWrapped = false;
/** Missing picked files must read as 404, never reach a server (whose SPA fallback could answer 200). */
function wrapFetch(): void {
  if (fetchWrapped) return;
  const inner = env.fetch;
  env.fetch = (input: string | URL, init?: unknown) => {
    const url = String(input);
    if (url.includes(PICKED_PREFIX)) return Promise.resolve(new Response(null, { status: 404 }));
    return inner(input, init);
  };
  fetchWrapped = true;
}

/** Forgets a picked folder's files once nothing loads from `setup` any more. */
export function releaseSource(setup: SourceSetup): void {
  if (setup.id.startsWith(PICKED_TOKEN)) picked.delete(setup.id);
}

// ---------------------------------------------------------------------------------------------
// Existence checks (for the dtype choice)

function withSlash(s: string): string {
  return s.endsWith('/') ? s : `${s}/`;
}

/** A local source's folder id without surrounding slashes. */
const localId = (id: string) => id.replace(/^\/+|\/+$/g, '');

/** Node only; the specifier is not a literal so that bundlers leave it alone. */
async function nodeModule<T>(name: string): Promise<T> {
  return (await import(/* @vite-ignore */ name)) as T;
}

/** Node only. (transformers.js' own metadata check would open a read stream on the file and buffer all of it.) */
async function nodeFileExists(file: string): Promise<boolean | null> {
  try {
    return (await nodeModule<{ existsSync(p: string): boolean }>('node:fs')).existsSync(file);
  } catch {
    return null;
  }
}

async function headExists(url: string): Promise<boolean | null> {
  try {
    const r = await env.fetch(url, { method: 'HEAD' });
    if (r.ok) return true;
    if (r.status === 404 || r.status === 401 || r.status === 403) return false;
    return null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The env, one source at a time

const savedEnv = { useCustomCache: env.useCustomCache, customCache: env.customCache };

function hubBase(src: Extract<ModelSource, { kind: 'hub' }>): string {
  return `${withSlash(src.remoteHost ?? DEFAULT_REMOTE_HOST)}${src.id}/resolve/${encodeURIComponent(src.revision ?? 'main')}/`;
}

/** Sets transformers.js' env for `src`. Only under the lock of `withSource`. */
function applySource(src: ModelSource): SourceSetup {
  wrapFetch();
  env.useCustomCache = savedEnv.useCustomCache;
  env.customCache = savedEnv.customCache;
  switch (src.kind) {
    case 'hub': {
      env.allowLocalModels = false;
      env.allowRemoteModels = true;
      env.remoteHost = withSlash(src.remoteHost ?? DEFAULT_REMOTE_HOST);
      const base = hubBase(src);
      return { id: src.id, display: src.id, options: { revision: src.revision ?? 'main' }, exists: (f) => headExists(base + f) };
    }
    case 'local': {
      env.allowLocalModels = true;
      env.allowRemoteModels = false;
      env.localModelPath = withSlash(src.root);
      const id = localId(src.id);
      const base = `${env.localModelPath}${id}/`;
      return {
        id,
        display: id,
        options: { local_files_only: true },
        exists: IS_NODE ? (f) => nodeFileExists(base + f) : (f) => headExists(base + f),
      };
    }
    case 'files': {
      const files = normalizePickedFiles(src.files);
      const token = `${PICKED_TOKEN}${++pickedCounter}`;
      picked.set(token, files);
      env.allowLocalModels = true;
      env.allowRemoteModels = false;
      env.localModelPath = PICKED_PREFIX;
      env.useCustomCache = true;
      env.customCache = pickedCache;
      return { id: token, display: src.id, options: { local_files_only: true }, exists: async (f) => files.has(f) };
    }
  }
}

let envLock: Promise<unknown> = Promise.resolve();

/**
 * Runs `load` with transformers.js' env set for `src` (loads are serialized: one source at a
 * time). `load` gets the setup to pass to from_pretrained; the custom cache is restored after.
 */
export function withSource<T>(src: ModelSource, load: (setup: SourceSetup) => Promise<T>): Promise<T> {
  const run = async () => {
    const setup = applySource(src);
    try {
      return await load(setup);
    } finally {
      env.useCustomCache = savedEnv.useCustomCache;
      env.customCache = savedEnv.customCache;
    }
  };
  const result = envLock.then(run, run);
  envLock = result.catch(() => undefined);
  return result;
}

/**
 * The bytes of one file of a loaded source (e.g. its ONNX graph, to rewrite it), or null when they
 * cannot be had cheaply: a hub file only from transformers.js' browser cache (never downloaded twice).
 */
export async function sourceFileBytes(src: ModelSource, setup: SourceSetup, file: string): Promise<Uint8Array | null> {
  if (src.kind === 'files') {
    const blob = picked.get(setup.id)?.get(file);
    return blob ? new Uint8Array(await blob.arrayBuffer()) : null;
  }
  if (src.kind === 'local') {
    const path = `${withSlash(src.root)}${localId(src.id)}/${file}`;
    if (IS_NODE) return new Uint8Array(await (await nodeModule<{ readFile(p: string): Promise<Uint8Array> }>('node:fs/promises')).readFile(path));
    const r = await env.fetch(path);
    return r.ok ? new Uint8Array(await r.arrayBuffer()) : null;
  }
  const g = globalThis as { caches?: { open(n: string): Promise<{ match(k: string): Promise<Response | undefined> }> } };
  if (IS_NODE || !g.caches) return null;
  const hit = await (await g.caches.open('transformers-cache')).match(hubBase(src) + file);
  return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
}
