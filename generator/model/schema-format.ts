/**
 * A message's schema format (AsyncAPI 3 `payload: {schemaFormat, schema}`, a 2.x
 * `message.schemaFormat`, or neither: AsyncAPI's own schema, a draft-07 superset) → the JSON Schema
 * dialect the generator reads the schema in, or why it cannot read it.
 */
import type { SchemaDialect } from './types.js';

/** What a schema format means to the generator. */
export type SchemaFormatReading =
  /** A JSON Schema dialect the generator reads; `note` says what it assumed, when it had to. */
  | { readonly kind: 'json-schema'; readonly dialect: SchemaDialect; readonly note?: string }
  /** Avro, Protobuf, RAML, ...: no JSON Schema to read; `name` says what it is ("an Avro schema"). */
  | { readonly kind: 'unsupported'; readonly name: string };

const JSON_SCHEMA_VERSIONS: Record<string, SchemaDialect> = {
  'draft-04': 'draft-04',
  'draft-4': 'draft-04',
  'draft-06': 'draft-06',
  'draft-6': 'draft-06',
  'draft-07': 'draft-07',
  'draft-7': 'draft-07',
  '2019-09': '2019-09',
  'draft-2019-09': '2019-09',
  '2020-12': '2020-12',
  'draft-2020-12': '2020-12',
};

/** Reads a schema format string (a media type with a `version` parameter). */
export function readSchemaFormat(format: string | undefined | null): SchemaFormatReading {
  if (format === undefined || format === null || format.trim() === '')
    return { kind: 'json-schema', dialect: 'draft-07' };
  const [type = '', ...params] = format.split(';').map((p) => p.trim());
  const mediaType = type.toLowerCase();
  const version = params
    .map((p) => /^version\s*=\s*"?([^"]*)"?$/i.exec(p)?.[1])
    .find((v): v is string => v !== undefined);
  const base = mediaType.replace(/\+(json|yaml)$/, '');
  if (base === 'application/vnd.aai.asyncapi') return { kind: 'json-schema', dialect: 'draft-07' };
  if (base === 'application/schema') {
    const dialect = version === undefined ? undefined : JSON_SCHEMA_VERSIONS[version.toLowerCase()];
    if (dialect) return { kind: 'json-schema', dialect };
    return {
      kind: 'json-schema',
      dialect: 'draft-07',
      note: `JSON Schema ${version === undefined ? 'without a version' : `version '${version}'`} is read as draft-07`,
    };
  }
  if (base === 'application/vnd.oai.openapi') {
    // OpenAPI 3.1 schema objects are JSON Schema 2020-12; 3.0 ones a draft-04 variant with `nullable`.
    if (version?.startsWith('3.1')) return { kind: 'json-schema', dialect: '2020-12' };
    if (version === undefined || version.startsWith('3.0')) return { kind: 'json-schema', dialect: 'openapi-3.0' };
    return {
      kind: 'json-schema',
      dialect: 'openapi-3.0',
      note: `OpenAPI schema version '${version}' is read as an OpenAPI 3.0 schema object`,
    };
  }
  if (base.includes('avro')) return { kind: 'unsupported', name: 'an Avro schema' };
  if (base.includes('protobuf')) return { kind: 'unsupported', name: 'a Protobuf schema' };
  if (base.includes('raml')) return { kind: 'unsupported', name: 'a RAML type' };
  return { kind: 'unsupported', name: 'a schema of another format' };
}

/**
 * The schema of a payload or header set as the parser hands it: a multi-format schema object
 * (`{schemaFormat, schema}`) is unwrapped (its `format` is the one to read it in: the parser answers
 * its default format for a schema that is a string), and `at` is the pointer of the schema.
 */
export function unwrapSchema(
  json: unknown,
  pointer: string,
): { readonly schema: unknown; readonly at: string; readonly format?: string } {
  if (
    typeof json === 'object' &&
    json !== null &&
    !Array.isArray(json) &&
    'schemaFormat' in json &&
    'schema' in json &&
    typeof (json as { schemaFormat: unknown }).schemaFormat === 'string'
  ) {
    const wrapper = json as { schemaFormat: string; schema: unknown };
    return { schema: wrapper.schema, at: `${pointer}/schema`, format: wrapper.schemaFormat };
  }
  return { schema: json, at: pointer };
}
