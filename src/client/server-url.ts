/** The server URL picks the transport: `http://`, `https://` → HTTP/JSON; `grpc://`, `grpcs://` (TLS) → gRPC. */
import { Code } from '../errors/code.js';
import { LroError } from './lro-error.js';

export interface ServerAddress {
  /** The URL as given, without a trailing slash: used in messages. */
  url: string;
  transport: 'http' | 'grpc';
  tls: boolean;
  /** A hostname, an IPv4 address, or an IPv6 address in brackets. */
  host: string;
  port: number;
}

const SCHEMES: Record<string, { transport: 'http' | 'grpc'; tls: boolean; port: number }> = {
  'http:': { transport: 'http', tls: false, port: 80 },
  'https:': { transport: 'http', tls: true, port: 443 },
  'grpc:': { transport: 'grpc', tls: false, port: 50051 },
  'grpcs:': { transport: 'grpc', tls: true, port: 443 },
};

function invalid(text: string, why: string): LroError {
  return new LroError(Code.INVALID_ARGUMENT, `server ${JSON.stringify(text)} ${why}`, { reason: 'INVALID_SERVER_URL', metadata: { server: text } });
}

export function parseServerUrl(text: string): ServerAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(text, 'is not a URL; use e.g. http://127.0.0.1:8080 or grpc://127.0.0.1:50051');
  }
  const scheme = SCHEMES[url.protocol];
  if (!scheme) throw invalid(text, `has the unknown scheme ${url.protocol}; use http://, https://, grpc:// or grpcs://`);
  if (!url.hostname) throw invalid(text, 'has no host');
  if (url.pathname !== '/' && url.pathname !== '') throw invalid(text, `has a path (${url.pathname}); give only scheme, host and port`);
  if (url.search || url.hash || url.username || url.password) throw invalid(text, 'must not carry a query, fragment or credentials');
  // URL drops a scheme's default port, but only http(s) have one: `grpc://h:50051` keeps it.
  const port = url.port ? Number(url.port) : scheme.port;
  return { url: `${url.protocol}//${url.host}`, transport: scheme.transport, tls: scheme.tls, host: url.hostname, port };
}
