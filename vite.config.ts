import { defineConfig, type Plugin, type PreviewServer, type ViteDevServer } from 'vite';
import react from '@vitejs/plugin-react';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

// Cross-origin isolation is what lets onnxruntime-web use SharedArrayBuffer (multi-threaded WASM).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

// Only the asyncify pair is served: it carries both the WASM and the WebGPU execution providers.
const ORT_DIST = path.resolve(import.meta.dirname, 'node_modules/onnxruntime-web/dist');
const ORT_FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];

// Dev, preview and tests serve real model folders from ../shared/models (or QUARRY_MODELS_DIR):
//   /models/<id>/<file>                  local-path layout (env.localModelPath)
//   /hf/<id>/resolve/<revision>/<file>   the Hugging Face hub's URL layout (env.remoteHost)
//   /models/index.json                   the folders that hold a model (config.json)
const MODELS_DIR = path.resolve(import.meta.dirname, process.env.QUARRY_MODELS_DIR ?? '../shared/models');

const MIME: Record<string, string> = {
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
};

/** Sends a file, honouring a single `Range: bytes=a-b` (transformers.js probes sizes with `bytes=0-0`). */
function sendFile(req: IncomingMessage, res: ServerResponse, file: string): void {
  const size = statSync(file).size;
  for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
  res.setHeader('Content-Type', MIME[path.extname(file)] ?? 'application/octet-stream');
  res.setHeader('Accept-Ranges', 'bytes');
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && (range[1] || range[2])) {
    const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start > end || start >= size) {
      res.statusCode = 416;
      res.setHeader('Content-Range', `bytes */${size}`);
      res.end();
      return;
    }
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
    res.setHeader('Content-Length', String(end - start + 1));
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file, { start, end }).pipe(res);
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Length', String(size));
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file).pipe(res);
}

function listModels(dir: string, prefix = '', depth = 0): string[] {
  if (!existsSync(dir) || depth > 2) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (name.startsWith('.') || name.startsWith('_') || !statSync(full).isDirectory()) continue;
    const id = prefix ? `${prefix}/${name}` : name;
    if (existsSync(path.join(full, 'config.json'))) out.push(id);
    else out.push(...listModels(full, id, depth + 1));
  }
  return out;
}

/** Resolves `rel` inside `root`, refusing anything that escapes it. */
function safeJoin(root: string, rel: string): string | null {
  const full = path.resolve(root, decodeURIComponent(rel));
  return full.startsWith(root + path.sep) && existsSync(full) && statSync(full).isFile() ? full : null;
}

function quarryServer(): Plugin {
  const handle = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const url = (req.url ?? '').split('?')[0]!;
    if (url.startsWith('/ort/')) {
      const name = url.slice(5);
      if (ORT_FILES.includes(name)) return sendFile(req, res, path.join(ORT_DIST, name));
    } else if (url === '/models/index.json') {
      res.setHeader('Content-Type', 'application/json');
      for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
      res.end(JSON.stringify({ models: listModels(MODELS_DIR) }));
      return;
    } else if (url.startsWith('/models/')) {
      const file = safeJoin(MODELS_DIR, url.slice('/models/'.length));
      if (file) return sendFile(req, res, file);
      res.statusCode = 404;
      res.end('not found');
      return;
    } else if (url.startsWith('/hf/')) {
      const m = /^\/hf\/(.+?)\/resolve\/[^/]+\/(.+)$/.exec(url);
      const file = m ? safeJoin(MODELS_DIR, `${m[1]}/${m[2]}`) : null;
      if (file) return sendFile(req, res, file);
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    next();
  };
  return {
    name: 'quarry-server',
    configureServer(server: ViteDevServer) {
      server.middlewares.use(handle);
    },
    configurePreviewServer(server: PreviewServer) {
      server.middlewares.use(handle);
    },
    // The built app may only talk to its own origin and the model hub: dataset bytes cannot leave.
    // (Dev mode skips this because the React refresh preamble is an inline script.)
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (ctx.server) return html;
        const csp = [
          "default-src 'self'",
          "script-src 'self' 'wasm-unsafe-eval' blob:",
          "worker-src 'self' blob:",
          "connect-src 'self' blob: data: https://huggingface.co https://*.huggingface.co https://*.hf.co",
          "style-src 'self' 'unsafe-inline'",
          "img-src 'self' data: blob:",
        ].join('; ');
        return html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${csp}" />`);
      },
    },
    generateBundle(_options, bundle) {
      // onnxruntime-web's bundle references its own copy of the wasm as a fallback asset; the app
      // always loads the one at /ort/ (env wasmPaths), so that 27 MB duplicate is dropped.
      for (const key of Object.keys(bundle)) {
        if (/^assets\/ort-wasm.*\.wasm$/.test(key)) delete bundle[key];
      }
      for (const name of ORT_FILES) {
        this.emitFile({ type: 'asset', fileName: `ort/${name}`, source: readFileSync(path.join(ORT_DIST, name)) });
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), quarryServer()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['@huggingface/transformers', 'onnxruntime-web'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
