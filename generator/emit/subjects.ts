import { call, str } from './ast.js';
import { type GeneratedFile, jsDoc, print, where } from './file.js';
import type { ModelIndex } from './operation.js';

export function emitSubjects(index: ModelIndex, file: GeneratedFile): void {
  for (const channel of index.model.channels) {
    if (channel.address === null) continue;
    const params = channel.parameters.map((p) => `- \`${p.name}\`${p.description ? `: ${p.description.trim()}` : ''}`);
    file.constant({
      name: channel.subjectConst,
      initializer: print(call(file.runtime('subjectTemplate'), [str(channel.address)])),
      isExported: true,
      docs: jsDoc(
        [
          `Subject of channel \`${channel.id}\`: \`${channel.address}\`.`,
          channel.summary ?? channel.title,
          channel.description,
          params.length > 0 ? `Parameters:\n${params.join('\n')}` : undefined,
          params.length > 0
            ? '`build()` rejects a value that is empty, contains `.`, `*`, `>`, whitespace or a control character, or starts with `$`.'
            : undefined,
        ],
        [{ tagName: 'generated', text: `from channels.${channel.id} (${where(channel.location)})` }],
      ),
    });
  }
}
