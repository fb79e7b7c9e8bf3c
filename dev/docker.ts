/**
 * A private Docker Engine for integration tests: Debian's `dockerd` (docker.io 20.10)
 * with its own data root, exec root, pid file, socket, containerd and containerd
 * namespace under a temporary directory, so it never meets a system daemon or another
 * test file's engine. Networking is off (`--bridge=none`, no iptables): containers run
 * with `--network none`, and log drivers run inside dockerd, so `127.0.0.1` in
 * `--log-opt` is the host's loopback where the test's listener waits.
 *
 * The only image is `localbusybox`, imported from Debian's static busybox (no registry).
 *
 *   test ──docker -H unix://<tmp>/docker.sock run ...──► dockerd ──► containerd ──► runc
 *                                                         │ log driver (fluentd, syslog)
 *                                                         └────► 127.0.0.1:<test port>
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runProgram, which, type ProgramResult, type RunOptions } from './programs.js';

export const BUSYBOX_IMAGE = 'localbusybox';

/** Applets linked into the image's /bin; busybox picks the applet from argv[0]. */
const BUSYBOX_APPLETS =
  'sh echo printf cat head tail tr sleep seq yes dd wc env true false ls date kill'.split(' ');

export interface DockerEngine {
  /** `unix:///.../docker.sock`, for `docker -H`. */
  host: string;
  /** The registry-free image every container can use. */
  image: string;
  /** Milliseconds from spawning dockerd to `docker info` answering, and to import the image. */
  timings: { daemonMs: number; imageMs: number };
  /** `docker -H <host> <args...>`; resolves with the exit code, never rejects on failure. */
  docker(args: string[], opts?: RunOptions): Promise<ProgramResult>;
  /** `docker -H <host> run <args...>`: add `--rm`, `--network none` and the image yourself. */
  run(args: string[], opts?: RunOptions): Promise<ProgramResult>;
  /** dockerd's own log (with its containerd's), for failure messages. */
  log(): Promise<string>;
  /** Removes every container, stops dockerd (and its containerd) and deletes the directory. */
  stop(): Promise<void>;
}

export interface StartDockerOptions {
  /** Bound on waiting for the daemon to answer; default 60 s (a loaded 2-core machine). */
  startTimeoutMs?: number;
  /**
   * Throw the reason instead of skipping: for a call inside a running test (a second
   * engine), where no failing test can be registered in the skipped block's place.
   */
  throwIfUnavailable?: boolean;
  /**
   * Told why no engine can run, before startDocker returns null (test/support/docker.ts
   * passes the tests' skip-or-fail decision here; the bench throws instead).
   */
  onUnavailable?: (reason: string) => void;
}

/** Debian's 20.10 client matches the daemon; a newer one in PATH also works (API 1.41). */
function dockerClient(): string | null {
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : which('docker');
}

/** Why no engine can be started here, or null when it can be tried. */
export function dockerUnavailable(): string | null {
  if (process.platform !== 'linux') return `Docker tests need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'Docker tests need root: dockerd is started privately';
  for (const [cmd, pkg] of [
    ['dockerd', 'docker.io'],
    ['busybox', 'busybox-static'],
    ['tar', 'tar'],
  ] as const) {
    if (which(cmd) === null)
      return `${cmd} is not installed (apt-get install ${pkg}; .ci/run does this)`;
  }
  if (dockerClient() === null)
    return 'the docker client is not installed (apt-get install docker.io; .ci/run does this)';
  return null;
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function buildImageTar(dir: string): Promise<string> {
  const root = path.join(dir, 'image');
  await mkdir(path.join(root, 'bin'), { recursive: true });
  const busybox = which('busybox');
  if (busybox === null) throw new Error('busybox is not installed');
  await copyFile(busybox, path.join(root, 'bin', 'busybox'));
  await Promise.all(BUSYBOX_APPLETS.map((a) => symlink('busybox', path.join(root, 'bin', a))));
  const tarFile = path.join(dir, 'image.tar');
  const r = await runProgram('tar', ['-C', root, '-cf', tarFile, '.']);
  if (r.code !== 0) throw new Error(`tar failed: ${r.stderr}`);
  return tarFile;
}

/** Lazily unmounts whatever dockerd left mounted under `dir` (netns, shm) so rm can work. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = await readFile('/proc/mounts', 'utf8').catch(() => '');
  const points = mounts
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((p) => p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await runProgram('umount', ['-l', p]);
}

/** The flags from the project's fixtures README, with every path private to `dir`. */
function dockerdArgs(dir: string, host: string): string[] {
  const id = path.basename(dir).replace(/[^a-zA-Z0-9]/g, '');
  return [
    ...['--config-file', path.join(dir, 'daemon.json')],
    ...['--iptables=false', '--ip6tables=false', '--ip-masq=false', '--bridge=none'],
    ...['--storage-driver=vfs', '--exec-opt', 'native.cgroupdriver=cgroupfs'],
    ...['--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec')],
    ...['--pidfile', path.join(dir, 'docker.pid'), '-H', host],
    // Without --containerd, dockerd starts its own under exec-root, unless a system
    // containerd is running: then it shares that one, and a private namespace keeps
    // this engine's containers apart from everyone else's.
    ...['--containerd-namespace', `logharbor-${id}`],
    ...['--containerd-plugins-namespace', `logharbor-${id}-plugins`],
  ];
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts a private dockerd and imports `localbusybox`. Returns null when Docker cannot
 * run here, after telling opts.onUnavailable why (with dockerd's log tail).
 */
export async function startDocker(
  opts: StartDockerOptions & { throwIfUnavailable: true },
): Promise<DockerEngine>;
export async function startDocker(opts?: StartDockerOptions): Promise<DockerEngine | null>;
export async function startDocker(opts: StartDockerOptions = {}): Promise<DockerEngine | null> {
  const skip = (reason: string): null => {
    if (opts.throwIfUnavailable) throw new Error(`no Docker engine: ${reason}`);
    opts.onUnavailable?.(reason);
    return null;
  };
  const why = dockerUnavailable();
  if (why !== null) return skip(why);
  const client = dockerClient() ?? 'docker';
  const dockerdPath = which('dockerd') ?? 'dockerd';
  // Unix socket paths are capped at 107 bytes and containerd's sits two levels down.
  const base = tmpdir().length <= 40 ? tmpdir() : '/tmp';
  const dir = await mkdtemp(path.join(base, 'lh-docker-'));
  const sock = path.join(dir, 'docker.sock');
  const host = `unix://${sock}`;
  const logFile = path.join(dir, 'dockerd.log');
  // An empty config file: /etc/docker/daemon.json could contradict dockerdArgs.
  await writeFile(path.join(dir, 'daemon.json'), '{}\n');
  await mkdir(path.join(dir, 'client'));

  const fd = openSync(logFile, 'a');
  const started = Date.now();
  const dockerd = spawn(dockerdPath, dockerdArgs(dir, host), {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin` },
  });
  closeSync(fd);
  let exited: string | null = null;
  dockerd.once(
    'exit',
    (code, signal) => (exited = `dockerd exited with ${signal ?? `code ${code}`}`),
  );
  dockerd.once('error', (e) => (exited = `dockerd could not start: ${e.message}`));
  // A worker that dies without stop() must not leave a daemon behind; dockerd stops
  // its containers and its containerd on SIGTERM.
  const onExit = (): void => void dockerd.kill('SIGTERM');
  process.once('exit', onExit);

  const clientEnv: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: path.join(dir, 'client') };
  for (const v of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH'])
    delete clientEnv[v];
  const docker = (args: string[], o: RunOptions = {}): Promise<ProgramResult> =>
    runProgram(client, ['-H', host, ...args], { env: clientEnv, ...o });
  const log = (): Promise<string> => readFile(logFile, 'utf8').catch(() => '');

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    if (exited === null) {
      const ids = await docker(['ps', '-aq'], { timeoutMs: 15_000 });
      const list = ids.stdout.split('\n').filter(Boolean);
      if (list.length > 0) await docker(['rm', '-f', ...list], { timeoutMs: 30_000 });
      dockerd.kill('SIGTERM');
      const timer = setTimeout(() => dockerd.kill('SIGKILL'), 15_000);
      await waitExit(dockerd);
      clearTimeout(timer);
    }
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  };

  const fail = async (reason: string): Promise<null> => {
    const text = tail(await log(), 30);
    await stop();
    return skip(`${reason}\n--- dockerd log (tail) ---\n${text}`);
  };

  const deadline = started + (opts.startTimeoutMs ?? 60_000);
  let lastInfo = '';
  for (;;) {
    if (exited !== null) return fail(exited);
    if (Date.now() > deadline)
      return fail(`dockerd did not answer within ${opts.startTimeoutMs ?? 60_000} ms: ${lastInfo}`);
    if (existsSync(sock)) {
      const info = await docker(['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 10_000 });
      if (info.code === 0) break;
      lastInfo = info.stderr.trim();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const daemonMs = Date.now() - started;

  const imageStarted = Date.now();
  try {
    const tarFile = await buildImageTar(dir);
    const imported = await docker(['import', '-c', 'ENV PATH=/bin', tarFile, BUSYBOX_IMAGE]);
    if (imported.code !== 0) return fail(`docker import failed: ${imported.stderr}`);
  } catch (e) {
    return fail(`cannot build the busybox image: ${e instanceof Error ? e.message : String(e)}`);
  }
  const imageMs = Date.now() - imageStarted;

  return {
    host,
    image: BUSYBOX_IMAGE,
    timings: { daemonMs, imageMs },
    docker,
    run: (args, o) => docker(['run', ...args], o),
    log,
    stop,
  };
}
