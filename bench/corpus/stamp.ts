/**
 * A line's own time as each program prints it (the corpus lines carry their times, as
 * real container output does, beside the time Docker records).
 */
const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');

export class Stamp {
  /** 2025-12-07T12:00:00.123Z */
  readonly iso: string;

  constructor(readonly ms: number) {
    this.iso = new Date(ms).toISOString();
  }

  private get month(): string {
    return MONTHS[Number(this.iso.slice(5, 7)) - 1]!;
  }

  /** nginx $time_local: 07/Dec/2025:12:00:00 +0000 */
  get nginx(): string {
    const i = this.iso;
    return `${i.slice(8, 10)}/${this.month}/${i.slice(0, 4)}:${i.slice(11, 19)} +0000`;
  }

  /** nginx error log: 2025/12/07 12:00:00 */
  get nginxError(): string {
    return `${this.iso.slice(0, 10).replaceAll('-', '/')} ${this.iso.slice(11, 19)}`;
  }

  /** PostgreSQL log_line_prefix '%m [%p] ': 2025-12-07 12:00:00.123 UTC */
  get postgres(): string {
    return `${this.iso.slice(0, 10)} ${this.iso.slice(11, 23)} UTC`;
  }

  /** Spring Boot / logback: 2025-12-07 12:00:00.123 */
  get java(): string {
    return `${this.iso.slice(0, 10)} ${this.iso.slice(11, 23)}`;
  }

  /** redis: 07 Dec 2025 12:00:00.123 */
  get redis(): string {
    return `${this.iso.slice(8, 10)} ${this.month} ${this.iso.slice(0, 4)} ${this.iso.slice(11, 23)}`;
  }
}
