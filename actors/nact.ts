/**
 * Our one typed doorway to nact. nact is small and no longer developed: everything else imports
 * this module, never 'nact', so it could be replaced. Its own types miss `ctx.persist`,
 * `ctx.recovering` and `ctx.sender`; they are declared here.
 */
import { createRequire } from 'node:module';
import * as nact from 'nact';
import type { RecoveredMessage, StorePersistenceEngine } from '../src/store/nact-persistence.js';

/** An opaque reference to an actor that accepts `Msg`. */
export type ActorRef<Msg> = nact.Ref<Msg>;
export type SystemRef = nact.Ref<never>;

/** Supervision decisions, as nact's symbols. */
export type Decision = symbol;

export interface ActorContext<Msg> {
  self: ActorRef<Msg>;
  parent: ActorRef<unknown>;
  name: string;
  /** Who sent the message: a query's temporary reply reference, or an actor, or nobody. */
  sender: ActorRef<unknown> | undefined;
  children: Map<string, ActorRef<unknown>>;
}

export interface PersistentContext<Msg> extends ActorContext<Msg> {
  /** True while nact replays stored events: rebuild state only, perform no effect. */
  recovering: boolean;
  persist(message: unknown): Promise<void>;
}

export interface SupervisionContext {
  /** Undefined once the actor was stopped (nact drops a stopped actor's parent). */
  parent: ActorRef<unknown> | undefined;
  stop: Decision;
  stopAll: Decision;
  stopChild: Decision;
  stopAllChildren: Decision;
  escalate: Decision;
  resume: Decision;
  reset: Decision;
  resetAll: Decision;
  resetChild: Decision;
  resetAllChildren: Decision;
  name: string;
}

/**
 * Decides what happens when an actor's handler throws. Every actor gets an explicit policy;
 * nact's default prints and stops. A parent must never answer `resume` to an escalated child
 * (the child then hangs): use `resetChild` or `stopChild`.
 */
export type CrashPolicy = (message: unknown, error: unknown, ctx: SupervisionContext, child?: ActorRef<unknown>) => Decision;

export interface ActorOptions<State> {
  initialState: State;
  onCrash: CrashPolicy;
  afterStop?: (state: State) => void | Promise<void>;
}

export interface PersistentActorOptions<State> extends ActorOptions<State> {
  /**
   * The actor never spawns children. nact gives every actor two maps of children (~600 bytes
   * of heap with their tables); a node of 10,000 job actors held 6 MiB of empty maps. A
   * childless actor shares one empty map that refuses children instead.
   */
  childless?: boolean;
  /** Snapshot after this many persisted messages; snapshots are also taken by the actor itself. */
  snapshotEvery?: number;
  snapshotEncoder?: (state: State) => unknown;
  snapshotDecoder?: (data: unknown) => State;
}

export type Handler<State, Msg> = (state: State, message: Msg, ctx: ActorContext<Msg>) => State | Promise<State>;

/**
 * A persistent handler receives live messages (`recovering` false) and, during recovery,
 * the stored events of its stream (`recovering` true).
 */
export type PersistentHandler<State, Msg> = (
  state: State,
  message: Msg | RecoveredMessage,
  ctx: PersistentContext<Msg>,
) => State | Promise<State>;

/**
 * An actor stopped while its handler was still awaiting (a job actor whose append fails after
 * this node stopped leading) has no parent left: nact would escalate to `undefined` and crash
 * the process. Such a failure only ends the already stopped actor.
 */
function guarded<State>(options: ActorOptions<State>): ActorOptions<State> {
  const policy = options.onCrash;
  return { ...options, onCrash: (message, error, ctx, child) => (ctx.parent === undefined ? ctx.stop : policy(message, error, ctx, child)) };
}

export function startSystem(name: string, engine?: StorePersistenceEngine): SystemRef {
  const extensions: unknown[] = [{ name }];
  if (engine) extensions.push(nact.configurePersistence(engine as never));
  return (nact.start as (...args: unknown[]) => SystemRef)(...extensions);
}

export function spawnActor<State, Msg>(
  parent: ActorRef<unknown> | SystemRef,
  handler: Handler<State, Msg>,
  name: string,
  options: ActorOptions<State>,
): ActorRef<Msg> {
  const f = (state: State, message: Msg, ctx: unknown) => handler(state, message, ctx as ActorContext<Msg>);
  return nact.spawn(parent as never, f as never, name, guarded(options) as never) as ActorRef<Msg>;
}

export function spawnPersistentActor<State, Msg>(
  parent: ActorRef<unknown> | SystemRef,
  handler: PersistentHandler<State, Msg>,
  key: string,
  name: string,
  options: PersistentActorOptions<State>,
): ActorRef<Msg> {
  const f = (state: State, message: Msg | RecoveredMessage, ctx: unknown) => {
    const context = ctx as PersistentContext<Msg>;
    // nact only sets `recovering` during replay; make it an explicit false for live messages.
    // nact builds a fresh context per message, so it is ours to complete (a copy cost as much
    // as the decision on the tick path).
    context.recovering = context.recovering === true;
    return handler(state, message, context);
  };
  const { childless, ...properties } = options;
  const ref = nact.spawnPersistent(parent as never, f as never, key, name, guarded(properties) as never) as ActorRef<Msg>;
  if (childless) shareNoChildren(ref);
  return ref;
}

/** Refuses children: shared by every childless actor, so it must stay empty. */
class NoChildren<K, V> extends Map<K, V> {
  override set(): this {
    throw new Error('this actor was spawned childless: it cannot have children');
  }
}
const NO_CHILDREN = new NoChildren<string, unknown>();

/** nact's actor object behind a reference (nact 7 keeps it in `lib/system-map`). */
interface ActorInternals {
  children?: Map<string, unknown>;
  childReferences?: Map<string, unknown>;
  mailbox?: { length: number };
}
interface SystemMap {
  find(systemName: string, ref: unknown): ActorInternals | undefined;
}
const systemMap = createRequire(import.meta.url)('nact/lib/system-map') as SystemMap;

const internalsOf = (ref: ActorRef<unknown>): ActorInternals | undefined =>
  systemMap.find((ref as unknown as { system: { name: string } }).system.name, ref);

/**
 * How many messages wait in the mailbox of `ref` (not counting the one being handled); 0 for
 * an actor that is gone. An actor about to stop itself asks, so that nothing is left behind.
 */
export function waitingMessages(ref: ActorRef<unknown>): number {
  return internalsOf(ref)?.mailbox?.length ?? 0;
}

function shareNoChildren(ref: ActorRef<unknown>): void {
  const actor = internalsOf(ref);
  // Only a fresh actor's own, still empty maps are replaced (nact's lookups walk parents' maps).
  if (actor?.children?.size === 0 && actor.childReferences?.size === 0) {
    actor.children = NO_CHILDREN;
    actor.childReferences = NO_CHILDREN;
  }
}

export function dispatch<Msg>(ref: ActorRef<Msg> | undefined, message: Msg, sender?: ActorRef<unknown>): void {
  if (ref) (nact.dispatch as (...args: unknown[]) => void)(ref, message, sender);
}

/**
 * Sends `message(replyTo)` and waits for the reply. Handlers answer with `reply(ctx, value)`.
 * Rejects with nact's "Query Timeout" after `timeoutMs`.
 */
export function query<Msg, Reply>(ref: ActorRef<Msg>, message: Msg, timeoutMs: number): Promise<Reply> {
  return nact.query(ref as never, message as never, timeoutMs) as Promise<Reply>;
}

/** Answers the query being handled (no-op for messages that were not queries). */
export function reply<T>(ctx: ActorContext<unknown>, value: T): void {
  if (ctx.sender) nact.dispatch(ctx.sender as never, value as never);
}

export function stopActor(ref: ActorRef<unknown> | SystemRef): void {
  nact.stop(ref as never);
}
