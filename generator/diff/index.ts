/**
 * `asyncapi-nats diff`: which changes between two versions of a spec break a deployed NATS fleet.
 * docs/diff.md is the reference; this is the list of rules.
 *
 * The rule: senders and receivers upgrade independently and BOTH validate, so a change that either
 * side would reject is breaking. A schema change is non-breaking only when the new schema accepts
 * exactly the same values (or it only documents or annotates). Narrowed (fewer values accepted)
 * breaks old senders against new receivers, widened breaks new senders against old receivers;
 * both are breaking, and each finding's help names the safe rollout order, if there is one. A
 * comparison no rule can decide (two patterns, two formats) is breaking, saying why. Code written
 * against the old generated API that stops compiling is breaking too.
 *
 * Every change @asyncapi/diff finds keeps its classification (rule `asyncapi-diff`) unless a rule
 * below explains the same place. Channels and operations are matched by their keys in the spec (a
 * renamed key is a removal and an addition); messages by where they are defined.
 *
 * | rule                                | kind                   | when                                                       |
 * | ----------------------------------- | ---------------------- | ---------------------------------------------------------- |
 * | `nats-channel-removed`/`-added`     | breaking/non-breaking  | a channel is gone / new                                    |
 * | `nats-subject-changed`              | breaking               | the address' literal tokens (or their positions) changed   |
 * | `nats-parameter-renamed`            | breaking               | `{a}` became `{b}` at the same place of the address        |
 * | `nats-parameter-added`/`-removed`   | breaking               | the address has a parameter more or less                   |
 * | `nats-reply-address-changed`        | non-breaking           | the address of a reply-only channel (unused: inbox)        |
 * | `nats-operation-removed`/`-added`   | breaking/non-breaking  | an operation is gone / new                                 |
 * | `nats-operation-kind-changed`       | breaking               | publish/request/subscribe/reply changed (action or reply)  |
 * | `nats-operation-channel-changed`    | breaking               | the operation points at another channel                    |
 * | `nats-queue-changed`                | breaking               | queue group changed, added or removed                      |
 * | `nats-binding-version-changed`      | non-breaking           | the NATS operation binding's `bindingVersion`              |
 * | `nats-match-headers-changed`        | breaking               | `x-nats-match-headers` changed                             |
 * | `nats-timeout-shortened`            | by side                | breaking for a requester (send), not for a replier         |
 * | `nats-timeout-lengthened`           | by side                | breaking for a replier (receive), not for a requester      |
 * | `nats-timeout-default`              | non-breaking           | the default timeout is now stated, or no longer            |
 * | `nats-durability-changed`           | breaking               | `x-nats-jetstream` added or removed                        |
 * | `nats-stream-changed`               | breaking               | stream name, subjects, retention or storage                |
 * | `nats-stream-limits-changed`        | by direction           | replicas, duplicate window, max age: weaker is breaking    |
 * | `nats-dead-letter-changed`          | breaking               | dead-letter subject or stream                              |
 * | `nats-consumer-changed`             | breaking               | durable consumer name                                      |
 * | `nats-delivery-changed`             | by direction           | max deliver, backoff: weaker is breaking; ack wait is not  |
 * | `nats-message-id-changed`           | breaking               | where `Nats-Msg-Id` comes from                             |
 * | `nats-streaming-changed`            | breaking               | `x-nats-stream` added or removed (the reply streams or not) |
 * | `nats-streaming-end-changed`        | breaking               | a stream's end message declared, or no longer              |
 * | `nats-streaming-timeout-changed`    | non-breaking           | a stream's first-chunk, idle or total timeout              |
 * | `nats-streaming-window-changed`     | non-breaking           | a stream's window (each request carries its caller's)      |
 * | `nats-message-removed`/`-added`     | breaking               | a message leaves or joins an operation (or its reply)      |
 * | `nats-message-swapped`              | breaking               | an operation's (or reply's) one message is another message |
 * | `nats-field-`/`nats-header-removed` | breaking               | a property or header is gone                               |
 * | `nats-field-`/`nats-header-added`   | by values              | breaking unless it accepts what the old schema did there   |
 * | `nats-field-`/`nats-header-required`| breaking               | newly required, or added as required                       |
 * | `nats-field-`/`nats-header-optional`| breaking               | no longer required                                         |
 * | `nats-field-`/`nats-header-type-changed` | breaking          | `type` (or `nullable` next to it) admits other JSON types |
 * | `nats-enum-value-removed`/`-added`  | breaking               | an `enum`/`const` (or parameter enum) value less or more   |
 * | `nats-schema-narrowed`              | breaking               | any other keyword now accepts fewer values                 |
 * | `nats-schema-widened`               | breaking               | any other keyword now accepts more values                  |
 * | `nats-schema-changed`               | breaking               | both, or undecidable (patterns, formats, oneOf, if, an unknown keyword, a schema format not read) |
 * | `nats-schema-equivalent`            | non-breaking           | written differently, same values (`minLength: 0`, `const` as a one-value `enum`) |
 * | `nats-schema-annotation-changed`    | non-breaking           | `default`, `readOnly`, `deprecated`, `$id`, `x-` keys, ...  |
 * | `nats-component-unused`             | non-breaking           | inside a component no channel, operation or message uses   |
 * | `extension-changed`                 | non-breaking           | an `x-` key asyncapi-nats does not read                    |
 * | `nats-schema-unchecked`             | breaking               | a change inside a schema that no rule compared (none known) |
 * | `api-class-renamed`                 | breaking               | `info.title` changed the generated class names             |
 * | `info-version-changed`              | non-breaking           | `info.version` (@asyncapi/diff calls it breaking)          |
 * | `docs-changed`                      | non-breaking           | description, summary, title, examples, tags, externalDocs  |
 * | `asyncapi-diff`                     | as it says             | everything else @asyncapi/diff reports                     |
 */

export { DIFF_HELP, diffCommand, FAIL_ON, type FailOn, failsOn } from './command.js';
export { diffSpecs } from './diff.js';
export { formatChange, summaryLine } from './render.js';
export { CHANGE_KINDS, type ChangeKind, type DiffOptions, type DiffReport, type SpecChange } from './types.js';
