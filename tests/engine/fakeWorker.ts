// A fake Worker for protocol tests: the two ends of an in-process message channel that
// structured-clones every message a tick later (as postMessage does), plus what a real Worker adds:
// 'error' and 'messageerror' events and terminate().

import type { RpcPort } from '../../src/lib/workerRpc';

type Listener = (ev: never) => void;

/** The worker's global scope as serveRpc/serveEngine see it. */
export interface FakeScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
}

export interface FakeWorker extends RpcPort {
  terminate(): void;
  readonly terminated: boolean;
  /** Messages the main thread posted. */
  readonly sent: unknown[];
  /** The non-empty transfer lists the worker posted with. */
  readonly transferred: Transferable[][];
  /** Fires the Worker's 'error' event (an uncaught error, a WASM abort). */
  emitError(message: string): void;
  emitMessageError(): void;
}

/** A fake worker whose inside is set up by `serve(scope)` (e.g. `(scope) => serveEngine(scope, engine)`). */
export function fakeWorker(serve: (scope: FakeScope) => void): FakeWorker {
  const toMain: Record<string, Listener[]> = { message: [], error: [], messageerror: [] };
  const toWorker: ((ev: MessageEvent) => void)[] = [];
  const sent: unknown[] = [];
  const transferred: Transferable[][] = [];
  let terminated = false;
  const later = (fn: () => void) => setTimeout(() => !terminated && fn(), 0);
  serve({
    postMessage(msg, transfer) {
      if (transfer?.length) transferred.push(transfer);
      const copy = structuredClone(msg);
      later(() => toMain.message!.forEach((l) => l({ data: copy } as never)));
    },
    addEventListener(_type, fn) {
      toWorker.push(fn);
    },
  });
  return {
    get terminated() {
      return terminated;
    },
    sent,
    transferred,
    postMessage(msg: unknown) {
      sent.push(msg);
      if (terminated) return;
      const copy = structuredClone(msg);
      later(() => toWorker.forEach((l) => l({ data: copy } as MessageEvent)));
    },
    addEventListener(type: string, fn: Listener) {
      (toMain[type] ??= []).push(fn);
    },
    terminate() {
      terminated = true;
    },
    emitError(message: string) {
      toMain.error!.forEach((l) => l({ message } as never));
    },
    emitMessageError() {
      toMain.messageerror!.forEach((l) => l({ data: null } as never));
    },
  } as FakeWorker;
}
