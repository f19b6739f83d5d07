// The models a user can pick without typing: sensible hub defaults, plus (in development and tests)
// the folders the dev/preview server exposes from ../shared/models.
import type { ScoringConfig } from '../../core/scoringConfig';

export interface ModelChoice {
  label: string;
  model: ScoringConfig['model'];
  role: 'lm' | 'embed';
}

export const HUB_MODELS: ModelChoice[] = [
  { label: 'SmolLM2 135M Instruct (hub)', role: 'lm', model: { kind: 'hub', id: 'onnx-community/SmolLM2-135M-Instruct', remoteHost: '' } },
  { label: 'Qwen2.5 0.5B Instruct (hub)', role: 'lm', model: { kind: 'hub', id: 'onnx-community/Qwen2.5-0.5B-Instruct', remoteHost: '' } },
  { label: 'all-MiniLM-L6-v2 (hub)', role: 'embed', model: { kind: 'hub', id: 'Xenova/all-MiniLM-L6-v2', remoteHost: '' } },
];

/** Model folders served by the dev/preview server (absent in a static deployment: then empty). */
export async function fetchServedModels(): Promise<string[]> {
  try {
    const res = await fetch(`${import.meta.env.BASE_URL}models/index.json`);
    if (!res.ok || !res.headers.get('content-type')?.includes('json')) return [];
    const body = (await res.json()) as { models?: string[] };
    return body.models ?? [];
  } catch {
    return [];
  }
}

/** Guess whether a model folder is a sentence embedder (for the embed-model list). */
export function looksLikeEmbedder(id: string): boolean {
  return /sentence|minilm|encoder|embed|bge|e5|gte/i.test(id);
}

/**
 * Turns a picked folder (`<input webkitdirectory>` or a dropped directory) into the relative-path →
 * file map the engine loads from. The folder's own name is dropped: 'my-model/onnx/model.onnx' →
 * 'onnx/model.onnx'.
 */
export function folderFiles(files: Iterable<{ path: string; file: File }>): { id: string; files: Map<string, Blob> } {
  const map = new Map<string, Blob>();
  let id = 'local-folder';
  for (const { path, file } of files) {
    const parts = path.split('/').filter(Boolean);
    if (parts.length > 1) {
      id = parts[0]!;
      map.set(parts.slice(1).join('/'), file);
    } else map.set(parts[0] ?? file.name, file);
  }
  if (!map.has('config.json')) throw new Error('that folder has no config.json: pick the model folder itself (transformers.js layout)');
  return { id, files: map };
}

/** Reads a dropped directory entry recursively (drag and drop of a folder). */
export async function readDroppedFolder(entry: FileSystemDirectoryEntry): Promise<{ path: string; file: File }[]> {
  const out: { path: string; file: File }[] = [];
  const walk = async (dir: FileSystemDirectoryEntry, prefix: string): Promise<void> => {
    const reader = dir.createReader();
    for (;;) {
      const entries = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
      if (entries.length === 0) break;
      for (const e of entries) {
        if (e.isDirectory) await walk(e as FileSystemDirectoryEntry, `${prefix}${e.name}/`);
        else {
          const file = await new Promise<File>((res, rej) => (e as FileSystemFileEntry).file(res, rej));
          out.push({ path: `${prefix}${e.name}`, file });
        }
      }
    }
  };
  await walk(entry, `${entry.name}/`);
  return out;
}
