import { messageWithoutPassword, redactUrl } from '@app/config';
import { BrokerRefusedError } from './messaging.errors';

/** amqplib's words when the broker closes the connection at the login (connection.start-ok). */
const LOGIN_REFUSED = /ACCESS[_-]REFUSED/;
/**
 * And when it closes it at connection.open, the step that names the vhost: amqplib 2 reports
 * only "Expected ConnectionOpenOk; got <ConnectionClose …>" (the reply text is lost), other
 * versions the broker's NOT_ALLOWED reply.
 */
const VHOST_REFUSED = /NOT[_-]ALLOWED|Expected ConnectionOpenOk; got <ConnectionClose/;

/**
 * The BrokerRefusedError a failed connect to `url` amounts to, when the broker refused the login or
 * the vhost (as opposed to being unreachable, which a reconnect can fix); undefined otherwise.
 * The user and vhost are those amqplib sends for `url`: `guest` and `/` when it names none.
 */
export function brokerRefusal(error: unknown, url: string): BrokerRefusedError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const refused = LOGIN_REFUSED.test(message)
    ? 'login'
    : VHOST_REFUSED.test(message)
      ? 'vhost'
      : undefined;
  if (!refused) {
    return undefined;
  }
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  const user = parsed
    ? parsed.username || parsed.password
      ? decodeURIComponent(parsed.username)
      : 'guest'
    : 'guest';
  const vhost = decodeURIComponent(parsed?.pathname.slice(1) ?? '') || '/';
  return new BrokerRefusedError(refused, user, vhost, redactUrl(url), {
    cause: new Error(messageWithoutPassword(error, url)),
  });
}
