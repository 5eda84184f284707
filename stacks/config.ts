/** Config keys shared by the stack program, automation/ and plain `pulumi up` (no heavy imports here). */

/** Config namespace. */
export const CONFIG_NAMESPACE = "dr-failover";
/** `dr-failover:stackArgs`: the resolved DrStackArgs (JSON). */
export const ARGS_KEY = "stackArgs";
/** `dr-failover:databasePassword`: secret. */
export const PASSWORD_KEY = "databasePassword";
