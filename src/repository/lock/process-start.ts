// Which run of a process a lock belongs to: a process ID is reused once its process ends (a busy machine may hand
// it to another process within minutes), so a lock also records when its process started — the boot's ID and the
// start time in clock ticks, from /proc. Where /proc does not say, locks fall back to the ID alone.

import * as fs from 'node:fs';

/** "<boot id>:<start ticks>" of a process on this host, or undefined when it cannot be read (gone, not Linux). */
export function processStart(pid: number): string | undefined {
  try {
    const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name, which is in parentheses and may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[19];
    return ticks && /^\d+$/.test(ticks) ? `${boot}:${ticks}` : undefined;
  } catch {
    return undefined;
  }
}
