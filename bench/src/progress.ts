/**
 * Progress on stderr while the benchmark runs: which case, implementation and round, and how
 * long it has been going. On a terminal the current line ticks every half second; elsewhere (CI,
 * a pipe) each runner gets one line when it finishes, so logs stay readable.
 */
import { formatDuration } from './format.js';

const kTickMs = 500;

export interface ProgressStep {
  caseName: string;
  implementation: string;
  round: number;
  rounds: number;
}

export class Progress {
  readonly #write: (text: string) => void;
  readonly #tty: boolean;
  readonly #started = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #line = '';

  /** `quiet` prints nothing at all (the self-test). */
  constructor(out: NodeJS.WriteStream = process.stderr, quiet = false) {
    this.#tty = !quiet && out.isTTY === true;
    this.#write = quiet ? () => {} : (text) => void out.write(text);
  }

  /** Prints a line that stays (case headers, warnings). */
  note(text: string): void {
    this.#clear();
    this.#write(`${text}\n`);
    if (this.#timer !== undefined) this.#render();
  }

  /** A runner starts. */
  begin(step: ProgressStep): void {
    const stepStarted = Date.now();
    this.#line = `[${step.caseName}] round ${step.round}/${step.rounds} · ${step.implementation}`;
    if (!this.#tty) return;
    const render = (): void => {
      this.#clear();
      this.#write(
        `${this.#line} · ${formatDuration(Date.now() - stepStarted)} (total ${this.#total()})`,
      );
    };
    this.#render = render;
    render();
    this.#timer = setInterval(render, kTickMs);
    this.#timer.unref();
  }

  /** The runner finished; `summary` says how (`71.2 ms`, `unavailable: …`). */
  end(summary: string, wallMs: number): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#clear();
    this.#write(
      `${this.#line} · ${formatDuration(wallMs)} · ${summary} (total ${this.#total()})\n`,
    );
  }

  #render: () => void = () => {};

  #total(): string {
    return formatDuration(Date.now() - this.#started);
  }

  #clear(): void {
    if (this.#tty) this.#write('\r\x1b[2K');
  }
}
