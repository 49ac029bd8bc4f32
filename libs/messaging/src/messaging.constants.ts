/** Injection token of the RabbitClient (a Nest ClientProxy). */
export const MESSAGING_CLIENT = Symbol('MESSAGING_CLIENT');

/** Injection token of the validated messaging configuration. */
export const MESSAGING_CONFIG = Symbol('MESSAGING_CONFIG');
