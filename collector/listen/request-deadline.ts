/**
 * The request deadline (issue 6, slowloris): once a request (a forward request, a syslog
 * frame) has begun, its last byte must arrive within `timeoutMs`. The idle timeout cannot
 * catch a sender that dribbles one byte at a time, since every byte resets it; this can.
 *
 * The protocol tells after each read what its framer holds:
 *
 *   afterRead(completed, midFrame)
 *     midFrame = false             nothing partial buffered: no deadline (idle timeout rules)
 *     midFrame, completed > 0      the partial bytes are a new request: its clock starts now
 *     midFrame, completed = 0      the same request goes on: its clock keeps running
 *
 * So a sender that completes requests steadily is never cut, however long it streams.
 * While the socket is paused (the writer's backpressure) the sender cannot finish, so the
 * clock stops, and a request gets a full `timeoutMs` again once reading resumes.
 *
 * One timer per connection, armed lazily: a read only records when the current request
 * began; the timer, when it fires, re-arms itself for the time left if the request is
 * younger than the timeout (no clearTimeout/setTimeout per read on a busy stream).
 */

export class RequestDeadline {
  /** When the unfinished request began (ms, by `now`); -1 when none is buffered. */
  private startedAt = -1;
  private timer: NodeJS.Timeout | null = null;
  private held = false;
  private stopped = false;

  /**
   * @param timeoutMs longest time from a request's first byte to its last
   * @param onExpire called once, when a request has not completed in time
   * @param now a monotonic clock in ms (injectable for tests)
   */
  constructor(
    readonly timeoutMs: number,
    private readonly onExpire: (ageMs: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be > 0');
  }

  /** After each read: requests `completed` in it, and whether a partial one is buffered now. */
  afterRead(completed: number, midFrame: boolean): void {
    if (this.stopped) return;
    if (!midFrame) {
      // A pending timer stays: when it fires it finds nothing begun and goes quiet.
      this.startedAt = -1;
      return;
    }
    if (completed > 0 || this.startedAt < 0) this.startedAt = this.now();
    this.arm(this.timeoutMs);
  }

  /** Reading stopped (socket paused): the sender cannot finish, so the clock stops. */
  hold(): void {
    this.held = true;
    this.clear();
  }

  /** Reading resumed: an unfinished request gets a full timeout from now. */
  release(): void {
    if (!this.held || this.stopped) return;
    this.held = false;
    if (this.startedAt < 0) return;
    this.startedAt = this.now();
    this.arm(this.timeoutMs);
  }

  /** The connection is gone: never fire. */
  stop(): void {
    this.stopped = true;
    this.startedAt = -1;
    this.clear();
  }

  /** Whether a request is under way and being timed. */
  get running(): boolean {
    return this.startedAt >= 0 && !this.held && !this.stopped;
  }

  private arm(ms: number): void {
    if (this.timer !== null || this.held) return;
    this.timer = setTimeout(this.check, ms);
    // A connection's own timer never keeps the process alive.
    this.timer.unref();
  }

  private clear(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly check = (): void => {
    this.timer = null;
    if (this.startedAt < 0 || this.held || this.stopped) return;
    const age = this.now() - this.startedAt;
    if (age < this.timeoutMs) return this.arm(this.timeoutMs - age);
    this.stop();
    this.onExpire(age);
  };
}
