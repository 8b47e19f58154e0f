/**
 * The thin layer between emitters and ts-morph: one generated file, its imports (runtime symbols
 * only through the contract table), JSDoc from spec text, and literals printed by TypeScript's own
 * printer so spec strings can never break out of their quotes.
 */
import {
  type ClassDeclarationStructure,
  type FunctionDeclarationStructure,
  type ImportDeclarationStructure,
  type JSDocStructure,
  type MethodDeclarationStructure,
  type OptionalKind,
  Project,
  type PropertyDeclarationStructure,
  printStructure,
  QuoteKind,
  type StatementStructures,
  StructureKind,
  type TypeAliasDeclarationStructure,
  ts,
  VariableDeclarationKind,
  type WriterFunction,
} from 'ts-morph';
import type { SpecLocation } from '../model/types.js';
import { docText } from '../naming.js';
import { reindent } from './indent.js';
import { RUNTIME_SYMBOLS, type RuntimeSymbol } from './runtime-symbols.js';
import { printNode } from './schema/print.js';
import { wrapLists } from './wrap.js';

/** Prints a node built with `ts.factory` (the one shared printer). */
export const print = printNode;

/** `(file:line:col)` for a spec location, with the file path as given. */
export function where(location: SpecLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/** JSDoc from spec text: paragraphs joined by blank lines, every `*\/` made harmless. */
export function jsDoc(
  paragraphs: readonly (string | undefined)[],
  tags: readonly { tagName: string; text?: string }[] = [],
): OptionalKind<JSDocStructure>[] {
  const description = paragraphs
    .filter((p): p is string => p !== undefined && p.trim() !== '')
    .map(docText)
    .join('\n\n');
  if (description === '' && tags.length === 0) return [];
  return [
    {
      description: description === '' ? '' : `${description}${tags.length > 0 ? '\n' : ''}`,
      tags: tags.map((t) => ({ tagName: t.tagName, ...(t.text !== undefined ? { text: docText(t.text) } : {}) })),
    },
  ];
}

/** Options every file of one generation shares. */
export interface FileContext {
  /** Spec path shown in headers and `@generated from` tags. */
  readonly source: string;
  /** Module specifier of the runtime (`asyncapi-nats/runtime`). */
  readonly runtimeImport: string;
}

/** A class being emitted: members are pushed onto it until the file is printed. */
export type ClassShape = OptionalKind<ClassDeclarationStructure> & {
  properties: OptionalKind<PropertyDeclarationStructure>[];
  methods: OptionalKind<MethodDeclarationStructure>[];
};

/**
 * One generated TypeScript file. Emitters add plain structures; the file is printed once, in
 * `finish()`. (Adding nodes to a live ts-morph SourceFile re-parses it after every change, which made
 * emitting quadratic in the number of declarations: 47 s for 300 channels.)
 */
export class GeneratedFile {
  readonly name: string;
  readonly #project: Project;
  readonly #ctx: FileContext;
  readonly #named = new Map<string, Map<string, boolean>>();
  readonly #namespaces: { module: string; alias: string; typeOnly: boolean }[] = [];
  readonly #statements: StatementStructures[] = [];

  constructor(project: Project, name: string, ctx: FileContext) {
    this.name = name;
    this.#project = project;
    this.#ctx = ctx;
  }

  /** Imports a runtime contract symbol and returns the name to use. */
  runtime(symbol: RuntimeSymbol): string {
    this.#import(this.#ctx.runtimeImport, symbol, RUNTIME_SYMBOLS[symbol].type);
    return symbol;
  }

  /** Imports a name from a sibling generated file (`./types.js`). */
  sibling(file: string, name: string, typeOnly: boolean): string {
    this.#import(`./${file}.js`, name, typeOnly);
    return name;
  }

  /** `import [type] * as alias from './file.js'`. */
  siblingNamespace(file: string, alias: string, typeOnly: boolean): string {
    if (!this.#namespaces.some((n) => n.alias === alias))
      this.#namespaces.push({ module: `./${file}.js`, alias, typeOnly });
    return alias;
  }

  /** `export type Name = ...`. */
  typeAlias(alias: OptionalKind<TypeAliasDeclarationStructure>): void {
    this.#statements.push({ kind: StructureKind.TypeAlias, ...alias });
  }

  /** `[export] const name: type = initializer`. */
  constant(declaration: {
    readonly name: string;
    readonly initializer: string;
    readonly type?: string;
    readonly isExported?: boolean;
    readonly docs?: OptionalKind<JSDocStructure>[];
  }): void {
    this.#statements.push({
      kind: StructureKind.VariableStatement,
      declarationKind: VariableDeclarationKind.Const,
      isExported: declaration.isExported ?? false,
      docs: declaration.docs ?? [],
      declarations: [
        {
          name: declaration.name,
          initializer: declaration.initializer,
          ...(declaration.type !== undefined ? { type: declaration.type } : {}),
        },
      ],
    });
  }

  /** `[export] function name(...) { ... }`. */
  functionDeclaration(fn: OptionalKind<FunctionDeclarationStructure>): void {
    this.#statements.push({ kind: StructureKind.Function, ...fn });
  }

  /** A class; push members onto the returned shape before `finish()`. */
  classDeclaration(cls: OptionalKind<ClassDeclarationStructure>): ClassShape {
    const shape: ClassShape & ClassDeclarationStructure = {
      ...cls,
      kind: StructureKind.Class,
      properties: [...(cls.properties ?? [])],
      methods: [...(cls.methods ?? [])],
    };
    this.#statements.push(shape);
    return shape;
  }

  /** `export [type] { a, b } from './x.js'`. */
  exportFrom(module: string, names: readonly string[], typeOnly: boolean): void {
    this.#statements.push({
      kind: StructureKind.ExportDeclaration,
      moduleSpecifier: module,
      isTypeOnly: typeOnly,
      namedExports: [...names],
    });
  }

  #import(module: string, name: string, typeOnly: boolean): void {
    let names = this.#named.get(module);
    if (!names) {
      names = new Map();
      this.#named.set(module, names);
    }
    // A value import also serves type positions.
    names.set(name, (names.get(name) ?? true) && typeOnly);
  }

  /** The file's final text: header, sorted imports, then every declaration, printed once. */
  finish(): string {
    const imports: ImportDeclarationStructure[] = [];
    const named = [...this.#named.entries()].sort(([a], [b]) => moduleRank(a) - moduleRank(b) || a.localeCompare(b));
    for (const [module, names] of named) {
      const all = [...names.entries()].sort(([a], [b]) => a.localeCompare(b));
      const typeOnly = all.every(([, t]) => t);
      imports.push({
        kind: StructureKind.ImportDeclaration,
        moduleSpecifier: module,
        isTypeOnly: typeOnly,
        namedImports: all.map(([name, t]) => ({ name, isTypeOnly: !typeOnly && t })),
      });
    }
    for (const ns of [...this.#namespaces].sort((a, b) => a.module.localeCompare(b.module))) {
      imports.push({
        kind: StructureKind.ImportDeclaration,
        moduleSpecifier: ns.module,
        namespaceImport: ns.alias,
        isTypeOnly: ns.typeOnly,
      });
    }
    // A blank line wherever the kind of statement changes (after the imports, between groups).
    const statements: (StatementStructures | WriterFunction)[] = [];
    let previous: StructureKind | undefined;
    for (const statement of [...imports, ...this.#statements]) {
      if (previous !== undefined && statement.kind !== previous) statements.push((writer) => writer.blankLine());
      statements.push(statement);
      previous = statement.kind;
    }
    // Printed straight from the structures and indented by bracket depth (indent.ts): parsing the text
    // into a source file and running the language-service formatter on it cost most of the emit phase.
    const printed = printStructure(
      { kind: StructureKind.SourceFile, statements },
      { useSingleQuote: this.#project.manipulationSettings.getQuoteKind() === QuoteKind.Single },
    );
    const header = [
      '/**',
      ` * Generated by asyncapi-nats from ${docText(this.#ctx.source)}. Do not edit: this file is`,
      ' * rewritten by `asyncapi-nats generate`; change the spec instead.',
      ' */',
      '',
    ].join('\n');
    return `${header}${wrapLists(reindent(printed).trimStart())}`;
  }
}

function moduleRank(module: string): number {
  return module.startsWith('.') ? 1 : 0;
}

/** A fresh in-memory project for one generation. */
export function createProject(): Project {
  return new Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    skipLoadingLibFiles: true,
    manipulationSettings: { quoteKind: QuoteKind.Single },
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, strict: true },
  });
}
