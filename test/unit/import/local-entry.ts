/** A Docker local-driver entry encoded as moby's makeMarshaller does (daemon/logger/local/local.go). */
function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
export const field = (tag: number, body: Buffer) =>
  Buffer.concat([Buffer.from([tag, ...varint(BigInt(body.length))]), body]);

export interface E {
  source: string;
  nanos: bigint;
  line: Buffer;
  partial?: { last: boolean; id: string; ordinal: number };
}

/** One entry as moby's local driver writes it (gogo protobuf field order). */
export function localEntry(e: E): Buffer {
  const parts = [field(0x0a, Buffer.from(e.source)), Buffer.from([0x10, ...varint(e.nanos)])];
  if (e.line.length > 0) parts.push(field(0x1a, e.line));
  if (e.partial) {
    parts.push(Buffer.from([0x20, 1]));
    const md = [
      ...(e.partial.last ? [Buffer.from([0x08, 1])] : []),
      field(0x12, Buffer.from(e.partial.id)),
      Buffer.from([0x18, ...varint(BigInt(e.partial.ordinal))]),
    ];
    parts.push(field(0x2a, Buffer.concat(md)));
  }
  const proto = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(proto.length);
  return Buffer.concat([size, proto, size]);
}
