/** Connection options from the environment, with the `nats` CLI's variable names. */
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';
import { parseServerUrl } from './server-url.js';
import type { ConnectOptions, Credentials, TlsFiles } from './types.js';

/** An nkey seed as text: `S`, the key type, then base32 (58 characters in all). */
const SEED = /^S[A-Z][A-Z2-7]{56}$/;

/**
 * Builds `connect` options from environment variables (the names the `nats` CLI reads):
 *
 * - `NATS_URL`: server URL, or a comma-separated list of them; it may carry credentials as the `nats`
 *   CLI takes them (`nats://user:password@host:4222`, `nats://token@host:4222`; see `connect`);
 * - `NATS_TOKEN`; or `NATS_USER` with `NATS_PASSWORD`; or `NATS_NKEY` (a seed, or the path of a file
 *   holding one); or `NATS_CREDS` (path of a `.creds` file): at most one kind;
 * - `NATS_CA`, `NATS_CERT`, `NATS_KEY`: TLS files (PEM); a certificate needs its key;
 * - `NATS_TENANT`: the tenant id (inbox prefix `_INBOX.<tenant>`).
 *
 * Empty variables count as unset. Throws {@link ConfigError} (code `CONFIG`) for conflicting
 * or incomplete settings, naming the variables involved.
 */
export function connectOptionsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): ConnectOptions {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const options: {
    servers?: string[];
    credentials?: Credentials;
    tls?: TlsFiles;
    tenant?: string;
  } = {};

  const url = get('NATS_URL');
  if (url !== undefined) {
    const servers = url
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (servers.length > 0) options.servers = servers;
  }

  const inUrl = (options.servers ?? []).some((server) => {
    const parsed = parseServerUrl(server);
    return parsed.credentials !== undefined || parsed.problem !== undefined;
  });
  const credentials = credentialsFromEnv(get, inUrl);
  if (credentials !== undefined) options.credentials = credentials;

  const tls = tlsFromEnv(get);
  if (tls !== undefined) options.tls = tls;

  const tenant = get('NATS_TENANT');
  if (tenant !== undefined) options.tenant = tenant;
  return options;
}

function credentialsFromEnv(get: (name: string) => string | undefined, inUrl: boolean): Credentials | undefined {
  const token = get('NATS_TOKEN');
  const user = get('NATS_USER');
  const password = get('NATS_PASSWORD');
  const nkey = get('NATS_NKEY');
  const creds = get('NATS_CREDS');
  const kinds = [
    inUrl ? 'NATS_URL (credentials in the URL)' : undefined,
    token !== undefined ? 'NATS_TOKEN' : undefined,
    user !== undefined || password !== undefined ? 'NATS_USER/NATS_PASSWORD' : undefined,
    nkey !== undefined ? 'NATS_NKEY' : undefined,
    creds !== undefined ? 'NATS_CREDS' : undefined,
  ].filter((kind) => kind !== undefined);
  if (kinds.length > 1) {
    throw new ConfigError(`conflicting NATS credentials in the environment: ${kinds.join(', ')} (set one kind)`);
  }
  if (token !== undefined) return { token };
  if (user !== undefined || password !== undefined) {
    if (user === undefined) throw new ConfigError('NATS_PASSWORD is set but NATS_USER is not');
    if (password === undefined) throw new ConfigError('NATS_USER is set but NATS_PASSWORD is not');
    return { user, password };
  }
  if (nkey !== undefined) return { nkeySeed: SEED.test(nkey) ? nkey : readSeedFile(nkey) };
  if (creds !== undefined) return { credsFile: creds };
  return undefined;
}

/** The seed in an nkey file: the first line that looks like a seed (`nk -gen user` writes just that line). */
function readSeedFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError(`NATS_NKEY is neither an nkey seed nor a readable file: '${path}' (${reason})`, { cause });
  }
  const seed = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => SEED.test(line));
  if (seed === undefined) throw new ConfigError(`NATS_NKEY file '${path}' holds no nkey seed`);
  return seed;
}

function tlsFromEnv(get: (name: string) => string | undefined): TlsFiles | undefined {
  const caFile = get('NATS_CA');
  const certFile = get('NATS_CERT');
  const keyFile = get('NATS_KEY');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(
      certFile === undefined ? 'NATS_KEY is set but NATS_CERT is not' : 'NATS_CERT is set but NATS_KEY is not',
    );
  }
  if (caFile === undefined && certFile === undefined) return undefined;
  return {
    ...(caFile !== undefined && { caFile }),
    ...(certFile !== undefined && { certFile }),
    ...(keyFile !== undefined && { keyFile }),
  };
}
