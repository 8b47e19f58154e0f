import type { ApiModel, ChannelModel, MessageModel } from '../model/types.js';

/** Aliases of the sibling modules inside client.ts and server.ts. */
export const TYPES = 'T';
export const SCHEMAS = 'S';
export const SUBJECTS = 'subjects';

/** Lookups over one model. */
export class ModelIndex {
  readonly model: ApiModel;
  readonly #messages: Map<string, MessageModel>;
  readonly #channels: Map<string, ChannelModel>;
  readonly #zodNames: Map<string, string>;

  constructor(model: ApiModel) {
    this.model = model;
    this.#messages = new Map(model.messages.map((m) => [m.key, m]));
    this.#channels = new Map(model.channels.map((c) => [c.id, c]));
    this.#zodNames = new Map(model.schemas.map((s) => [s.name, s.zodName]));
  }

  message(key: string): MessageModel {
    const m = this.#messages.get(key);
    if (!m) throw new Error(`internal: unknown message ${key}`);
    return m;
  }

  channel(id: string): ChannelModel {
    const c = this.#channels.get(id);
    if (!c) throw new Error(`internal: unknown channel ${id}`);
    return c;
  }

  zodName(schemaName: string): string {
    const z = this.#zodNames.get(schemaName);
    if (!z) throw new Error(`internal: unknown schema ${schemaName}`);
    return z;
  }
}
