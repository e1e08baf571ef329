// What a submission is checked against: the job-type registry in Redis, read whole again about
// once a second in the background (concurrent reads share one), and for a name not seen yet, that
// name's entry at once; with the types this process knows built in (the product's own, accepted
// on a fresh Redis before any worker declared them). Every payload is checked against its type's
// JSON Schema, compiled once per schema.

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
    // A type declared a moment ago must be accepted: an unknown name is always looked up.
    const unknown = [...names].filter((name) => !this.lookup(name));
    const stale = Date.now() - this.readAt >= REFRESH_AFTER_MS;
    if (unknown.length === 0) {
      if (stale) void this.refresh().catch(() => undefined);
      return;
    }
    // A whole read already under way may have started before the type was declared: the
    // names still unknown after it are read on their own.
    if (stale) await this.refresh();
    const still = unknown.filter((name) => !this.lookup(name));
    if (still.length > 0) await this.readNames(still);
  }

  /**
   * Reads these names' entries alone: a stream of submissions naming types nobody declared
   * costs a field read each, and the whole registry (whose declarations may be large and many)
   * is read at most once a second, which keeps the known names their refusal lists fresh.
   */
  private async readNames(names: string[]): Promise<void> {
    if (!this.registry) return;
    const found = await this.registry.declarationsOf(names);
    if (found.length === 0) return;
    const next = new Map(this.registered);
    for (const type of found) next.set(type.job_type, this.acceptedAgain(type));
    this.registered = next;
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
    for (const type of types) next.set(type.job_type, this.acceptedAgain(type));
    this.registered = next;
    this.readAt = Date.now();
  }

  /** The same version keeps its compiled schema. */
  private acceptedAgain(type: RegisteredJobType): AcceptedJobType {
    const previous = this.registered.get(type.job_type);
    const same = previous && (previous.declaration as RegisteredJobType).version === type.version;
    return same ? previous : accepted(type);
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
