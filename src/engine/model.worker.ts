// The model Web Worker: one TransformersEngine behind the protocol of ./protocol.ts.
// Start it with createModelWorker() from ./client.ts (Vite bundles it as an ES module worker).

import * as ORT from 'onnxruntime-web/webgpu';
import { TransformersEngine } from './transformersEngine';
import { installChainGuard } from './ortChainGuard';
import { installWebGpuTrigPatch } from './webgpuSessionPatch';
import { createWorkerHost } from './workerHost';
import type { WorkerRequest, WorkerResponse } from './protocol';

interface WorkerScope {
  postMessage(msg: WorkerResponse, transfer?: Transferable[]): void;
  addEventListener(type: 'message', fn: (ev: MessageEvent<WorkerRequest>) => void): void;
}

installWebGpuTrigPatch(ORT.InferenceSession as unknown as Parameters<typeof installWebGpuTrigPatch>[0]);
// after the trig patch, so that its failures are guarded too
installChainGuard(ORT.InferenceSession as unknown as Parameters<typeof installChainGuard>[0]);

const scope = self as unknown as WorkerScope;
const handle = createWorkerHost(new TransformersEngine(), (msg, transfer) => scope.postMessage(msg, transfer ?? []));
scope.addEventListener('message', (ev) => handle(ev.data));
