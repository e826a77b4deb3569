// Readiness for /-/ready: a set of named conditions (e.g. "topology", "paths") that must all hold.

export class Readiness {
  private readonly pending = new Set<string>();

  /** Declares a condition that must be met before the daemon is ready. */
  require(name: string): void {
    this.pending.add(name);
  }

  met(name: string): void {
    this.pending.delete(name);
  }

  isReady(): boolean {
    return this.pending.size === 0;
  }

  waitingFor(): string[] {
    return [...this.pending];
  }
}
