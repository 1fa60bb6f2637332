/**
 * One gRPC unary call over plain HTTP/2, for what grpc-js's client cannot do: send a deadline
 * (`grpc-timeout`) without enforcing it itself. The answer is whatever the server sent, however late it
 * arrives, so a test can check what the server decided rather than how fast the machine was.
 */
import http2 from 'node:http2';
import { protos } from '../../src/proto/protos.js';

export interface RawGrpcAnswer<T> {
  /** grpc-status from the trailers (or the headers, for a trailers-only answer). */
  code: number;
  message: string;
  /** The decoded response message, when there was one. */
  response: T | undefined;
}

/**
 * Calls `/{service}/{method}` at `address` (host:port) with `request` (object form of `requestType`);
 * decodes the answer as `responseType`.
 */
export function rawUnary<T>(args: {
  address: string;
  path: string;
  requestType: string;
  responseType: string;
  request: Record<string, unknown>;
  headers?: Record<string, string>;
}): Promise<RawGrpcAnswer<T>> {
  const Req = protos().type(args.requestType);
  const Res = protos().type(args.responseType);
  const payload = Req.encode(Req.fromObject(args.request)).finish();
  const frame = Buffer.alloc(5 + payload.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(payload.length, 1);
  Buffer.from(payload).copy(frame, 5);

  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${args.address}`);
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST',
      ':path': args.path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...args.headers,
    });
    const chunks: Buffer[] = [];
    let status: { code: number; message: string } | undefined;
    const take = (h: http2.IncomingHttpHeaders) => {
      if (h['grpc-status'] !== undefined) {
        status = { code: Number(h['grpc-status']), message: decodeURIComponent(String(h['grpc-message'] ?? '')) };
      }
    };
    stream.on('response', take);
    stream.on('trailers', take);
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('close', () => {
      session.close();
      const body = Buffer.concat(chunks);
      const response = body.length >= 5 ? (Res.toObject(Res.decode(body.subarray(5, 5 + body.readUInt32BE(1))), { defaults: true }) as T) : undefined;
      if (!status) reject(new Error(`no grpc-status in the answer to ${args.path}`));
      else resolve({ ...status, response });
    });
    stream.end(frame);
  });
}
