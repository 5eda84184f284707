import type { Clients } from "./config.js";
import type { Props } from "./wire.js";

export interface PropSpec {
  /** A change forces replacement (ForceNew in the real provider). */
  replace?: boolean;
  /** Optional+computed: absent in the new inputs means "keep", not "remove". */
  computed?: boolean;
  /** Compared as a set (order-insensitive). */
  set?: boolean;
  /**
   * Read refreshes it from AWS, and upstream's create and update end with Read:
   * their outputs carry the live value (absent when AWS reports none), never
   * the input. A partial create still records the inputs, as the bridge does.
   */
  live?: boolean;
}

/** A Check failure in the bridge's shape: the input and the upstream validator's message. */
export interface InputFailure {
  property: string;
  reason: string;
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
}

export interface ResourceHandler {
  token: string;
  /** Every input property (Pulumi camelCase names) the stand-in honours. */
  props: Record<string, PropSpec>;
  /** Inputs that must be present (unknown is fine during preview). */
  required?: string[];
  /** Simple autonaming: `<urn name>-<7 hex>` when the property is absent. */
  autoname?: { prop: string; maxLength?: number; lowercase?: boolean };
  /** Upstream's ValidateFunc checks on known input values, run in Check (before anything is created). */
  validate?(inputs: Props): InputFailure[];
  /** Any input change replaces (e.g. ECS task definitions). */
  replaceOnAnyChange?: boolean;
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
