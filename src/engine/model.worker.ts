// The model Web Worker: one TransformersEngine served as ModelApi (./protocol.ts).
// Start it with createModelWorker() from ./client.ts (Vite bundles it as an ES module worker).

import * as ORT from 'onnxruntime-web/webgpu';
import { TransformersEngine } from './transformers';
import { installChainGuard } from './ortChainGuard';
import { installWebGpuTrigPatch } from './webgpuSessionPatch';
import { serveEngine } from './workerHost';

installWebGpuTrigPatch(ORT.InferenceSession as unknown as Parameters<typeof installWebGpuTrigPatch>[0]);
// after the trig patch, so that its failures are guarded too
installChainGuard(ORT.InferenceSession as unknown as Parameters<typeof installChainGuard>[0]);

serveEngine(self, new TransformersEngine());
