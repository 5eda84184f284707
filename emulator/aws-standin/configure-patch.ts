/**
 * `@pulumi/pulumi/provider`'s gRPC server ignores ConfigureRequest and leaves
 * CheckConfig/DiffConfig unimplemented. This patch wraps
 * `grpc.Server.prototype.addService` of the @grpc/grpc-js instance that
 * @pulumi/pulumi itself loads, so that the ResourceProvider service gets a
 * `configure` that hands the provider config to the stand-in, a `checkConfig`
 * that accepts the new inputs as they are, and a `diffConfig` that reports a
 * change when the region or the endpoints change. Create and Update run with
 * the engine's deadline (customTimeouts) in scope.
 */
import { createRequire } from "node:module";
import { buildConfig, type StandinConfig } from "./config.js";
import { debug, operationDeadline } from "./wire.js";

type Callback = (error: unknown, value?: unknown) => void;
// biome-ignore lint/suspicious/noExplicitAny: a generated gRPC message class the plugin SDK does not type
type Call = { request: any };

function pulumiRequire(): NodeRequire {
  const require = createRequire(import.meta.url);
  return createRequire(require.resolve("@pulumi/pulumi/package.json"));
}

function mapToObject(
  map: { forEach?: (fn: (value: string, key: string) => void) => void } | undefined,
): Record<string, string> {
  const result: Record<string, string> = {};
  map?.forEach?.((value, key) => {
    result[key] = value;
  });
  return result;
}

/** The config a ConfigureRequest carries (variables and/or args). */
// biome-ignore lint/suspicious/noExplicitAny: a generated gRPC message class the plugin SDK does not type
export function configFromRequest(request: any): StandinConfig {
  const variables = mapToObject(request.getVariablesMap?.());
  const args = request.getArgs?.()?.toJavaScript?.() ?? {};
  return buildConfig(variables, args);
}

function configKey(props: Record<string, unknown>): string {
  const config = buildConfig({}, props, {});
  return JSON.stringify({ region: config.region, endpoints: config.endpoints });
}

let installed = false;

export function installConfigurePatch(onConfigure: (config: StandinConfig) => void): void {
  if (installed) return;
  installed = true;
  const req = pulumiRequire();
  const grpc = req("@grpc/grpc-js");
  const provproto = req("./proto/provider_pb");
  const provrpc = req("./proto/provider_grpc_pb");
  const originalAddService = grpc.Server.prototype.addService;

  grpc.Server.prototype.addService = function addService(service: unknown, implementation: Record<string, unknown>) {
    if (service === provrpc.ResourceProviderService && implementation) {
      // The engine's customTimeouts arrive as request.timeout (seconds, 0 = none): the provider's waits honour them.
      for (const method of ["create", "update"] as const) {
        const original = implementation[method] as ((call: Call, callback: Callback) => unknown) | undefined;
        if (!original) continue;
        implementation[method] = (call: Call, callback: Callback) => {
          const seconds = Number(call.request.getTimeout?.() ?? 0);
          const limit = seconds > 0 ? { deadline: Date.now() + seconds * 1000, timeoutMs: seconds * 1000 } : undefined;
          return operationDeadline.run(limit, () => original.call(implementation, call, callback));
        };
      }
      implementation.configure = (call: Call, callback: Callback) => {
        try {
          onConfigure(configFromRequest(call.request));
          const response = new provproto.ConfigureResponse();
          response.setAcceptsecrets(true);
          // Let the engine turn resource references into ids/urns for us.
          response.setAcceptresources(false);
          response.setAcceptoutputs(false);
          response.setSupportspreview(false);
          callback(undefined, response);
        } catch (error) {
          callback(error);
        }
      };
      implementation.checkConfig = (call: Call, callback: Callback) => {
        try {
          const response = new provproto.CheckResponse();
          response.setInputs(call.request.getNews());
          callback(undefined, response);
        } catch (error) {
          callback(error);
        }
      };
      implementation.diffConfig = (call: Call, callback: Callback) => {
        try {
          const olds = call.request.getOlds()?.toJavaScript() ?? {};
          const news = call.request.getNews()?.toJavaScript() ?? {};
          const response = new provproto.DiffResponse();
          const changed: string[] = [];
          const oldConfig = JSON.parse(configKey(olds));
          const newConfig = JSON.parse(configKey(news));
          if (oldConfig.region !== newConfig.region) changed.push("region");
          if (JSON.stringify(oldConfig.endpoints) !== JSON.stringify(newConfig.endpoints)) changed.push("endpoints");
          response.setChanges(
            changed.length > 0
              ? provproto.DiffResponse.DiffChanges.DIFF_SOME
              : provproto.DiffResponse.DiffChanges.DIFF_NONE,
          );
          response.setDiffsList(changed);
          debug(`diffConfig: ${changed.join(",") || "no changes"}`);
          callback(undefined, response);
        } catch (error) {
          callback(error);
        }
      };
    }
    return originalAddService.call(this, service, implementation);
  };
}
