/** What a service says about a change or a personal-data read; the audit log adds who/when/chain. */
export interface AuditEntry {
  /** Dotted action name, e.g. `directory.unit.create`, `identity.person.read_full`. */
  action: string;
  targetType: string;
  targetId: string;
  /** Human label of the target at the time (unit name, masked person), for the viewer. */
  targetLabel?: string;
  /** Stated purpose, required for reads of personal data. */
  purpose?: string;
  result?: 'success' | 'denied' | 'failure';
  /** Changed fields or other facts; never secrets. Stored as canonical JSON. */
  details?: Record<string, unknown>;
}
