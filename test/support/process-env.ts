// Setting variables of this process's environment for a test (the AWS SDK's default chain reads them when a
// client is made), and putting back what was there.

/** Sets `vars`; the returned function restores each to its previous value (or removes it). */
export function setProcessEnv(vars: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
