import { accessSync, constants, statSync } from 'node:fs';
import { registerDecorator, type ValidationArguments } from 'class-validator';
import { redactUrl } from './redact-url';

// Validators of the variables that point somewhere (URLs, files), so a typo stops the app at
// start-up with the variable's name and what to fix, instead of a connection that keeps failing or
// a TLS error at the first connect. Their messages never contain a password: URLs are shown
// through redactUrl, or not at all when they cannot be parsed.

/** What a URL variable accepts. */
export interface UrlRule {
  /** Accepted schemes, with their colon: `amqp:`, `postgres:`. */
  protocols: readonly string[];
  /** Whether the host may be left out (PostgreSQL: a socket directory in `?host=`). */
  hostOptional?: boolean;
}

/** The port as written in a URL's authority, before URL parsing turns a bad one into "invalid". */
const WRITTEN_PORT = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?/i;

/** A URL whose host is empty: scheme, `//`, maybe credentials, then a path, query or nothing. */
const EMPTY_HOST = /^([a-z][a-z0-9+.-]*:\/\/(?:[^/?#]*@)?)(?=[/?#]|$)/i;

/** Why `value` is not a URL `rule` accepts (without echoing a password), or undefined if it is. */
export function urlProblem(value: unknown, rule: UrlRule): string | undefined {
  const schemes = rule.protocols.map((protocol) => `${protocol}//`).join(' or ');
  if (typeof value !== 'string' || value.trim() === '') {
    return `must be a ${schemes} URL`;
  }
  const port = WRITTEN_PORT.exec(value)?.[1];
  if (port !== undefined && port !== '' && !/^\d+$/.test(port)) {
    return 'has a port that is not a number';
  }
  if (port !== undefined && port !== '' && (Number(port) < 1 || Number(port) > 65_535)) {
    return `has port ${Number(port)}, outside 1-65535`;
  }
  // An empty host (`postgres://user@/db?host=/run/postgresql`) is parsed with a placeholder.
  const emptyHost = EMPTY_HOST.test(value);
  if (emptyHost && !rule.hostOptional) {
    return 'has no host';
  }
  const parsable = emptyHost ? value.replace(EMPTY_HOST, '$1localhost') : value;
  if (!URL.canParse(parsable)) {
    return `is not a URL (expected ${schemes}user:password@host:port/...)`;
  }
  const { protocol } = new URL(parsable);
  if (!rule.protocols.includes(protocol)) {
    return `has scheme ${protocol}// (${redactUrl(value)}); use ${schemes}`;
  }
  return undefined;
}

/**
 * A URL with one of `rule.protocols`, a host and a port in range; on a list (a comma-separated
 * variable), every entry, the failing one named by its position.
 */
export function IsServiceUrl(rule: UrlRule): PropertyDecorator {
  const problem = (value: unknown): string | undefined => {
    if (!Array.isArray(value)) {
      return urlProblem(value, rule);
    }
    if (value.length === 0) {
      return urlProblem('', rule);
    }
    for (const [index, entry] of value.entries()) {
      const found = urlProblem(entry, rule);
      if (found) {
        return value.length > 1 ? `entry ${index + 1} ${found}` : found;
      }
    }
    return undefined;
  };
  return (target, property) =>
    registerDecorator({
      name: 'isServiceUrl',
      target: target.constructor,
      propertyName: String(property),
      constraints: [rule],
      validator: {
        validate: (value: unknown) => problem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => problem(args?.value) ?? 'is invalid',
      },
    });
}

/** Why the file at `path` cannot be read, or undefined if it can. */
export function fileProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '') {
    return 'must be the path of a readable file';
  }
  try {
    if (!statSync(path).isFile()) {
      return `${path} is not a file`;
    }
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (error) {
    const { code } = error as { code?: unknown };
    const reason =
      code === 'ENOENT'
        ? 'it does not exist'
        : code === 'EACCES'
          ? 'permission denied'
          : typeof code === 'string'
            ? code
            : 'unknown error';
    return `cannot read ${path} (${reason})`;
  }
}

/** A file this process can read, checked at start-up rather than at the first connect. */
export function IsReadableFile(): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isReadableFile',
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate: (value: unknown) => fileProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => fileProblem(args?.value) ?? 'is invalid',
      },
    });
}

/** Set only together with `other` (e.g. a client certificate and its key). */
export function SetTogetherWith(other: string): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'setTogetherWith',
      target: target.constructor,
      propertyName: String(property),
      constraints: [other],
      validator: {
        validate: (_value: unknown, args?: ValidationArguments) =>
          (args?.object as Record<string, unknown> | undefined)?.[other] !== undefined,
        defaultMessage: () => `is set without ${other}: set both, or neither`,
      },
    });
}

/**
 * URLs that must use `tls` (e.g. `amqps:`) while any of `files` (a CA, a client certificate) is
 * set: TLS files with a plain URL would be silently ignored, which is never what was meant.
 */
export function TlsWhenSet(tls: string, files: readonly string[]): PropertyDecorator {
  const setFiles = (args?: ValidationArguments) =>
    files.filter(
      (file) => (args?.object as Record<string, unknown> | undefined)?.[file] !== undefined,
    );
  const plain = (value: unknown): string[] =>
    (Array.isArray(value) ? (value as unknown[]) : [value]).filter(
      (url): url is string => typeof url === 'string' && !url.toLowerCase().startsWith(`${tls}//`),
    );
  return (target, property) =>
    registerDecorator({
      name: 'tlsWhenSet',
      target: target.constructor,
      propertyName: String(property),
      constraints: [tls, files],
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          setFiles(args).length === 0 || plain(value).length === 0,
        defaultMessage: (args?: ValidationArguments) =>
          `${plain(args?.value)
            .map((url) => redactUrl(url))
            .join(', ')} is not TLS, but ${setFiles(args).join(', ')} ` +
          `${setFiles(args).length > 1 ? 'are' : 'is'} set: use ${tls}// URLs, or unset ` +
          `${setFiles(args).length > 1 ? 'them' : 'it'}`,
      },
    });
}
