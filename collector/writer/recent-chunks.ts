/**
 * Chunk ids committed lately, so a client resending a chunk (Docker's fluentd driver
 * does so in a loop when an ack races its timeout) is acked without a database trip.
 * Bounded: the oldest ids are forgotten first; the forward_chunks table still catches them.
 */
export class RecentChunks {
  private readonly ids = new Set<string>();

  constructor(private readonly max: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value!);
  }
}
