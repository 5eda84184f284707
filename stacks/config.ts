/** Config keys shared by the stack program, automation/ and plain `pulumi up` (no heavy imports here). */

/** Config namespace. */
export const CONFIG_NAMESPACE = "dr-failover";
/** `dr-failover:stackArgs`: the resolved DrStackArgs (JSON). */
export const ARGS_KEY = "stackArgs";
/** `dr-failover:databasePassword`: secret. */
export const PASSWORD_KEY = "databasePassword";
/** `dr-failover:previousProductionRecord`: the production record's value before a failover switched it (JSON); destroy restores it. */
export const PREVIOUS_RECORD_KEY = `${CONFIG_NAMESPACE}:previousProductionRecord`;
