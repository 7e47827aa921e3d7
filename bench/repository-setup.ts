// Preparing the repository suite's machine: installing the anchor programs (Debian packages restic, borgbackup
// and time) when missing, checking free disk space, and describing the machine for the report.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { GNU_TIME } from './repository-measure.ts';
import type { ToolName } from './repository-tools.ts';

const PACKAGES: { binary: string; pkg: string; needed: (tools: ToolName[]) => boolean }[] = [
  { binary: GNU_TIME, pkg: 'time', needed: () => true },
  { binary: 'restic', pkg: 'restic', needed: (tools) => tools.includes('restic') },
  { binary: 'borg', pkg: 'borgbackup', needed: (tools) => tools.includes('borg') },
];

function available(binary: string): boolean {
  if (binary.startsWith('/')) return fs.existsSync(binary);
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

/** Installs the Debian packages the chosen tools need, printing what it installs. */
export function ensurePackages(tools: ToolName[], log: (line: string) => void): void {
  const missing = PACKAGES.filter((p) => p.needed(tools) && !available(p.binary)).map((p) => p.pkg);
  if (missing.length === 0) return;
  const command = `apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing packages: ${missing.join(', ')}; install them first (as root: ${command})`);
  }
  log(`installing missing packages: ${missing.join(', ')} (${command})`);
  const update = spawnSync('apt-get', ['update'], { stdio: 'inherit' });
  if (update.status !== 0) throw new Error('apt-get update failed');
  const install = spawnSync('apt-get', ['install', '-y', ...missing], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (install.status !== 0) throw new Error(`${command} failed`);
}

/** Throws a clear error when the file system holding `dir` has less than `needBytes` free. */
export function checkFreeSpace(dir: string, needBytes: number): number {
  fs.mkdirSync(dir, { recursive: true });
  const st = fs.statfsSync(dir);
  const free = st.bavail * st.bsize;
  if (free < needBytes) {
    throw new Error(
      `not enough disk space under ${dir}: the benchmark needs about ${(needBytes / 1e9).toFixed(1)} GB, ` +
        `${(free / 1e9).toFixed(1)} GB are free (use --scale 0.1 for a smaller run)`,
    );
  }
  return free;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memory: string;
  kernel: string;
  os: string;
  fileSystem: string;
}

function osName(): string {
  try {
    const release = fs.readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1] ?? 'Linux';
  } catch {
    return os.type();
  }
}

function fileSystemOf(dir: string): string {
  const out = spawnSync('df', ['-T', dir], { encoding: 'utf8' });
  const fields = out.stdout.trim().split('\n').pop()?.split(/\s+/) ?? [];
  return fields[1] ?? '?';
}

export function machineInfo(workDir: string): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? '?',
    cores: cpus.length,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: os.release(),
    os: osName(),
    fileSystem: fileSystemOf(workDir),
  };
}
