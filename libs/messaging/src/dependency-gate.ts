/** An outage of something the handlers need, as readiness and the logs report it. */
export interface Outage {
  dependency: string;
  since: Date;
  /** Deliveries waiting for the dependency right now. */
  waiting: number;
}

/** What the gate asks of the consumer when an outage starts and ends. */
export interface GateHooks {
  /** Stop taking new deliveries (the ones held stay unacked, so nothing is redelivered). */
  pause(dependency: string): void;
  /** Take deliveries again. */
  resume(): void;
}

/** Back-off between probes while a dependency is away. */
export interface GateBackoff {
  initialMs: number;
  maxMs: number;
}

/**
 * Holds deliveries while a dependency of the handlers is away, instead of letting each failure use
 * up one of the message's attempts: the first failure pauses consumption, every failed delivery
 * waits here (unacked, so bounded by the prefetch), and at growing intervals one of them is let
 * through as a probe. When a probe gets through, everything waiting goes on and consumption
 * resumes; when nothing is waiting (e.g. the connection dropped and the broker took the deliveries
 * back), consumption resumes and the next delivery is the probe.
 */
export class DependencyGate {
  private current?: {
    dependency: string;
    since: Date;
    delayMs: number;
    timer?: NodeJS.Timeout;
  };
  private readonly waiters: (() => void)[] = [];
  /** The back-off reached when an outage ended without a probe getting through: it goes on from there. */
  private carriedDelayMs?: number;

  constructor(
    private readonly hooks: GateHooks,
    private readonly backoff: GateBackoff,
  ) {}

  /** The outage in progress, if any. */
  outage(): Outage | undefined {
    const current = this.current;
    return current
      ? { dependency: current.dependency, since: current.since, waiting: this.waiters.length }
      : undefined;
  }

  /** A delivery failed for want of `dependency`: resolves when it is its turn to try again. */
  waitFor(dependency: string): Promise<void> {
    if (!this.current) {
      const delayMs = this.carriedDelayMs ?? this.backoff.initialMs;
      this.current = { dependency, since: new Date(), delayMs };
      this.hooks.pause(dependency);
      this.schedule();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** A delivery got through: any outage is over, everything waiting goes on. */
  recovered(): void {
    this.carriedDelayMs = undefined;
    if (!this.current) {
      return;
    }
    clearTimeout(this.current.timer);
    this.current = undefined;
    this.releaseAll();
    this.hooks.resume();
  }

  /**
   * Wakes every waiting delivery without ending the outage, e.g. when their channel is gone or the
   * service shuts down: each then finds it no longer holds its delivery and lets go.
   */
  releaseAll(): void {
    for (const wake of this.waiters.splice(0)) {
      wake();
    }
  }

  /** Ends the outage without resuming (shutdown). */
  stop(): void {
    clearTimeout(this.current?.timer);
    this.current = undefined;
    this.releaseAll();
  }

  private schedule(): void {
    const current = this.current;
    if (!current) {
      return;
    }
    current.timer = setTimeout(() => this.probe(), current.delayMs);
    current.timer.unref();
  }

  private probe(): void {
    const current = this.current;
    if (!current) {
      return;
    }
    const probe = this.waiters.shift();
    if (!probe) {
      // Nobody holds a delivery: let new deliveries in; the first one is the probe.
      this.carriedDelayMs = Math.min(current.delayMs * 2, this.backoff.maxMs);
      this.current = undefined;
      this.hooks.resume();
      return;
    }
    current.delayMs = Math.min(current.delayMs * 2, this.backoff.maxMs);
    probe();
    this.schedule();
  }
}
