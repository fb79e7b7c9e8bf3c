/**
 * What the sources call to report what they see on the wire: the only coupling between
 * them and the driver doctor. Types only, so a source depends on this small contract and
 * not on the aggregator (which knows both protocols).
 */
import type { WireMode } from '../forward/framer.js';
import type { ForwardRequest } from '../forward/types.js';
import type { SyslogMessage } from '../syslog/message.js';

export interface WireObserver {
  /** One decoded forward request (not heartbeats or handshakes) and the frame it came in. */
  observeForward(frame: Buffer, req: ForwardRequest, mode: WireMode, listener: string): void;
  /** One parsed syslog message and the frame (datagram) it came in. */
  observeSyslog(frame: Uint8Array, m: SyslogMessage, listener: string): void;
}
