/**
 * Fires once when nothing moved for `ms` (issue #8: "a timeout on stalls"): a transfer may rightly take
 * hours, so there is no overall deadline, only one on silence. kick() on every frame; stop() when done.
 */
export class Watchdog {
  #timer: NodeJS.Timeout | undefined;
  #fired = false;

  constructor(private readonly ms: number, private readonly onStall: () => void) {
    this.kick();
  }

  get fired(): boolean {
    return this.#fired;
  }

  kick(): void {
    if (this.#fired) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#fired = true;
      this.onStall();
    }, this.ms);
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}
