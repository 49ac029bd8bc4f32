/** What every peer process reads from its environment; the bench sets it per run. */
export interface PeerEnv {
  url: string;
  /** The run's topic exchange, as ours and raw use. */
  exchange: string;
  /** The events queue; request queues are named after it (`<queue>.requests`) where a peer has one. */
  queue: string;
  queueType: string;
  prefetch: number;
  port: number;
  requestTimeoutMs: number;
  /**
   * TCP_NODELAY on the AMQP sockets. amqplib leaves Nagle's algorithm on unless asked; ours and the
   * raw baseline turn it off, and both libraries pass the socket option through, so the peers turn
   * it off too (RABBITMQ_NO_DELAY=0 measures them with the library default).
   */
  noDelay: boolean;
}

export function peerEnv(env: NodeJS.ProcessEnv = process.env): PeerEnv {
  return {
    url: (env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672').split(',')[0],
    exchange: env.RABBITMQ_EXCHANGE ?? 'events',
    queue: env.RABBITMQ_QUEUE ?? 'peer-consumer',
    queueType: env.RABBITMQ_QUEUE_TYPE ?? 'quorum',
    prefetch: Number(env.RABBITMQ_PREFETCH ?? 50),
    port: Number(env.PORT ?? 3000),
    requestTimeoutMs: Number(env.REQUEST_TIMEOUT_MS ?? 5_000),
    noDelay: env.RABBITMQ_NO_DELAY !== '0',
  };
}

/** The validation our consumer applies to message payloads (MessageValidationPipe's options). */
export const VALIDATION_OPTIONS = {
  transform: true,
  whitelist: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
} as const;

/** The validation our producer applies to HTTP bodies (HttpValidationPipe's options). */
export const HTTP_VALIDATION_OPTIONS = {
  ...VALIDATION_OPTIONS,
  forbidNonWhitelisted: true,
} as const;
