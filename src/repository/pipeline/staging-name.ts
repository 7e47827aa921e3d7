// How backup workers name their pack staging files: by process first, so a pool can remove exactly the files its
// own workers left behind when a backup is interrupted, never those of a concurrent backup.

export function stagingPrefix(pid: number): string {
  return `pack-${pid}-`;
}
