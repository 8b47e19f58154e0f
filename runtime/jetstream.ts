/** Durable channels: JetStream publish with acks and retries, and bounded durable consumers. */
import type { NatsConnection } from '@nats-io/transport-node';
import type {
  ClientOptions,
  Handle,
  OperationSpec,
  PublishAck,
  ReceiveArgs,
  SendArgs,
  ServerOptions,
} from './types.js';

/**
 * Publishes to a durable operation's stream and resolves its ack. STUB: implemented by the JetStream work.
 */
export async function durablePublish(
  _nc: NatsConnection,
  _op: OperationSpec,
  _args: SendArgs,
  _options?: ClientOptions,
): Promise<PublishAck> {
  throw new Error('not implemented');
}

/** Consumes a durable operation's messages through its shared durable consumer. STUB. */
export function consume<TMsg>(
  _nc: NatsConnection,
  _op: OperationSpec,
  _args: ReceiveArgs,
  _handler: (m: TMsg) => void | Promise<void>,
  _options?: ServerOptions,
): Handle {
  throw new Error('not implemented');
}
