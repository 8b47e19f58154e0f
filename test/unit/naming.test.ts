import { describe, expect, it } from 'vitest';
import { camelCase, docText, NameRegistry, pascalCase, safeIdentifier, safeMember } from '../../generator/naming.js';

describe('naming', () => {
  it.each([
    ['delete', 'delete', 'Delete'],
    ['class', 'class', 'Class'],
    ['2fa.verify', '_2faVerify', '_2faVerify'],
    ['publish-x.v2', 'publishXV2', 'PublishXV2'],
    ['sendAgentMessage', 'sendAgentMessage', 'SendAgentMessage'],
    ['user_created', 'userCreated', 'UserCreated'],
    ['AI SDK', 'aiSdk', 'AiSdk'],
    ['HTTPServer', 'httpServer', 'HttpServer'],
    ['ai.agent.message', 'aiAgentMessage', 'AiAgentMessage'],
    ['créer-commande', 'créerCommande', 'CréerCommande'],
    ['注文.作成', '注文作成', '注文作成'],
    ['Ünïcode_ÉVENT', 'ünïcodeÉvent', 'ÜnïcodeÉvent'],
    ['***', 'unnamed', 'Unnamed'],
    ['', 'unnamed', 'Unnamed'],
  ])('naming - %j becomes camel %j and pascal %j', (raw, camel, pascal) => {
    expect(camelCase(raw)).toBe(camel);
    expect(pascalCase(raw)).toBe(pascal);
  });

  it.each([
    ['delete', 'delete_'],
    ['class', 'class_'],
    ['z', 'z_'],
    ['Promise', 'Promise_'],
    ['agentMessage', 'agentMessage'],
  ])('naming - top-level identifier %j is %j', (name, safe) => {
    expect(safeIdentifier(name)).toBe(safe);
  });

  it('naming - reserved words stay usable as methods, our own members do not', () => {
    expect(safeMember('delete')).toBe('delete');
    expect(safeMember('drain')).toBe('drain_');
    expect(safeMember('constructor')).toBe('constructor_');
  });

  it('naming - names that collide after sanitising get numbered in claim order', () => {
    const names = new NameRegistry();
    expect(names.claim(pascalCase('user-created'))).toBe('UserCreated');
    expect(names.claim(pascalCase('user_created'))).toBe('UserCreated2');
    expect(names.claim(pascalCase('user.created'))).toBe('UserCreated3');
  });

  it('naming - a reserved name is never handed out', () => {
    const names = new NameRegistry().reserve('AiSdkClient');
    expect(names.claim('AiSdkClient')).toBe('AiSdkClient2');
  });

  it.each([
    ['ends */ early', 'ends *\\/ early'],
    ['/* opens a comment', '/\\* opens a comment'],
    ['has `backticks` and ${x}', 'has `backticks` and ${x}'],
    ['  windows\r\nlines  ', 'windows\nlines'],
  ])('naming - doc text %j is safe in a comment', (raw, safe) => {
    expect(docText(raw)).toBe(safe);
  });
});
