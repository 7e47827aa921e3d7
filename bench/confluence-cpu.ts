// CPU accounting around a Confluence benchmark step, from /proc (Linux): CPU seconds the whole machine spent
// busy and those of the simulator's process, so the report can say how much of the machine other work took
// while a step ran (the steps are bound by the simulated rate limit, but a loaded machine delays the
// simulator's answers and the tools' own work alike). Elsewhere the readings are zero and the report says so.

import * as fs from 'node:fs';

/** Kernel clock ticks per second (USER_HZ), 100 on every Linux architecture stepvault runs on. */
const TICKS = 100;

export interface CpuReading {
  /** Busy CPU seconds of the machine (all cores) since boot. */
  machine: number;
  /** CPU seconds (user + system) of the watched process. */
  process: number;
  /** Wall clock, seconds. */
  at: number;
}

function machineBusySeconds(): number {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    // cpu user nice system idle iowait irq softirq steal ...
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + (f[7] ?? 0);
    return busy / TICKS;
  } catch {
    return 0;
  }
}

function processSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICKS; // utime, stime
  } catch {
    return 0;
  }
}

export function readCpu(pid: number): CpuReading {
  return { machine: machineBusySeconds(), process: processSeconds(pid), at: performance.now() / 1000 };
}

export interface CpuUse {
  /** CPU seconds of the simulator's process during the step. */
  simulator: number;
  /** CPU seconds of everything else on the machine (the step's own process removed). */
  others: number;
  /** Wall seconds between the readings. */
  wall: number;
}

export function cpuBetween(before: CpuReading, after: CpuReading, stepCpuSeconds: number): CpuUse {
  const simulator = after.process - before.process;
  const machine = after.machine - before.machine;
  return {
    simulator,
    others: Math.max(0, machine - simulator - stepCpuSeconds),
    wall: after.at - before.at,
  };
}
