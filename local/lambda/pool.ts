/**
 * The containers of one local function: an idle container takes the next
 * invocation; a new one is started while fewer than `maxContainers` exist;
 * beyond that, invocations wait in line (`queue`, a local machine's limit) or
 * are refused (`throttle`, as Lambda does at its reserved concurrency).
 */
import { EventEmitter } from 'node:events';
import { Container, ContainerOptions, InvocationHandle } from './container';

/** How the pool starts containers and how many. */
export interface PoolOptions {
  /** Most containers at once. */
  readonly maxContainers: number;
  /** What happens to an invocation when every container is busy. */
  readonly whenBusy: 'queue' | 'throttle';
  /** Everything a container needs except its ID. */
  readonly container: Omit<ContainerOptions, 'id'>;
}

/** A snapshot of one container. */
export interface ContainerInfo {
  readonly id: number;
  readonly pid?: number;
  readonly state: Container['state'];
  readonly invocations: number;
}

interface Waiter {
  readonly requestId: string;
  readonly event: unknown;
  readonly resolve: (handle: InvocationHandle) => void;
}

/** Runs invocations on up to `maxContainers` containers. */
export class ContainerPool extends EventEmitter {
  private readonly containers = new Set<Container>();
  private readonly claimed = new Set<Container>();
  private readonly waiting: Waiter[] = [];
  private nextId = 1;
  private closed = false;
  /** Every container ever started (cold starts). */
  public started = 0;

  constructor(private readonly options: PoolOptions) {
    super();
    if (!(options.maxContainers >= 1)) throw new Error(`maxContainers must be at least 1, got ${options.maxContainers}`);
  }

  /** The containers alive now. */
  get info(): ContainerInfo[] {
    return [...this.containers].map((c) => ({ id: c.id, pid: c.pid, state: c.state, invocations: c.invocations }));
  }

  /** The live containers (for their peak RSS). */
  get live(): Container[] {
    return [...this.containers];
  }

  /**
   * Runs the invocation on a free container, or `throttled` when none is free
   * and the pool throttles. `signal` drops an invocation still waiting in line.
   */
  invoke(requestId: string, event: unknown, signal?: AbortSignal): Promise<InvocationHandle | 'throttled'> {
    if (this.closed) return Promise.reject(new Error('the function is shut down'));
    const free = [...this.containers].find((c) => c.state === 'idle' && !this.claimed.has(c));
    if (free) return Promise.resolve(this.run(free, requestId, event));
    if (this.containers.size < this.options.maxContainers) return this.runOnNew(requestId, event);
    if (this.options.whenBusy === 'throttle') return Promise.resolve('throttled');
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { requestId, event, resolve };
      this.waiting.push(waiter);
      signal?.addEventListener('abort', () => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) {
          this.waiting.splice(at, 1);
          reject(new Error('the viewer went away while the invocation waited for a container'));
        }
      }, { once: true });
    });
  }

  /** Stops every container. */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    await Promise.all([...this.containers].map((c) => c.stop()));
  }

  private run(container: Container, requestId: string, event: unknown): InvocationHandle {
    this.claimed.add(container);
    const handle = container.invoke(requestId, event);
    void handle.finished.then(() => {
      this.claimed.delete(container);
      this.dispatch();
    });
    return handle;
  }

  private async runOnNew(requestId: string, event: unknown): Promise<InvocationHandle> {
    const container = this.spawn();
    this.claimed.add(container);
    try {
      await container.start();
    } catch (err) {
      this.claimed.delete(container);
      const failure = (err as { failure?: { errorType: string; errorMessage: string } }).failure
        ?? { errorType: 'Runtime.Unknown', errorMessage: (err as Error).message };
      // An init failure fails the invocation that started the container, as on Lambda.
      return {
        outcome: Promise.resolve({ kind: 'error', error: failure }),
        finished: Promise.resolve({ requestId, containerId: container.id, error: failure, logs: [], durationMs: 0 }),
      };
    }
    this.claimed.delete(container);
    return this.run(container, requestId, event);
  }

  private spawn(): Container {
    const container = new Container({ ...this.options.container, id: this.nextId++ });
    this.started++;
    this.containers.add(container);
    container.on('log', (entry) => this.emit('log', entry));
    container.on('dead', () => {
      this.containers.delete(container);
      this.claimed.delete(container);
      this.dispatch();
    });
    return container;
  }

  /** Gives the first waiting invocation a free or new container. */
  private dispatch(): void {
    if (this.closed) return;
    while (this.waiting.length > 0) {
      const free = [...this.containers].find((c) => c.state === 'idle' && !this.claimed.has(c));
      if (free) {
        const waiter = this.waiting.shift()!;
        waiter.resolve(this.run(free, waiter.requestId, waiter.event));
      } else if (this.containers.size < this.options.maxContainers) {
        const waiter = this.waiting.shift()!;
        void this.runOnNew(waiter.requestId, waiter.event).then(waiter.resolve);
      } else {
        return;
      }
    }
  }
}
