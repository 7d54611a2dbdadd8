// Runs each synced backend's cycle every sync.intervalMs (a full pass at least every fullPassEvery), under a store lease.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { IndexStore, SyncState } from '../store/index-store';
import { runCycle, type CycleResult, type SyncGateway } from './cycle';
import configSchema from '../../schemas/config.schema.json';

export interface SyncConfig {
  /** 0: no cycle runs by itself (only POST .../sync starts one). */
  intervalMs: number;
  /** Backend names, or ["*"] for every configured backend. */
  backends: string[];
  fullPassEvery: number;
  maxTasksPerBackend: number;
}

/** The sync keys' defaults, as the config schema writes them (the one place every default is written). */
export const SYNC_DEFAULTS = Object.fromEntries(
  Object.entries(configSchema.properties.sync.properties).map(([key, schema]) => [key, schema.default]),
) as unknown as SyncConfig;

/** The backends a sync config names, among the configured ones. */
export function syncedBackends(config: SyncConfig, configured: string[]): string[] {
  return config.backends.includes('*') ? [...configured] : configured.filter((name) => config.backends.includes(name));
}

export interface SchedulerOptions {
  gateway: SyncGateway & { list(): { name: string }[] };
  store: IndexStore;
  config: SyncConfig;
  /** This gateway's name in leases (default: a random id per process). */
  holder?: string;
  /** How long a lease lives unless renewed (default: three intervals, at least a minute). */
  leaseTtlMs?: number;
  /** The longest back-off after failed cycles (default: 32 intervals, at most an hour). */
  maxBackoffMs?: number;
  now?: () => number;
}

/**
 * Events: `cycle` (CycleResult) after each cycle; `skipped` ({ backend }) when another gateway holds the
 * backend's lease. Timers are unref'd: the scheduler never keeps the process alive.
 */
export class SyncScheduler extends EventEmitter {
  readonly backends: string[];
  readonly holder: string;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<CycleResult | undefined>>();
  /** A full pass asked for here while a cycle ran: it runs right after. */
  private readonly fullAfter = new Set<string>();
  private readonly leaseTtlMs: number;
  private readonly maxBackoffMs: number;
  private readonly now: () => number;
  private started = false;
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {
    super();
    this.backends = syncedBackends(options.config, options.gateway.list().map((b) => b.name));
    this.holder = options.holder ?? `gateway-${randomUUID()}`;
    const interval = options.config.intervalMs;
    this.leaseTtlMs = options.leaseTtlMs ?? Math.max(3 * interval, 60_000);
    this.maxBackoffMs = options.maxBackoffMs ?? Math.min(32 * Math.max(interval, 1000), 3_600_000);
    this.now = options.now ?? Date.now;
  }

  isSynced(backend: string): boolean {
    return this.backends.includes(backend);
  }

  /** Starts every synced backend's first cycle now; then one every interval (none when intervalMs is 0). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    if (this.options.config.intervalMs <= 0) return;
    for (const backend of this.backends) this.schedule(backend, 0);
  }

  /** Stops the timers, waits for the cycles in flight and gives the leases back. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running.values()]);
    await Promise.allSettled(this.backends.map((b) => this.options.store.releaseLease(b, this.holder)));
  }

  /**
   * Asks for a full pass of the backend now (POST .../sync). The request is kept in the store, so whichever
   * gateway holds the lease runs it; here, a cycle starts at once unless one is running (then it follows).
   */
  async trigger(backend: string): Promise<void> {
    await this.options.store.requestFullPass(backend);
    if (this.stopped) return;
    const running = this.running.get(backend);
    if (running) {
      this.fullAfter.add(backend);
      void running.finally(() => {
        if (this.fullAfter.delete(backend)) this.schedule(backend, 0, true);
      });
      return;
    }
    this.clearTimer(backend);
    void this.tick(backend);
  }

  /** Runs one cycle of the backend if this gateway holds (or takes) its lease; resolves with its result. */
  async runOnce(backend: string, forceFull = false): Promise<CycleResult | undefined> {
    const inFlight = this.running.get(backend);
    if (inFlight) return inFlight;
    const run = this.cycle(backend, forceFull).finally(() => this.running.delete(backend));
    this.running.set(backend, run);
    return run;
  }

  private async cycle(backend: string, forceFull: boolean): Promise<CycleResult | undefined> {
    const { store, gateway, config } = this.options;
    if (!(await store.acquireLease(backend, this.holder, this.now(), this.leaseTtlMs))) {
      this.emit('skipped', { backend });
      return undefined;
    }
    const state: SyncState | undefined = (await store.syncStates()).find((s) => s.backend === backend);
    const full = forceFull || !state || state.fullRequested || state.cycles % Math.max(1, config.fullPassEvery) === 0;
    let renewedAt = this.now();
    const result = await runCycle(gateway, store, backend, full, state, {
      maxTasks: config.maxTasksPerBackend,
      now: this.now,
      // A long cycle renews its lease as it goes; if another gateway took it meanwhile, this one stops.
      beforeCall: async () => {
        if (this.stopped) return false;
        if (this.now() - renewedAt < this.leaseTtlMs / 3) return true;
        renewedAt = this.now();
        return store.acquireLease(backend, this.holder, renewedAt, this.leaseTtlMs);
      },
    });
    this.emit('cycle', result);
    return result;
  }

  private async tick(backend: string, forceFull = false): Promise<void> {
    this.timers.delete(backend);
    const started = this.now();
    let result: CycleResult | undefined;
    try {
      result = await this.runOnce(backend, forceFull);
    } catch (error) {
      // The store failed (the cycle itself never throws): try again at the next interval.
      this.emit('failed', { backend, error });
    }
    // A follow-up full pass is already scheduled (see trigger); the running cycle may have cleared the stored
    // request, so that follow-up is forced to be full.
    if (this.stopped || this.timers.has(backend)) return;
    if (this.fullAfter.delete(backend)) return this.schedule(backend, 0, true);
    const interval = this.options.config.intervalMs;
    if (interval <= 0) return;
    const failures = result && !result.ok ? await this.failures(backend) : 0;
    // Counted from this cycle's start: a cycle every interval, however long each one took.
    const wait = failures > 0 ? Math.min(interval * 2 ** Math.min(failures, 20), this.maxBackoffMs) : interval;
    this.schedule(backend, Math.max(0, wait - (this.now() - started)));
  }

  private async failures(backend: string): Promise<number> {
    const state = (await this.options.store.syncStates().catch(() => [])).find((s) => s.backend === backend);
    return state?.failures ?? 1;
  }

  private schedule(backend: string, delayMs: number, forceFull = false): void {
    if (this.stopped) return;
    this.clearTimer(backend);
    const timer = setTimeout(() => void this.tick(backend, forceFull), delayMs);
    timer.unref();
    this.timers.set(backend, timer);
  }

  private clearTimer(backend: string): void {
    const timer = this.timers.get(backend);
    if (timer) clearTimeout(timer);
    this.timers.delete(backend);
  }
}
