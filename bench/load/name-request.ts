/** A google.longrunning.GetOperationRequest `{ name }` in protobuf bytes (field 1, length-delimited). */
export function nameRequest(name: string): Uint8Array {
  const bytes = Buffer.from(name, 'utf8');
  const len: number[] = [];
  for (let n = bytes.length; ; n >>>= 7) {
    if (n < 0x80) {
      len.push(n);
      break;
    }
    len.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x0a, ...len]), bytes]);
}
