/** `connect`: the transport-node connect, retried with backoff until the first connection is made. */
import { errors, type NatsConnection, connect as natsConnect } from '@nats-io/transport-node';
import { ConnectError } from './errors.js';
import type { ConnectOptions } from './types.js';

const DEFAULT_ATTEMPTS = 10;
const DEFAULT_INITIAL_DELAY_MS = 250;
const DEFAULT_MAX_DELAY_MS = 10_000;
const DEFAULT_SERVER = '127.0.0.1:4222';

/**
 * Connects to NATS. The first connection is retried with exponential backoff and full jitter
 * (`options.retry`; defaults 10 attempts, 250 ms initial delay, 10 s maximum), because a service often
 * starts before its NATS server is reachable; after that the client's own reconnect logic takes over.
 * Throws {@link ConnectError} (last failure as `cause`) when every attempt failed, or at once for
 * invalid options.
 */
export async function connect(options: ConnectOptions = {}): Promise<NatsConnection> {
  const { retry, ...natsOptions } = options;
  const attempts = Math.max(1, retry?.attempts ?? DEFAULT_ATTEMPTS);
  const initial = retry?.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS;
  const max = retry?.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const servers = serverList(options.servers);
  for (let attempt = 1; ; attempt++) {
    try {
      return await natsConnect(natsOptions);
    } catch (cause) {
      // Bad options (an invalid URL, exclusive options) fail the same way every time: retrying only delays them.
      if (attempt >= attempts || cause instanceof errors.InvalidArgumentError || cause instanceof TypeError) {
        throw new ConnectError(servers, attempt, { cause });
      }
    }
    // Full jitter: a uniform delay up to the exponential cap spreads a fleet of restarting services.
    const cap = Math.min(max, initial * 2 ** (attempt - 1));
    await new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
  }
}

function serverList(servers: string | readonly string[] | undefined): readonly string[] {
  if (servers === undefined) return [DEFAULT_SERVER];
  return typeof servers === 'string' ? [servers] : servers;
}
