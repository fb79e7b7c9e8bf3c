/**
 * Datagrams the kernel dropped because a UDP socket's receive buffer was full: Node
 * cannot see those, but Linux counts them per socket in the last column ("drops") of
 * /proc/net/udp and /proc/net/udp6. Read by local port; 0 where /proc is not there.
 */
import { readFileSync } from 'node:fs';

export function kernelUdpDrops(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let total = 0;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 13 || !cols[1]!.endsWith(`:${hexPort}`)) continue;
      total += Number(cols[cols.length - 1]) || 0;
    }
  }
  return total;
}
