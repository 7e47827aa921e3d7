// Whether a process of this machine still runs, by its ID: what stale-state checks (leases, state locks, the
// scratch spools of killed runs) ask before they take over or clean up what another process left.

/** True when `pid` runs (also when it is another user's: EPERM); this process counts as running. */
export function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
