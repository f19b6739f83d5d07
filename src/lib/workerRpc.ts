// A tiny typed request/response protocol over postMessage, with streamed events, cancellation and
// unasked notifications. Used by both workers (data: workers/dataApi.ts, model: engine/protocol.ts).
//
//   Main thread: `new RpcClient<Api, Notes>(worker).call('name', args, onEvent, signal)`,
//                `client.on('topic', listener)`.
//   Worker:      `serveRpc<Api, Notes>(self, { name: async (args, emit, signal) => result }, { serial })`
//                returns `notify(topic, payload)`.
//
// Every request carries an id; the worker answers with any number of `event`s and then exactly one
// `result` or `error`. Cancelling posts `cancel`, which aborts the handler's AbortSignal (the call
// then rejects with an error named 'AbortError'). `serial` runs requests one at a time in arrival
// order (a model is not re-entrant); cancel still acts at once. A handler that returns
// `withTransfer(value, buffers)` has its buffers transferred instead of copied.
//
// A worker can die or hang (a WASM abort, out of memory, an endless loop). The client then becomes
// *dead* for good: a worker 'error' or 'messageerror' event, or a cancel the worker does not answer
// within `cancelTimeoutMs` (default 5 s: the cancelled call rejects locally with an AbortError),
// rejects every pending call with a `WorkerDeadError` and every later call at once. Whoever owns
// the worker (engine/supervisedEngine.ts for the model worker) terminates it and starts a new one.

export interface RpcMethod<Args, Event, Result> {
  args: Args;
  event: Event;
  result: Result;
}
export type RpcApi = Record<string, RpcMethod<unknown, unknown, unknown>>;
/** Unasked messages from the worker: topic -> payload. */
export type RpcNotes = Record<string, unknown>;

type ToWorker = { id: number; method: string; args: unknown } | { id: number; cancel: true };
type FromWorker =
  | { id: number; event: unknown }
  | { id: number; result: unknown }
  | { id: number; error: { name: string; message: string; stack?: string } }
  | { note: string; payload: unknown };

export class RpcError extends Error {
  constructor(name: string, message: string, stack?: string) {
    super(message);
    this.name = name;
    if (stack) this.stack = stack;
  }
}

/** The name of the error a dead client's calls reject with. */
export const WORKER_DEAD = 'WorkerDeadError';

/** True for the rejection of a call on a dead client (the worker crashed, hung or was stopped). */
export function isWorkerDead(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === WORKER_DEAD;
}

export interface RpcClientOptions {
  /**
   * How long a cancelled call waits for the worker's answer before it rejects locally (AbortError)
   * and the client is marked dead: a worker that does not answer a cancel is stuck. Default 5000 ms.
   */
  cancelTimeoutMs?: number;
}

interface Endpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
}

/** The main thread's end: a Worker, or a test double. */
export interface RpcPort extends Endpoint {
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
  addEventListener(type: 'error', listener: (ev: ErrorEvent) => void): void;
  addEventListener(type: 'messageerror', listener: (ev: MessageEvent) => void): void;
}

const transfers = new WeakMap<object, Transferable[]>();

/** Marks a handler's result so that `buffers` are transferred with it rather than copied. */
export function withTransfer<T extends object>(value: T, buffers: Transferable[]): T {
  transfers.set(value, buffers);
  return value;
}

interface Pending {
  onEvent?: (e: unknown) => void;
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
}

export class RpcClient<Api extends RpcApi, Notes extends RpcNotes = Record<never, never>> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private deadError: RpcError | null = null;
  private readonly cancelTimeoutMs: number;

  constructor(
    private readonly worker: Endpoint | RpcPort,
    options: RpcClientOptions = {},
  ) {
    this.cancelTimeoutMs = options.cancelTimeoutMs ?? 5000;
    worker.addEventListener('message', (ev: MessageEvent<FromWorker>) => this.receive(ev.data));
    (worker as RpcPort).addEventListener('error', (ev: ErrorEvent) => {
      this.fail(`the worker stopped with an error: ${ev?.message || 'unknown error'}`);
    });
    (worker as RpcPort).addEventListener('messageerror', () => {
      this.fail('a message from the worker could not be read (messageerror)');
    });
  }

  /** Why the client is dead (the worker crashed, hung or was stopped), or null while it is usable. */
  get dead(): Error | null {
    return this.deadError;
  }

  /**
   * Marks the client dead: rejects every pending call, and every later one at once, with a
   * WorkerDeadError carrying `reason`. Idempotent (the first reason is kept).
   */
  fail(reason: string): void {
    if (!this.deadError) this.deadError = new RpcError(WORKER_DEAD, reason);
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(new RpcError(WORKER_DEAD, this.deadError.message));
  }

  private receive(msg: FromWorker): void {
    if (this.deadError) return;
    if ('note' in msg) {
      for (const listener of this.listeners.get(msg.note) ?? []) listener(msg.payload);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    if ('event' in msg) p.onEvent?.(msg.event);
    else {
      this.pending.delete(msg.id);
      if ('result' in msg) p.resolve(msg.result);
      else p.reject(new RpcError(msg.error.name, msg.error.message, msg.error.stack));
    }
  }

  call<K extends keyof Api & string>(
    method: K,
    args: Api[K]['args'],
    onEvent?: (event: Api[K]['event']) => void,
    signal?: AbortSignal,
  ): Promise<Api[K]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.deadError) return reject(new RpcError(WORKER_DEAD, this.deadError.message));
      if (signal?.aborted) return reject(new RpcError('AbortError', 'The operation was aborted.'));
      let timer: ReturnType<typeof setTimeout> | null = null;
      const onAbort = () => {
        if (this.deadError) return;
        this.worker.postMessage({ id, cancel: true } satisfies ToWorker);
        // A worker that does not answer a cancel in time is stuck: give up on it.
        timer = setTimeout(() => {
          const p = this.pending.get(id);
          if (!p) return;
          this.pending.delete(id);
          p.reject(new RpcError('AbortError', `The operation was aborted; the worker did not stop within ${this.cancelTimeoutMs} ms.`));
          this.fail(`the worker did not answer a cancel within ${this.cancelTimeoutMs} ms`);
        }, this.cancelTimeoutMs);
      };
      const settle = <T>(fn: (x: T) => void) => (x: T) => {
        signal?.removeEventListener('abort', onAbort);
        if (timer !== null) clearTimeout(timer);
        fn(x);
      };
      this.pending.set(id, { onEvent: onEvent as (e: unknown) => void, resolve: settle(resolve as (r: unknown) => void), reject: settle(reject) });
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.worker.postMessage({ id, method, args } satisfies ToWorker);
      } catch (err) {
        // e.g. DataCloneError: nothing reached the worker, the client stays usable
        this.pending.get(id)?.reject(err as Error);
        this.pending.delete(id);
      }
    });
  }

  /** Listens to the worker's unasked `topic` messages; returns the unsubscribe function. */
  on<T extends keyof Notes & string>(topic: T, listener: (payload: Notes[T]) => void): () => void {
    const set = this.listeners.get(topic) ?? new Set();
    set.add(listener as (payload: unknown) => void);
    this.listeners.set(topic, set);
    return () => set.delete(listener as (payload: unknown) => void);
  }
}

export type RpcHandlers<Api extends RpcApi> = {
  [K in keyof Api]: (args: Api[K]['args'], emit: (event: Api[K]['event']) => void, signal: AbortSignal) => Promise<Api[K]['result']>;
};

export function serveRpc<Api extends RpcApi, Notes extends RpcNotes = Record<never, never>>(
  scope: Endpoint,
  handlers: RpcHandlers<Api>,
  options: { serial?: boolean } = {},
): <T extends keyof Notes & string>(topic: T, payload: Notes[T]) => void {
  const running = new Map<number, AbortController>();
  let queue: Promise<void> = Promise.resolve();
  const run = async (msg: Extract<ToWorker, { method: string }>, controller: AbortController): Promise<void> => {
    const handler = handlers[msg.method as keyof Api];
    const emit = (event: unknown) => scope.postMessage({ id: msg.id, event } satisfies FromWorker);
    try {
      if (!handler) throw new Error(`unknown method ${msg.method}`);
      if (controller.signal.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
      const result = await handler(msg.args as never, emit as never, controller.signal);
      const transfer = typeof result === 'object' && result !== null ? transfers.get(result) : undefined;
      scope.postMessage({ id: msg.id, result } satisfies FromWorker, transfer ?? []);
    } catch (err) {
      const e = err instanceof Error || err instanceof DOMException ? err : new Error(String(err));
      const name = controller.signal.aborted ? 'AbortError' : e.name;
      scope.postMessage({ id: msg.id, error: { name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) } } satisfies FromWorker);
    } finally {
      running.delete(msg.id);
    }
  };
  scope.addEventListener('message', (ev: MessageEvent<ToWorker>) => {
    const msg = ev.data;
    if ('cancel' in msg) {
      running.get(msg.id)?.abort();
      return;
    }
    const controller = new AbortController();
    running.set(msg.id, controller);
    if (options.serial) queue = queue.then(() => run(msg, controller));
    else void run(msg, controller);
  });
  return (topic, payload) => scope.postMessage({ note: topic, payload } satisfies FromWorker);
}
