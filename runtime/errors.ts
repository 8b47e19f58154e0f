/**
 * The runtime's error classes: one class per failure, each with a stable string `code` to switch on,
 * `name` set to the class name, and the underlying error kept as `cause`.
 */

/** One problem found by a schema: a dotted path into the value (`''` for the value itself) and a message. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** Base class of every error the runtime throws or reports. */
export class AsyncApiNatsError extends Error {
  /** Stable machine-readable code, e.g. `'VALIDATION'`; unlike `message`, it never changes wording. */
  readonly code: string;
  /** Id of the AsyncAPI operation involved, when there is one. */
  readonly operation?: string;

  constructor(code: string, message: string, operation?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AsyncApiNatsError';
    this.code = code;
    if (operation !== undefined) this.operation = operation;
  }
}

/** A subject parameter value that would change the subject's meaning (wildcard, separator, ...). */
export class InvalidSubjectParameterError extends AsyncApiNatsError {
  /** Name of the parameter, without braces. */
  readonly parameter: string;
  /** The rejected value, as given. */
  readonly value: unknown;

  constructor(parameter: string, value: unknown, reason: string, options?: ErrorOptions) {
    super(
      'INVALID_SUBJECT_PARAMETER',
      `invalid value for subject parameter '${parameter}': ${quote(value)} (${reason})`,
      undefined,
      options,
    );
    this.name = 'InvalidSubjectParameterError';
    this.parameter = parameter;
    this.value = value;
  }
}

/** Which side of an exchange a validated message was on. */
export type Direction = 'send' | 'receive' | 'reply';

/** A payload or header set that does not match the operation's schema. */
export class ValidationError extends AsyncApiNatsError {
  override readonly operation: string;
  /** `send`: outgoing message; `receive`: incoming message or request; `reply`: a request's reply. */
  readonly direction: Direction;
  /** Which part failed: the payload, or the headers (then the payload itself was valid). */
  readonly part: 'payload' | 'headers';
  /** Every issue the schema found, in its order. */
  readonly issues: readonly Issue[];

  constructor(
    operation: string,
    direction: Direction,
    part: 'payload' | 'headers',
    issues: readonly Issue[],
    options?: ErrorOptions,
  ) {
    super(
      'VALIDATION',
      `invalid ${part} for operation '${operation}': ${issues.map(formatIssue).join('; ')}`,
      operation,
      options,
    );
    this.name = 'ValidationError';
    this.operation = operation;
    this.direction = direction;
    this.part = part;
    this.issues = issues;
  }
}

/** A received body that is not valid JSON. */
export class DecodeError extends AsyncApiNatsError {
  override readonly operation: string;
  /** Subject the message arrived on. */
  readonly subject: string;

  constructor(operation: string, subject: string, options?: ErrorOptions) {
    super('DECODE', `malformed JSON for operation '${operation}' on '${subject}'`, operation, options);
    this.name = 'DecodeError';
    this.operation = operation;
    this.subject = subject;
  }
}

/** A request that got no reply in time. */
export class TimeoutError extends AsyncApiNatsError {
  override readonly operation: string;
  /** Subject the request was sent to. */
  readonly subject: string;
  /** The timeout that expired. */
  readonly timeoutMs: number;

  constructor(operation: string, subject: string, timeoutMs: number, options?: ErrorOptions) {
    super('TIMEOUT', `request '${operation}' on '${subject}' timed out after ${timeoutMs} ms`, operation, options);
    this.name = 'TimeoutError';
    this.operation = operation;
    this.subject = subject;
    this.timeoutMs = timeoutMs;
  }
}

/** A request sent to a subject nobody listens on (the server answers at once). */
export class NoRespondersError extends AsyncApiNatsError {
  override readonly operation: string;
  /** Subject the request was sent to. */
  readonly subject: string;

  constructor(operation: string, subject: string, options?: ErrorOptions) {
    super('NO_RESPONDERS', `no responders for request '${operation}' on '${subject}'`, operation, options);
    this.name = 'NoRespondersError';
    this.operation = operation;
    this.subject = subject;
  }
}

/** The responder answered with a service error (`Nats-Service-Error-Code` / `Nats-Service-Error` headers). */
export class RemoteError extends AsyncApiNatsError {
  override readonly operation: string;
  /** The responder's numeric code (HTTP-like: 400 bad request, 500 internal error, ...). */
  readonly status: number;
  /** The responder's description, as sent. */
  readonly description: string;

  constructor(operation: string, status: number, description: string, options?: ErrorOptions) {
    super('REMOTE', `request '${operation}' failed: ${status} ${description}`, operation, options);
    this.name = 'RemoteError';
    this.operation = operation;
    this.status = status;
    this.description = description;
  }
}

/**
 * Thrown by a reply handler to choose the error reply: the caller gets a {@link RemoteError} with this
 * status and message. Anything else a handler throws answers `500 internal error`.
 */
export class ServiceError extends AsyncApiNatsError {
  /** The numeric code sent as `Nats-Service-Error-Code`. */
  readonly status: number;

  constructor(status: number, message: string, options?: ErrorOptions) {
    super('SERVICE', message, undefined, options);
    this.name = 'ServiceError';
    this.status = status;
  }
}

/** The first connection could not be made, even after retrying. */
export class ConnectError extends AsyncApiNatsError {
  /** The servers that were tried. */
  readonly servers: readonly string[];
  /** How many attempts were made. */
  readonly attempts: number;

  constructor(servers: readonly string[], attempts: number, options?: ErrorOptions) {
    const detail = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      'CONNECT',
      `could not connect to '${servers.join(',')}' after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}${detail}`,
      undefined,
      options,
    );
    this.name = 'ConnectError';
    this.servers = servers;
    this.attempts = attempts;
  }
}

/** `path: message`, or just the message for an issue about the whole value. */
export function formatIssue(issue: Issue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

/** Quotes a value for a message, with control characters escaped so the message stays one readable line. */
function quote(value: unknown): string {
  if (typeof value === 'string') return `'${JSON.stringify(value).slice(1, -1)}'`;
  if (typeof value === 'symbol') return value.toString();
  return String(value);
}
