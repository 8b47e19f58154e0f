/**
 * What both receiving sides (core subscriptions and durable workers) read from a message before its
 * handler: the parameters in its subject (worked out once for a subscription without wildcards) and,
 * on a channel several operations share, the operation it belongs to.
 */
import { type Checked, checkReceived, closer, type HeaderSource } from './codec.js';
import { type InvalidSubjectParameterError, ValidationError } from './errors.js';
import { isPattern } from './subject.js';
import type { OperationSpec, SharedChannel } from './types.js';

/** The subject and parameters of a subscription without wildcards; its messages all arrive on it. */
export interface FixedSubject {
  readonly subject: string;
  readonly params: Readonly<Record<string, string>>;
}

/** {@link FixedSubject} of a subscription to `subject`, or `undefined` when it has a wildcard token. */
export function fixedSubject(op: OperationSpec, subject: string): FixedSubject | undefined {
  if (isPattern(subject)) return undefined;
  const params = op.subject.parse(subject);
  return params === undefined ? undefined : { subject, params };
}

/**
 * The parameters of a message, each message its own object, as if parsed from its subject; the error
 * when a value read from a wildcard subscription's subject breaks the spec's parameter rules (the
 * values of a subscription without wildcards were checked when it was made).
 */
export function paramsOf(
  op: OperationSpec,
  fixed: FixedSubject | undefined,
  msg: { readonly subject: string },
): Record<string, string> | InvalidSubjectParameterError {
  if (fixed !== undefined) return { ...fixed.params };
  const params = op.subject.parse(msg.subject) ?? {};
  const check = op.subject.check;
  return check === undefined ? params : (check(params) ?? params);
}

/** A shared channel's discriminator values, to look up per message; built once per subscription or worker. */
export function discriminatorValues(shared: SharedChannel): Map<unknown, number> | undefined {
  const discriminator = shared.discriminator;
  return discriminator === undefined ? undefined : new Map(discriminator.values);
}

/**
 * The operation of a shared channel that `payload` belongs to, with its validated message: by the
 * discriminator when the payload has one of its values (validated as `validates(index)` says), else
 * the first operation whose messages accept it (always validated: that is how it is found). When none
 * does, the closest candidate's error (see `closer`).
 */
export function classify(
  shared: SharedChannel,
  byValue: Map<unknown, number> | undefined,
  payload: unknown,
  msg: HeaderSource,
  validates: (index: number) => boolean,
): { index: number; checked: Checked } | ValidationError {
  const operations = shared.operations;
  const discriminator = shared.discriminator;
  if (discriminator !== undefined && typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
    const index = byValue?.get((payload as Record<string, unknown>)[discriminator.property]);
    const target = index === undefined ? undefined : operations[index];
    if (index !== undefined && target !== undefined) {
      const checked = checkReceived(target.messages, target.id, 'receive', payload, msg, validates(index));
      return checked instanceof ValidationError ? checked : { index, checked };
    }
    // Every message of the channel requires one of these values: no operation could take this one.
    const expected = discriminator.values.map(([value]) => JSON.stringify(value)).join('|');
    return new ValidationError(operations[0]?.id ?? '', 'receive', 'payload', [
      { path: discriminator.property, message: `Invalid option: expected one of ${expected}` },
    ]);
  }
  let closest: ValidationError | undefined;
  for (let index = 0; index < operations.length; index++) {
    const target = operations[index] as SharedChannel['operations'][number];
    const checked = checkReceived(target.messages, target.id, 'receive', payload, msg, true);
    if (!(checked instanceof ValidationError)) return { index, checked };
    closest = closer(closest, checked);
  }
  return closest ?? new ValidationError(operations[0]?.id ?? '', 'receive', 'payload', []);
}
