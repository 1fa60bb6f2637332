/**
 * google-gax OperationsClients on the REST fallback transport (`fallback: true`, `protocol: 'http'`),
 * the way a generated client builds one: `fallback.lro({ auth, protoJson, httpRules })`.
 * - "bundled": google-gax's own operations.json rules, so GetOperation is `/v1/operations/{name}` and the
 *   client sends `/v1/operations/operations%2F<id>`;
 * - "ours": the same, with the rules of our protos passed as `httpRules` (`/v1/{name=operations/**}`).
 * Both protoJson roots also get our message types: a proto3 JSON client can only decode an Any whose
 * @type it knows (here lro.v1.OperationMetadata and google.protobuf.Struct).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fallback, type OperationsClient } from 'google-gax';
import protobuf from 'protobufjs';
import { protos } from '../../src/proto/protos.js';
import { httpRuleOf } from '../../src/transport/http/http-rules.js';

const require = createRequire(import.meta.url);

function bundledOperationsJson(): protobuf.INamespace {
  const file = join(dirname(require.resolve('google-gax')), '..', 'protos', 'operations.json');
  return JSON.parse(readFileSync(file, 'utf8')) as protobuf.INamespace;
}

/** Adds to `target` every namespace member of `source` that it lacks (recursing into shared namespaces). */
function addMissing(target: protobuf.Namespace, source: protobuf.Namespace): void {
  for (const child of source.nestedArray) {
    const existing = target.get(child.name);
    if (!existing) target.addJSON({ [child.name]: child.toJSON() as protobuf.AnyNestedObject });
    else if (existing instanceof protobuf.Namespace && !(existing instanceof protobuf.Type) && child instanceof protobuf.Namespace) {
      addMissing(existing, child);
    }
  }
}

function protoJson(): protobuf.Root {
  const root = protobuf.Root.fromJSON(bundledOperationsJson());
  addMissing(root, protos().root);
  root.resolveAll();
  return root;
}

/** Our protos' rules for google.longrunning.Operations, in the HttpRule shape `httpRules` takes. */
export function ourHttpRules(): Array<Record<string, unknown>> {
  return protos()
    .service('google.longrunning.Operations')
    .methodsArray.flatMap((m) => {
      const rule = httpRuleOf(m);
      return rule ? [{ selector: `google.longrunning.Operations.${m.name}`, ...rule }] : [];
    });
}

/** No credentials. Plain fetch, unlike gaxios, does not throw on a non-2xx: gax then decodes our envelope. */
export function fetchAuth(urls: string[]): { getRequestHeaders(): Promise<Headers>; fetch(url: string, init: RequestInit): Promise<Response> } {
  return {
    getRequestHeaders: async () => new Headers(),
    fetch: (url: string, init: RequestInit) => {
      urls.push(url);
      return fetch(url, init);
    },
  };
}

export function restOperationsClient(
  baseUrl: string,
  rules: 'bundled' | 'ours',
  auth: object,
): OperationsClient {
  const { hostname, port } = new URL(baseUrl);
  const builder = fallback.lro({
    auth,
    protoJson: protoJson(),
    ...(rules === 'ours' ? { httpRules: ourHttpRules() } : {}),
  } as never);
  return builder.operationsClient({ servicePath: hostname, port: Number(port), protocol: 'http' } as never);
}
