/**
 * An operation's resource name, `operations/{id}`: what users see, and so what every log line about an
 * operation carries (API.md, "Logs"). Here, below the services, so that the runtime's lines use it too.
 */
export function operationName(id: string): string {
  return `operations/${id}`;
}
