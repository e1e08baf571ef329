// The job-type registry in Redis: the declarations workers make (hash `types`), and which types
// each worker runs (hash `type_workers`, read beside the workers' heartbeats). A declaration stays
// after its workers are gone: jobs of the type are still accepted and wait for a worker.

import { WORKER_STALE_MS, type QueueKeys } from '../keys';
import { execPipeline, type RedisClient } from '../redis';
import { runScript } from '../scripts';
import { declarationVersion, type JobTypeDeclaration, type RegisteredJobType } from './declaration';

export interface DeclarationChange {
  job_type: string;
  /** The version it replaced; null for a type declared for the first time. */
  from: string | null;
  to: string;
}

export interface ListedJobType extends RegisteredJobType {
  /** Live workers (heartbeat within WORKER_STALE_MS) that run the type. */
  workers: number;
}

/** `declared_by` of a type declared over HTTP (PUT /job-types/:name). */
export const HTTP_DECLARER = 'http';

export class TypeRegistry {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: QueueKeys,
  ) {}

  /**
   * Writes `declarations` made by `declaredBy`: the newest declaration of a name wins. Resolves
   * with the ones that were new or changed.
   */
  async declare(
    declarations: JobTypeDeclaration[],
    declaredBy: string,
  ): Promise<DeclarationChange[]> {
    if (declarations.length === 0) return [];
    const stored = await this.redis.hmget(
      this.keys.types,
      ...declarations.map((declaration) => declaration.job_type),
    );
    const changes: DeclarationChange[] = [];
    const fields: string[] = [];
    declarations.forEach((declaration, i) => {
      const version = declarationVersion(declaration);
      const before = stored[i] ? (parseRegistered(stored[i]!)?.version ?? null) : null;
      if (before === version) return;
      changes.push({ job_type: declaration.job_type, from: before, to: version });
      fields.push(declaration.job_type, this.registered(declaration, version, declaredBy));
    });
    if (fields.length > 0) await this.redis.hset(this.keys.types, ...fields);
    // Unchanged declarations too: their limits may be gone while the declaration stayed (a
    // Redis that lost its data, and another worker's heartbeat wrote the declaration back).
    for (const declaration of declarations) await this.writeLimits(declaration);
    return changes;
  }

  /**
   * The limits claim.lua reads, beside the declaration (one read per claim, not a parse). A
   * script, not a pipeline: it also counts the running jobs a new concurrency limit covers, it
   * changes nothing when the limits are already those, and it writes them only while the stored
   * declaration is this one (a newer one stored meanwhile keeps its own).
   */
  private async writeLimits(declaration: JobTypeDeclaration): Promise<void> {
    const { job_type, limits } = declaration;
    await runScript(this.redis, 'set_limits', this.keys, [
      this.keys.prefix,
      job_type,
      'declared',
      limits ? JSON.stringify(limits) : '',
      declarationVersion(declaration),
    ]);
  }

  /**
   * Beside a worker's heartbeat: records the types it runs, and writes back any of its
   * declarations the registry lost (a flushed or replaced Redis) without overriding newer ones.
   */
  async heartbeat(workerId: string, declarations: JobTypeDeclaration[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    pipeline.hset(
      this.keys.typeWorkers,
      workerId,
      JSON.stringify(declarations.map((declaration) => declaration.job_type)),
    );
    for (const declaration of declarations) {
      const version = declarationVersion(declaration);
      pipeline.hsetnx(
        this.keys.types,
        declaration.job_type,
        this.registered(declaration, version, workerId),
      );
    }
    const [, ...writtenBack] = await execPipeline(pipeline);
    // A declaration written back brings back its limits: they were lost with it.
    for (const [i, declaration] of declarations.entries()) {
      if (writtenBack[i] === 1) await this.writeLimits(declaration);
    }
  }

  /**
   * A live worker that runs `declaration`'s type, when a Node worker made the stored declaration
   * and this one would change it; undefined otherwise (a type declared over HTTP is the HTTP
   * side's to change). Any live worker of the type counts, not only the one that declared it:
   * after a restart the declaration still names the worker that made it first.
   */
  async runningDeclaredType(declaration: JobTypeDeclaration): Promise<string | undefined> {
    const [text, typeWorkers, live] = await this.withLiveWorkers<string | null>((pipeline) =>
      pipeline.hget(this.keys.types, declaration.job_type),
    );
    const stored = text ? parseRegistered(text) : undefined;
    if (!stored || stored.declared_by === HTTP_DECLARER) return undefined;
    if (stored.version === declarationVersion(declaration)) return undefined;
    return live.find((workerId) => {
      const entry = parseEntry(typeWorkers[workerId]);
      return !entry.overHttp && entry.names.includes(declaration.job_type);
    });
  }

  /**
   * What `read` queues (a read of the declarations), with every `type_workers` entry and the ids
   * of the live workers (a heartbeat within WORKER_STALE_MS), in one round trip.
   */
  private async withLiveWorkers<T>(
    read: (pipeline: ReturnType<RedisClient['pipeline']>) => void,
  ): Promise<[T, Record<string, string>, string[]]> {
    const pipeline = this.redis.pipeline();
    read(pipeline);
    pipeline.hgetall(this.keys.typeWorkers);
    pipeline.zrangebyscore(this.keys.workers, Date.now() - WORKER_STALE_MS, '+inf');
    return (await execPipeline(pipeline)) as [T, Record<string, string>, string[]];
  }

  /** A worker that stops no longer counts as running its types. */
  async leave(workerId: string): Promise<void> {
    await this.redis.hdel(this.keys.typeWorkers, workerId);
  }

  /** Every registered type, by name, with how many live workers run it. */
  async list(): Promise<ListedJobType[]> {
    const [types, typeWorkers, live] = await this.withLiveWorkers<Record<string, string>>(
      (pipeline) => pipeline.hgetall(this.keys.types),
    );
    const counts = new Map<string, number>();
    for (const workerId of live) {
      for (const name of parseEntry(typeWorkers[workerId]).names) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    }
    // Workers over HTTP never say goodbye: the entries of workers gone quiet are dropped here (a
    // Node worker that comes back writes its entry again with its next heartbeat).
    const liveIds = new Set(live);
    const gone = Object.keys(typeWorkers).filter((workerId) => !liveIds.has(workerId));
    if (gone.length > 0) await this.redis.hdel(this.keys.typeWorkers, ...gone);
    return parseDeclarations(types).map((type) => ({
      ...type,
      workers: counts.get(type.job_type) ?? 0,
    }));
  }

  /** Every registered declaration, by name: what submissions are checked against. */
  async declarations(): Promise<RegisteredJobType[]> {
    return parseDeclarations(await this.redis.hgetall(this.keys.types));
  }

  /** The declarations of these names only; a name never declared is left out. */
  async declarationsOf(names: string[]): Promise<RegisteredJobType[]> {
    const texts = await this.redis.hmget(this.keys.types, ...names);
    return texts.flatMap((text) => (text ? (parseRegistered(text) ?? []) : []));
  }

  private registered(declaration: JobTypeDeclaration, version: string, declaredBy: string): string {
    const registered: RegisteredJobType = {
      ...declaration,
      version,
      declared_at: new Date().toISOString(),
      declared_by: declaredBy,
    };
    return JSON.stringify(registered);
  }
}

/** A stored declaration, or undefined for an entry that is not one (written by hand, say). */
function parseRegistered(text: string): RegisteredJobType | undefined {
  try {
    const registered = JSON.parse(text) as RegisteredJobType;
    return typeof registered?.job_type === 'string' && typeof registered.payload_schema === 'object'
      ? registered
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A `type_workers` entry: a Node worker's is the JSON list of the types it runs; a worker over
 * HTTP's says so (httpWorkerEntry), so that only Node workers hold their types' declarations.
 */
function parseEntry(text: string | undefined): { names: string[]; overHttp: boolean } {
  try {
    const entry: unknown = text ? JSON.parse(text) : [];
    const overHttp = typeof entry === 'object' && entry !== null && !Array.isArray(entry);
    const names: unknown = overHttp ? (entry as { types?: unknown }).types : entry;
    return {
      names: Array.isArray(names) ? names.filter((name) => typeof name === 'string') : [],
      overHttp,
    };
  } catch {
    return { names: [], overHttp: false };
  }
}

/** The `type_workers` entry of a worker over HTTP: the types it claims. */
export function httpWorkerEntry(jobTypes: string[]): string {
  return JSON.stringify({ types: jobTypes, over: 'http' });
}

function parseDeclarations(types: Record<string, string>): RegisteredJobType[] {
  return Object.values(types)
    .flatMap((text) => parseRegistered(text) ?? [])
    .sort((a, b) => a.job_type.localeCompare(b.job_type));
}
