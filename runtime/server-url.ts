/**
 * Server URLs with credentials in them (`nats://user:password@host:4222`, `nats://token@host:4222`),
 * as the `nats` CLI and nats.go take them: the credentials are taken out before the URL reaches the
 * client, and every URL the runtime prints is redacted (`nats://user:***@host:4222`).
 *
 * The NATS client for Node (transport-node 3.4) ignores credentials in a URL, and reads a numeric
 * password as the port (`nats://alice:1234@host:4222` dials port 1234): measured, see
 * test/runtime/connect-credentials.test.ts.
 */
import type { Credentials } from './types.js';

/** One entry of `servers`, taken apart. */
export interface ServerUrl {
  /** The URL the client dials: the entry without its credentials. */
  readonly url: string;
  /** The entry as it may be printed: password or token replaced by `***`. */
  readonly redacted: string;
  /** The credentials the entry carried: `user:password@` is a user, a lone `token@` a token (as in nats.go). */
  readonly credentials: Credentials | undefined;
  /** Why the credentials could not be read (malformed percent-encoding); says nothing secret. */
  readonly problem?: string;
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const MASK = '***';

/** Where the user info of `text` is: [start, end) of the text before the host's `@`, or undefined. */
function userInfo(text: string): { readonly start: number; readonly at: number } | undefined {
  const start = SCHEME.exec(text)?.[0].length ?? 0;
  const rest = text.slice(start);
  const end = rest.search(/[/?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  // The last `@` ends the user info, so an unencoded `@` in a password still belongs to it (as in Go's url.Parse).
  const at = authority.lastIndexOf('@');
  return at === -1 ? undefined : { start, at: start + at };
}

/**
 * `url` with the password or token of its user info replaced by `***` (the user name stays):
 * `nats://alice:***@host:4222`, `nats://***@host:4222`. A URL without credentials is returned as it is.
 */
export function redactServerUrl(url: string): string {
  const info = userInfo(url);
  if (info === undefined) return url;
  const raw = url.slice(info.start, info.at);
  const colon = raw.indexOf(':');
  const masked = colon === -1 ? MASK : `${raw.slice(0, colon)}:${MASK}`;
  return `${url.slice(0, info.start)}${masked}${url.slice(info.at)}`;
}

/** Takes one `servers` entry apart (see {@link ServerUrl}). Never throws. */
export function parseServerUrl(entry: string): ServerUrl {
  const text = entry.trim();
  const info = userInfo(text);
  if (info === undefined) return { url: text, redacted: text, credentials: undefined };
  const raw = text.slice(info.start, info.at);
  const url = `${text.slice(0, info.start)}${text.slice(info.at + 1)}`;
  const redacted = redactServerUrl(text);
  // `nats://@host`: an empty user info carries nothing (nats.go would send an empty token).
  if (raw === '') return { url, redacted, credentials: undefined };
  try {
    const colon = raw.indexOf(':');
    const credentials: Credentials =
      colon === -1
        ? { token: decodeURIComponent(raw) }
        : { user: decodeURIComponent(raw.slice(0, colon)), password: decodeURIComponent(raw.slice(colon + 1)) };
    return { url, redacted, credentials };
  } catch {
    return { url, redacted, credentials: undefined, problem: 'has malformed percent-encoding in its credentials' };
  }
}

// A scheme, then a run without whitespace or a path/query/fragment start, up to the last `@` of that run.
const URL_WITH_USERINFO = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/?#]*)@/g;

/**
 * `text` with the credentials of every `scheme://user:password@` or `scheme://token@` in it masked:
 * a last line of defence for messages that may quote a URL (log lines, span status messages).
 */
export function redactUrlsIn(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(URL_WITH_USERINFO, (_match, scheme: string, info: string) => {
    const colon = info.indexOf(':');
    return `${scheme}${colon === -1 ? MASK : `${info.slice(0, colon)}:${MASK}`}@`;
  });
}

/** Two credentials are the same kind with the same values. */
export function sameCredentials(a: Credentials, b: Credentials): boolean {
  if ('token' in a) return 'token' in b && a.token === b.token;
  if ('user' in a) return 'user' in b && a.user === b.user && a.password === b.password;
  return false;
}
