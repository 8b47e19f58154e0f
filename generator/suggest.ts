/**
 * "Did you mean": the one place that decides which known name a misspelt one was meant to be, for
 * extension names, JetStream settings and JSON Schema keywords alike.
 */
import leven from 'leven';

/** `timeoutMs`, `timeout_ms`, `Timeout.MS` → `timeout-ms`. */
function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[\s_.]+/g, '-');
}

/**
 * The candidate `name` was most likely meant to be, or undefined when none is close. Names are
 * compared in kebab case, without the prefixes in `prefixes` (`x-`, `nats-`): `x-timeout-ms` is
 * `x-nats-timeout-ms` without its `nats-`, `x-nats-queue-group` is `x-nats-queue` with a word more,
 * `x-nats-timout-ms` one letter off. Close means: equal, a Levenshtein distance of at most 1 (names
 * up to 5 letters) or 2, or one name is the other plus words (both at least 5 letters).
 */
export function suggest(
  name: string,
  candidates: readonly string[],
  prefixes: readonly string[] = [],
): string | undefined {
  const core = (n: string) => {
    let k = kebab(n);
    for (const prefix of prefixes) if (k.startsWith(prefix)) k = k.slice(prefix.length);
    return k;
  };
  const mine = core(name);
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const theirs = core(candidate);
    const distance = leven(mine, theirs, { maxDistance: 3 });
    const within = theirs.length <= 5 ? 1 : 2;
    const extended = Math.min(mine.length, theirs.length) >= 5 && (mine.startsWith(theirs) || theirs.startsWith(mine));
    const score = distance <= within ? distance : extended ? 3 : undefined;
    if (score !== undefined && (best === undefined || score < best.score)) best = { candidate, score };
  }
  return best?.candidate;
}
