// What a submission is checked against: the job-type registry in Redis, read again about once a
// second in the background and at once for a name not seen yet (concurrent reads share one), with the types this process knows built in (the
// product's own, accepted on a fresh Redis before any worker declared them). Every payload is
// checked against its type's JSON Schema, compiled once per schema.

import type { ValidateFunction } from 'ajv';
import type { ErrorDetail } from '../wire';
import { declarationOf, type JobTypeDeclaration, type RegisteredJobType } from './declaration';
import { compileSchema, payloadProblems, SchemaError } from './payload-validator';
import type { JobTypeRegistry } from './registry';
import type { TypeRegistry } from './type-registry';

/** How old the registry read may be before a submission triggers a fresh one in the background. */
const REFRESH_AFTER_MS = 1000;

export interface AcceptedJobType {
  declaration: JobTypeDeclaration;
  /** Set when this process refuses the type (switched off here); says why. */
  refusedBecause?: string;
  /** A built-in type whose settings here add checks (http's origins): this process's wins. */
  ownChecks?: boolean;
  problems(payload: unknown, pathPrefix: string): ErrorDetail[];
}

export class JobTypeCatalog {
  private readonly builtIn = new Map<string, AcceptedJobType>();
  private registered = new Map<string, AcceptedJobType>();
  private readAt = 0;
  private reading: Promise<void> | undefined;

  /** Without `registry`: the built-in types only (a check that needs no Redis). */
  constructor(
    local: JobTypeRegistry,
    private readonly registry?: TypeRegistry,
  ) {
    for (const type of local.values()) {
      const checked = accepted(declarationOf(type));
      const extra = type.submissionProblems;
      this.builtIn.set(type.name, {
        ...checked,
        refusedBecause: type.refusedBecause,
        problems: extra
          ? (payload, pathPrefix) => {
              // This process's own check covers the schema and says more (in its own words).
              const own = extra(payload).map(({ path, message }) => ({
                path: `${pathPrefix}.${path}`,
                message,
              }));
              return own.length > 0 ? own : checked.problems(payload, pathPrefix);
            }
          : checked.problems,
        ownChecks: Boolean(extra),
      });
    }
  }

  /** The declarations this process knows built in and accepts, for seeding the registry. */
  builtInDeclarations(): JobTypeDeclaration[] {
    return [...this.builtIn.values()]
      .filter((type) => !type.refusedBecause)
      .map((type) => type.declaration);
  }

  /**
   * Makes the registry read fresh enough for these names: read now if one is unknown, in the
   * background if the last read is getting old.
   */
  async prepare(names: Iterable<string>): Promise<void> {
    const age = Date.now() - this.readAt;
    for (const name of names) {
      // A type declared a moment ago must be accepted: an unknown name always reads again.
      if (!this.lookup(name)) return this.refresh();
    }
    if (age >= REFRESH_AFTER_MS) void this.refresh().catch(() => undefined);
  }

  /** Reads the registry again (one read at a time; callers share it). */
  refresh(): Promise<void> {
    if (!this.registry) return Promise.resolve();
    this.reading ??= this.registry
      .declarations()
      .then((types) => this.replace(types))
      .finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** A type this process refuses stays refused here, whatever the registry says. */
  lookup(name: string): AcceptedJobType | undefined {
    const builtIn = this.builtIn.get(name);
    if (builtIn?.refusedBecause || builtIn?.ownChecks) return builtIn;
    return this.registered.get(name) ?? builtIn;
  }

  /** Every name known here (those switched off too, which say why when used), sorted. */
  knownNames(): string[] {
    return [...new Set([...this.registered.keys(), ...this.builtIn.keys()])].sort();
  }

  private replace(types: RegisteredJobType[]): void {
    const next = new Map<string, AcceptedJobType>();
    for (const type of types) {
      const previous = this.registered.get(type.job_type);
      const same = previous && (previous.declaration as RegisteredJobType).version === type.version;
      next.set(type.job_type, same ? previous : accepted(type));
    }
    this.registered = next;
    this.readAt = Date.now();
  }
}

function accepted(declaration: JobTypeDeclaration): AcceptedJobType {
  let validate: ValidateFunction | undefined;
  return {
    declaration,
    problems(payload, pathPrefix) {
      try {
        validate ??= compileSchema(declaration.payload_schema);
      } catch (error) {
        if (!(error instanceof SchemaError)) throw error;
        // Written to the registry by something that skipped its checks: refuse, saying so.
        const message = `has a registered payload schema that does not compile (${error.message}); declare it again`;
        return [{ path: pathPrefix.replace(/payload$/, 'job_type'), message }];
      }
      return payloadProblems(validate, payload, pathPrefix);
    },
  };
}
