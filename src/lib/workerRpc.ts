// A tiny typed request/response protocol over postMessage, with streamed events and cancellation.
// Main thread: `new RpcClient<Api>(worker).call('name', args, onEvent, signal)`.
// Worker:      `serveRpc<Api>(self, { name: async (args, emit, signal) => result })`.
// Every request carries an id; the worker answers with any number of `event`s and then exactly one
// `result` or `error`. Cancelling posts `cancel`, which aborts the handler's AbortSignal.

export interface RpcMethod<Args, Event, Result> {
  args: Args;
  event: Event;
  result: Result;
}
export type RpcApi = Record<string, RpcMethod<unknown, unknown, unknown>>;

type ToWorker = { id: number; method: string; args: unknown } | { id: number; cancel: true };
type FromWorker =
  | { id: number; event: unknown }
  | { id: number; result: unknown }
  | { id: number; error: { name: string; message: string } };

export class RpcError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Endpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
}

export class RpcClient<Api extends RpcApi> {
  private nextId = 1;
  private pending = new Map<number, { onEvent?: (e: unknown) => void; resolve: (r: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly worker: Endpoint) {
    worker.addEventListener('message', (ev: MessageEvent<FromWorker>) => {
      const msg = ev.data;
      const p = this.pending.get(msg.id);
      if (!p) return;
      if ('event' in msg) p.onEvent?.(msg.event);
      else if ('result' in msg) {
        this.pending.delete(msg.id);
        p.resolve(msg.result);
      } else {
        this.pending.delete(msg.id);
        p.reject(new RpcError(msg.error.name, msg.error.message));
      }
    });
  }

  call<K extends keyof Api & string>(
    method: K,
    args: Api[K]['args'],
    onEvent?: (event: Api[K]['event']) => void,
    signal?: AbortSignal,
  ): Promise<Api[K]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new RpcError('AbortError', 'cancelled'));
      this.pending.set(id, { onEvent: onEvent as (e: unknown) => void, resolve: resolve as (r: unknown) => void, reject });
      signal?.addEventListener('abort', () => this.worker.postMessage({ id, cancel: true } satisfies ToWorker), { once: true });
      this.worker.postMessage({ id, method, args } satisfies ToWorker);
    });
  }
}

export type RpcHandlers<Api extends RpcApi> = {
  [K in keyof Api]: (args: Api[K]['args'], emit: (event: Api[K]['event']) => void, signal: AbortSignal) => Promise<Api[K]['result']>;
};

export function serveRpc<Api extends RpcApi>(scope: Endpoint, handlers: RpcHandlers<Api>): void {
  const running = new Map<number, AbortController>();
  scope.addEventListener('message', (ev: MessageEvent<ToWorker>) => {
    const msg = ev.data;
    if ('cancel' in msg) {
      running.get(msg.id)?.abort();
      return;
    }
    const handler = handlers[msg.method as keyof Api];
    const controller = new AbortController();
    running.set(msg.id, controller);
    const emit = (event: unknown) => scope.postMessage({ id: msg.id, event } satisfies FromWorker);
    void (async () => {
      try {
        if (!handler) throw new Error(`unknown method ${msg.method}`);
        const result = await handler(msg.args as never, emit as never, controller.signal);
        scope.postMessage({ id: msg.id, result } satisfies FromWorker);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        const name = controller.signal.aborted ? 'AbortError' : e.name;
        scope.postMessage({ id: msg.id, error: { name, message: e.message } } satisfies FromWorker);
      } finally {
        running.delete(msg.id);
      }
    })();
  });
}
