/**
 * Lines as Docker's fluentd driver sends them, through npm `fluent-logger` (a client we
 * did not write), from a named container. `send` resolves once each line is acked (held
 * by the collector's spool); what the alert tests then wait for is the webhook.
 */
import { randomBytes } from 'node:crypto';
import { createFluentSender, type Sender } from '../../support/fluent-logger.js';

export class Container {
  private readonly sender: Sender;
  private readonly id = randomBytes(32).toString('hex');

  constructor(
    port: number,
    readonly name: string,
  ) {
    this.sender = createFluentSender('docker', {
      host: '127.0.0.1',
      port,
      timeout: 5,
      reconnectInterval: 200,
      requireAckResponse: true,
      ackResponseTimeout: 15_000,
    });
    this.sender.on('error', () => undefined);
  }

  send(lines: readonly string[]): Promise<void> {
    return Promise.all(
      lines.map(
        (log) =>
          new Promise<void>((resolve, reject) =>
            this.sender.emit(
              this.name,
              { log, container_id: this.id, container_name: `/${this.name}`, source: 'stdout' },
              (e) => (e ? reject(e) : resolve()),
            ),
          ),
      ),
    ).then(() => undefined);
  }

  close(): void {
    this.sender.end();
  }
}
