// Validation findings in the shape of AWS's ValidateStateMachineDefinition diagnostics: a code, a location (a
// JSON pointer into the definition, e.g. `/States/Fetch/Next`) and a message naming the state and the field.

export interface Diagnostic {
  code: string;
  location: string;
  message: string;
  severity: 'ERROR' | 'WARNING';
}

export class Diagnostics {
  readonly items: Diagnostic[] = [];

  error(code: string, location: string, message: string): void {
    this.items.push({ code, location, message, severity: 'ERROR' });
  }

  warning(code: string, location: string, message: string): void {
    this.items.push({ code, location, message, severity: 'WARNING' });
  }

  get errors(): Diagnostic[] {
    return this.items.filter((i) => i.severity === 'ERROR');
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.location || '/'}: ${d.message} [${d.code}]`;
}
