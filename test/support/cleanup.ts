/**
 * What a test rig or benchmark made, undone in reverse order of registration. A failing step is recorded in
 * `problems` (to be reported) and the remaining steps still run.
 */
export class CleanupStack {
  private readonly undo: Array<() => Promise<void>> = [];
  readonly problems: string[] = [];

  push(fn: () => Promise<void>): void {
    this.undo.push(fn);
  }

  async run(): Promise<void> {
    while (this.undo.length > 0) {
      const fn = this.undo.pop();
      try {
        await fn?.();
      } catch (err) {
        this.problems.push(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
