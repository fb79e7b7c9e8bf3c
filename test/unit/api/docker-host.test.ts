/** LOGHARBOR_DOCKER_HOST (issue 18, item 3): a unix socket path, `unix:///path`, or off. */
import { describe, expect, it } from 'vitest';
import { loadConfig, parseDockerHost } from '../../../core/config.js';

describe('LOGHARBOR_DOCKER_HOST', () => {
  it('takes a path or unix:///path; off or empty turn it off; nothing else', () => {
    expect(parseDockerHost('/var/run/docker.sock')).toBe('/var/run/docker.sock');
    expect(parseDockerHost('unix:///tmp/d.sock')).toBe('/tmp/d.sock');
    expect(parseDockerHost('off')).toBeNull();
    expect(parseDockerHost('')).toBeNull();
    expect(() => parseDockerHost('tcp://127.0.0.1:2375')).toThrow(/LOGHARBOR_DOCKER_HOST/);
    expect(() => parseDockerHost('docker.sock')).toThrow(/absolute/);
  });

  it("defaults to Docker's own socket", () => {
    expect(loadConfig({}).dockerSocket).toBe('/var/run/docker.sock');
    expect(loadConfig({ LOGHARBOR_DOCKER_HOST: 'off' }).dockerSocket).toBeNull();
  });
});
