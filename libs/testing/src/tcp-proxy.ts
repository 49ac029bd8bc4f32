import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the apps and the broker, for fault injection: `cut()` drops every open
 * connection, `down()` also refuses new ones until `up()`, as if the broker went away.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private readonly clients = new Map<Socket, Socket>();
  private accepting = true;
  private holding = false;
  private server?: Server;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Proxies an amqp:// URL and returns the URL that goes through the proxy. */
  static async forUrl(url: string): Promise<{ proxy: TcpProxy; url: string }> {
    const parsed = new URL(url);
    const proxy = new TcpProxy(parsed.hostname, Number(parsed.port || 5672));
    const port = await proxy.listen();
    parsed.hostname = '127.0.0.1';
    parsed.port = String(port);
    return { proxy, url: parsed.toString() };
  }

  async listen(): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Drops all open connections; new ones are still accepted. */
  cut(): void {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.sockets.clear();
    this.clients.clear();
  }

  /** Drops all connections and refuses new ones: the broker is "down". */
  down(): void {
    this.accepting = false;
    this.cut();
  }

  up(): void {
    this.accepting = true;
  }

  /**
   * Stops forwarding what the clients send (the server's side still reaches them): to the app
   * its writes succeed, yet nothing arrives — acks and publishes are lost in transit, exactly as
   * when a process dies with them unsent. `cut()` or `down()` end it.
   */
  holdUpstream(): void {
    this.holding = true;
    for (const [client, upstream] of this.clients) {
      client.unpipe(upstream);
      client.pause();
    }
  }

  /** Forwards again what clients send from now on (new connections only; held data is gone). */
  releaseUpstream(): void {
    this.holding = false;
    this.cut();
  }

  get connectionCount(): number {
    return this.sockets.size / 2;
  }

  async close(): Promise<void> {
    this.down();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private accept(client: Socket): void {
    if (!this.accepting) {
      client.destroy();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    this.clients.set(client, upstream);
    client.on('close', () => this.clients.delete(client));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(a);
      if (!(this.holding && a === client)) {
        a.pipe(b);
      }
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
    }
  }
}
