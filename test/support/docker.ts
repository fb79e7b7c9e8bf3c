/**
 * The tests' door to a private Docker engine (dev/docker.ts, shared with the bench): when
 * no engine can run here, test/support/skip.ts decides, as for every real program, whether
 * the Docker tests skip with a warning or (LOGHARBOR_TEST_REQUIRE_PROGRAMS=1, CI) fail in a
 * test registered in their place. Call startDocker while the file is collected (top-level
 * await), and skip with `describe.runIf(engine)`.
 */
import {
  startDocker as startEngine,
  type DockerEngine,
  type StartDockerOptions,
} from '../../dev/docker.js';
import { unavailable } from './skip.js';

export * from '../../dev/docker.js';

export async function startDocker(
  opts: StartDockerOptions & { throwIfUnavailable: true },
): Promise<DockerEngine>;
export async function startDocker(opts?: StartDockerOptions): Promise<DockerEngine | null>;
export async function startDocker(opts: StartDockerOptions = {}): Promise<DockerEngine | null> {
  return startEngine({
    ...opts,
    onUnavailable: (reason) => unavailable('the Docker engine tests', reason),
  });
}
