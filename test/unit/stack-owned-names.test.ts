/**
 * What counts as the stack's own under a name (automation/recovery.ts
 * namesHeldByStack): what its state records, and the pending creates a killed
 * run left, which may already exist in AWS. Preflight refuses every other
 * resource of a name the stack would create.
 */
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { describe, expect, it } from "vitest";
import { ownedKey } from "../../automation/preflight.js";
import { namesHeldByStack } from "../../automation/recovery.js";
import { RESOURCE_TYPES } from "../../automation/vocabulary.js";

const stackWith = (deployment: unknown) =>
  ({ exportStack: async () => ({ version: 3, deployment }) }) as unknown as Stack;

describe("namesHeldByStack", () => {
  it("holds the named resources of the state and the pending creates of a killed run, nothing else", async () => {
    const held = await namesHeldByStack(
      stackWith({
        resources: [
          { urn: "u1", type: RESOURCE_TYPES.ecsCluster, outputs: { name: "peoplebooster-production" } },
          { urn: "u2", type: RESOURCE_TYPES.iamRole, inputs: { name: "peoplebooster-backend-exec-dr-ap-northeast-3" } },
          { urn: "u3", type: "pulumi:pulumi:Stack", outputs: {} },
        ],
        pending_operations: [
          {
            type: "creating",
            resource: { urn: "u4", type: RESOURCE_TYPES.loadBalancer, inputs: { name: "peoplebooster-dr" } },
          },
          { type: "deleting", resource: { urn: "u5", type: RESOURCE_TYPES.targetGroup, inputs: { name: "gone-tg" } } },
        ],
      }),
    );
    expect([...held].sort()).toEqual(
      [
        ownedKey(RESOURCE_TYPES.ecsCluster, "peoplebooster-production"),
        ownedKey(RESOURCE_TYPES.iamRole, "peoplebooster-backend-exec-dr-ap-northeast-3"),
        ownedKey(RESOURCE_TYPES.loadBalancer, "peoplebooster-dr"),
      ].sort(),
    );
  });

  it("holds nothing for an empty stack", async () => {
    expect((await namesHeldByStack(stackWith(undefined))).size).toBe(0);
  });
});
