/** Connection options from the environment, with the `nats` CLI's variable names. */
import type { ConnectOptions } from './types.js';

/** Reads NATS_URL, NATS_TOKEN, NATS_USER/NATS_PASSWORD, NATS_NKEY, NATS_CREDS, NATS_CA/NATS_CERT/NATS_KEY. STUB. */
export function connectOptionsFromEnv(
  _env: Readonly<Record<string, string | undefined>> = process.env,
): ConnectOptions {
  throw new Error('not implemented');
}
