import type { Clients } from "./config.js";
import type { Props } from "./wire.js";

export interface PropSpec {
  /** A change forces replacement (ForceNew in the real provider). */
  replace?: boolean;
  /** Optional+computed: absent in the new inputs means "keep", not "remove". */
  computed?: boolean;
  /** Compared as a set (order-insensitive). */
  set?: boolean;
  /** A single nested block's Optional+Computed fields: absent in the new block means "keep". */
  computedFields?: string[];
  /**
   * Upstream's ValidateFunc (and Required of a nested block field): the reason(s) a
   * given value is refused at Check, before anything is created (one per failing
   * validator, as upstream reports them); undefined or [] when valid.
   */
  validate?: (value: unknown) => string | string[] | undefined;
  /**
   * Read refreshes it from AWS, and upstream's create and update end with Read:
   * their outputs carry the live value (absent when AWS reports none), never
   * the input. A partial create still records the inputs, as the bridge does.
   */
  live?: boolean;
}

export interface HandlerContext {
  clients: Clients;
  urn: string;
  /** The resource type token. */
  token: string;
  /**
   * Called by a create as soon as AWS has the resource: a later failure in the
   * same create (a wait, a read-back) then reports it as created but not
   * initialised, so the engine records it instead of creating it again.
   */
  created(id: string, outs?: Props): void;
  /**
   * The modeled latency of this create (timing-model.ts; 0 when latencies are
   * off), for a handler that sits it inside its own first wait
   * (`latencyInsideCreate`) instead of after the whole create.
   */
  createLatencyMs: number;
}

/** A Check failure, as the engine shows it: the property and why. */
export interface CheckFailure {
  property: string;
  reason: string;
}

export interface ResourceHandler {
  token: string;
  /** Every input property (Pulumi camelCase names) the stand-in honours. */
  props: Record<string, PropSpec>;
  /** Inputs that must be present (unknown is fine during preview). */
  required?: string[];
  /** Simple autonaming: `<urn name>-<7 hex>` when the property is absent. */
  autoname?: { prop: string; maxLength?: number; lowercase?: boolean };
  /**
   * The bridge's part of Check for this type: fills the schema's defaults into
   * `inputs` in place (nested blocks too) and returns what its validators
   * reject. Values still unknown (preview) are skipped.
   */
  check?(inputs: Props): CheckFailure[];
  /** Any input change replaces (e.g. ECS task definitions). */
  replaceOnAnyChange?: boolean;
  /**
   * The create spends its modeled latency inside its first wait (ctx.createLatencyMs),
   * where upstream's create waits, instead of after everything it does.
   */
  latencyInsideCreate?: boolean;
  /**
   * Upstream's update modifies and waits only inside `d.HasChangesExcept(<these>)`:
   * an update that changes nothing else (e.g. the engine "continuing" a resource
   * with init errors, or a tags-only change) neither modifies nor waits, and has
   * no modeled latency. Undefined: every update waits.
   */
  updateWaitsExcept?: readonly string[];
  /** Creates and returns the id and computed outputs (merged with the inputs by the caller). */
  create(ctx: HandlerContext, inputs: Props): Promise<{ id: string; outs: Props }>;
  /** Live state to merge over the stored state, or undefined when the resource is gone. */
  read(ctx: HandlerContext, id: string, state: Props): Promise<Props | undefined>;
  /** In-place update; returns computed outputs. Absent: every change replaces. */
  update?(ctx: HandlerContext, id: string, olds: Props, news: Props): Promise<Props>;
  delete(ctx: HandlerContext, id: string, state: Props): Promise<void>;
}

export interface InvokeHandler {
  token: string;
  invoke(clients: Clients, args: Props): Promise<Props>;
}
