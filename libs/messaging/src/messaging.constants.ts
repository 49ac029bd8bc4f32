/** Injection token of the RabbitClient (a Nest ClientProxy). */
export const MESSAGING_CLIENT = Symbol('MESSAGING_CLIENT');
