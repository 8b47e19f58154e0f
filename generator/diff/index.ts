/**
 * `asyncapi-nats diff`: which changes between two versions of a spec break a deployed NATS fleet.
 *
 * Every change @asyncapi/diff finds keeps its classification (rule `asyncapi-diff`) unless a NATS
 * rule below explains the same place, in which case the rule's finding replaces it. A rule counts a
 * change as breaking when, during a rollout, old and new clients and workers would no longer agree
 * on the wire, or when code written against the old generated TypeScript API stops compiling.
 * Channels and operations are matched by their keys in the spec (a renamed key is a removal and an
 * addition).
 *
 * | rule                              | kind         | when                                                       |
 * | --------------------------------- | ------------ | ---------------------------------------------------------- |
 * | `nats-channel-removed`            | breaking     | a channel is gone                                          |
 * | `nats-channel-added`              | non-breaking | a new channel                                              |
 * | `nats-subject-changed`            | breaking     | the address' literal tokens (or their positions) changed   |
 * | `nats-parameter-renamed`          | breaking     | `{a}` became `{b}` at the same place of the address        |
 * | `nats-parameter-added`/`-removed` | breaking     | the address has a parameter more or less                   |
 * | `nats-reply-address-changed`      | non-breaking | the address of a reply-only channel (unused: inbox)        |
 * | `nats-operation-removed`          | breaking     | an operation is gone                                       |
 * | `nats-operation-added`            | non-breaking | a new operation                                            |
 * | `nats-operation-kind-changed`     | breaking     | publish/request/subscribe/reply changed (action or reply)  |
 * | `nats-operation-channel-changed`  | breaking     | the operation points at another channel                    |
 * | `nats-queue-changed`              | breaking     | queue group changed, added or removed                      |
 * | `nats-match-headers-changed`      | breaking     | `x-nats-match-headers` changed                             |
 * | `nats-timeout-shortened`          | breaking     | `x-nats-timeout-ms` shorter (absent: the runtime's 10 s)   |
 * | `nats-timeout-lengthened`         | non-breaking | `x-nats-timeout-ms` longer                                 |
 * | `nats-timeout-default`            | non-breaking | the default timeout is now stated, or no longer            |
 * | `nats-durability-changed`         | breaking     | `x-nats-jetstream` added or removed                        |
 * | `nats-stream-changed`             | breaking     | stream name, subjects, retention or storage                |
 * | `nats-consumer-changed`           | breaking     | durable consumer name                                      |
 * | `nats-message-id-changed`         | breaking     | where `Nats-Msg-Id` comes from                             |
 * | `nats-jetstream-settings-changed` | unclassified | replicas, windows, ages, dead letters, ack wait, deliveries, backoff: the runtime never edits an existing stream or consumer |
 * | `nats-message-removed`/`-added`   | breaking     | a message leaves or joins an operation (or its reply)      |
 * | `nats-field-removed`              | breaking     | a payload field is gone                                    |
 * | `nats-field-required`             | breaking     | a field became required, or a required field was added     |
 * | `nats-field-optional`             | breaking     | a required field became optional                           |
 * | `nats-field-added`                | non-breaking | an optional field (breaking under `additionalProperties: false`) |
 * | `nats-field-type-changed`         | breaking     | a field (or the payload) admits other JSON types           |
 * | `nats-header-removed`/`-required`/`-optional`/`-type-changed` | breaking | the same for headers |
 * | `nats-header-added`               | non-breaking | an optional header                                         |
 * | `nats-enum-value-removed`         | breaking     | an enum (or const) value is no longer allowed              |
 * | `nats-enum-value-added`           | breaking     | a new enum value: old receivers reject it                  |
 * | `api-class-renamed`               | breaking     | `info.title` changed the generated class names             |
 * | `info-version-changed`            | non-breaking | `info.version` (@asyncapi/diff calls it breaking)          |
 * | `docs-changed`                    | non-breaking | description, summary, title, examples, tags, externalDocs  |
 * | `asyncapi-diff`                   | as it says   | everything else @asyncapi/diff reports                     |
 */

export { DIFF_HELP, diffCommand, FAIL_ON, type FailOn, failsOn } from './command.js';
export { diffSpecs } from './diff.js';
export { formatChange, summaryLine } from './render.js';
export { CHANGE_KINDS, type ChangeKind, type DiffOptions, type DiffReport, type SpecChange } from './types.js';
