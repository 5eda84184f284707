/** Config keys shared by the stack program, automation/ and plain `pulumi up` (no heavy imports here). */

/**
 * The resource names of the database's connection name (stacks/dns.ts ConnectionName): its private
 * zone and its record are the database's concern (the report's database phase), not production DNS.
 */
export const CONNECTION_NAME_RESOURCES = { zone: "connection-zone", record: "connection-record" } as const;

/** Config namespace. */
export const CONFIG_NAMESPACE = "dr-failover";
/** `dr-failover:stackArgs`: the resolved DrStackArgs (JSON). */
export const ARGS_KEY = "stackArgs";
/** `dr-failover:databasePassword`: secret. */
export const PASSWORD_KEY = "databasePassword";
/** `dr-failover:previousProductionRecord`: the production record's value before a failover switched it (JSON); destroy restores it. */
/**
 * `dr-failover:incident`: `{ "start": ISO, "runId": … }`, the incident start a failover's first run
 * measured from; a re-run of an interrupted failover continues that clock.
 */
export const INCIDENT_KEY = `${CONFIG_NAMESPACE}:incident`;
export const PREVIOUS_RECORD_KEY = `${CONFIG_NAMESPACE}:previousProductionRecord`;
/**
 * `dr-failover:failback` (on the failover stack): a failback's progress and names (JSON): the final
 * snapshot, its copy, the restored instance, the write freeze's start, the DR database's last counts;
 * a re-run continues it, and `completedAt` says the outage's writes are home.
 */
export const FAILBACK_KEY = `${CONFIG_NAMESPACE}:failback`;
/** `dr-failover:failbackArgs` (on a failback stack): the resolved FailbackStackArgs (JSON). */
export const FAILBACK_ARGS_KEY = "failbackArgs";
