/** One dependency's state, as readiness reports it. */
export interface ReadinessState {
  up: boolean;
  /** Why it is down, in words an operator can act on. */
  reason?: string;
}

/**
 * Something whose state decides readiness, e.g. the broker connection and the consumers. Modules
 * provide indicators as ordinary providers and the app lists them in `HealthModule.forRoot`.
 */
export interface ReadinessIndicator {
  /** The states of what this indicator watches, by name (`broker`, `consumer`, …). */
  readiness(): Record<string, ReadinessState> | Promise<Record<string, ReadinessState>>;
}

/** Injection token of the indicators `HealthController` asks. */
export const READINESS_INDICATORS = Symbol('READINESS_INDICATORS');
