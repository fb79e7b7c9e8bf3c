/**
 * A syslog TCP sender (RFC 6587 newline framing, RFC 5424 lines) that keeps writing
 * numbered lines at a steady pace, honours TCP backpressure (waits for 'drain'), and
 * reconnects if the connection drops. Syslog has no acks: it counts what it wrote.
 */
import net from 'node:net';

export class SyslogTcpSender {
  sent = 0;
  private socket: net.Socket | null = null;
  private stopped = false;
  private blocked = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly port: () => number,
    private readonly tag: string,
    private readonly linesPerTick = 10,
  ) {}

  start(): void {
    this.connect();
    this.timer = setInterval(() => this.tick(), 20);
  }

  /** Stops writing and closes after the kernel took everything written. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const s = this.socket;
    if (s && !s.destroyed) await new Promise<void>((r) => s.end(r));
  }

  private connect(): void {
    if (this.stopped) return;
    const s = net.connect(this.port(), '127.0.0.1');
    s.on('error', () => undefined);
    s.on('close', () => {
      if (this.socket === s) this.socket = null;
      this.blocked = false;
      if (!this.stopped) setTimeout(() => this.connect(), 200);
    });
    s.on('drain', () => (this.blocked = false));
    this.socket = s;
  }

  private tick(): void {
    const s = this.socket;
    if (!s || s.connecting || s.destroyed || this.blocked) return;
    let text = '';
    for (let i = 0; i < this.linesPerTick; i++) {
      text += `<14>1 2026-11-28T06:00:00Z h ${this.tag} - - - ${this.tag} ${this.sent++}\n`;
    }
    if (!s.write(text)) this.blocked = true;
  }
}
