/**
 * The reference runbook's region-failure procedure in its written order
 * (/work/shared/reference/backup-restore-runbook.ja.md): restore the database
 * and wait, then the secret, then cluster, load balancer, target group,
 * listener(s), task definition and service — each step only once the previous
 * one is done — then the DNS switch (which the failover journey does after the
 * update). The same DR program, the same engine, emulator and timing model:
 * only an explicit dependsOn chain is added, by a stack transformation.
 */
import * as pulumi from "@pulumi/pulumi";
import { drProgram } from "../../stacks/index.js";

/** Resource types per runbook step, in the written order. Roles, policies and the bucket binding stay free. */
export const RUNBOOK_STEPS: readonly (readonly string[])[] = [
  ["aws:rds/instance:Instance"],
  ["aws:secretsmanager/secret:Secret"],
  ["aws:secretsmanager/secretVersion:SecretVersion"],
  ["aws:ecs/cluster:Cluster"],
  ["aws:lb/loadBalancer:LoadBalancer"],
  ["aws:lb/targetGroup:TargetGroup"],
  ["aws:lb/listener:Listener"],
  ["aws:ecs/taskDefinition:TaskDefinition"],
  ["aws:ecs/service:Service"],
];

/** The DR program with every runbook step depending on all resources of the step before it. */
export async function runbookOrderProgram(): Promise<Record<string, unknown>> {
  const steps: pulumi.Resource[][] = RUNBOOK_STEPS.map(() => []);
  let declared!: () => void;
  // Every resource is constructed synchronously by the program: once it returned, each step's list is complete.
  const allDeclared = new Promise<void>((resolve) => {
    declared = resolve;
  });
  pulumi.runtime.registerStackTransformation((args) => {
    const step = RUNBOOK_STEPS.findIndex((types) => types.includes(args.type));
    if (step < 0) return undefined;
    steps[step].push(args.resource);
    if (step === 0) return undefined;
    const previous = allDeclared.then(
      () => [...steps.slice(0, step)].reverse().find((resources) => resources.length > 0) ?? [],
    );
    const own = args.opts.dependsOn;
    const dependsOn = Promise.all([previous, own]).then(async ([before, mine]) => {
      const resolved = await mine;
      return [...before, ...(resolved === undefined ? [] : Array.isArray(resolved) ? resolved : [resolved])];
    });
    return { props: args.props, opts: { ...args.opts, dependsOn: dependsOn as pulumi.Input<pulumi.Resource[]> } };
  });
  const outputs = await drProgram();
  declared();
  return outputs as Record<string, unknown>;
}
