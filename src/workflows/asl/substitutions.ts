// Definition substitutions as AWS CloudFormation makes them (`DefinitionSubstitutions` of
// AWS::StepFunctions::StateMachine, and the CDK's `definitionSubstitutions`): every `${Name}` in the definition's
// text whose name has a value is replaced by that value, as text, before the definition reaches Step Functions.
// A definition file can so name its task resources by placeholder (`"Resource": "${BackupTask}"`) and be the same
// bytes on AWS, where the deployment fills in activity and function ARNs, and on the local engine, where the
// caller fills in the resources its handlers are registered under.

/** A placeholder name as CloudFormation accepts one: letters, digits and underscores. */
const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/** The placeholder names `${Name}` in `text`, each once, in order of first use. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

export interface Substituted {
  text: string;
  /** Placeholders left in the text because `values` has none for them. */
  unbound: string[];
}

/**
 * `text` with each `${Name}` that `values` names replaced by its value. Values go in as text (CloudFormation does
 * not escape them either): they are meant to be ARNs and names, which need no JSON escaping; one that would need it
 * is refused rather than allowed to change the definition's structure.
 */
export function substitute(text: string, values: Readonly<Record<string, string>>): Substituted {
  for (const [name, value] of Object.entries(values)) {
    if (JSON.stringify(value) !== `"${value}"`) {
      throw new Error(
        `the substitution for \${${name}} holds characters JSON would have to escape: ${value}`,
      );
    }
  }
  const unbound = new Set<string>();
  const out = text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) unbound.add(name);
    return value ?? whole;
  });
  return { text: out, unbound: [...unbound] };
}
