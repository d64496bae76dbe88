/** Where the lines go: a terminal's output stream, or a recorder in tests. */
export type LineSink = { write(text: string): unknown };

const CSI = "\x1b[";
const HIDE_CURSOR = `${CSI}?25l`;
const SHOW_CURSOR = `${CSI}?25h`;
// Synchronized update (DEC mode 2026): the terminal shows a redraw all at once; others ignore it.
const BEGIN = `${CSI}?2026h`;
const END = `${CSI}?2026l`;

const up = (n: number) => (n > 0 ? `${CSI}${n}A` : "");
const down = (n: number) => (n > 0 ? `${CSI}${n}B` : "");

/**
 * Draws a block of lines in place, below whatever the terminal showed before, and on each later draw
 * rewrites only the lines that changed: a steady second of the live pane is a few short writes.
 * Lines must fit the terminal's width (pane-lines.ts cuts them); a block taller than the terminal is
 * cut to its height, since lines scrolled out of view can no longer be reached.
 *
 * The cursor rests at the end of the block's last line between draws.
 */
export class TerminalLines {
  private shown: readonly string[] | undefined;

  constructor(private readonly out: LineSink) {}

  draw(next: readonly string[], rows: number): void {
    const lines = next.slice(0, Math.max(1, rows));
    const shown = this.shown;
    if (!shown) {
      this.out.write(`${BEGIN}${HIDE_CURSOR}${lines.join("\n")}${END}`);
    } else if (shown.length !== lines.length) {
      this.out.write(`${BEGIN}\r${up(shown.length - 1)}${CSI}J${lines.join("\n")}${END}`);
    } else {
      let row = lines.length - 1;
      let text = "";
      lines.forEach((line, i) => {
        if (line === shown[i]) return;
        text += `${i < row ? up(row - i) : down(i - row)}\r${CSI}2K${line}`;
        row = i;
      });
      if (text === "") return;
      this.out.write(`${BEGIN}${text}${down(lines.length - 1 - row)}${END}`);
    }
    this.shown = lines;
  }

  /**
   * The terminal changed size: its lines may have been rewrapped, so the screen is cleared and the
   * next draw starts at the top.
   */
  resized(): void {
    this.out.write(`${CSI}2J${CSI}H`);
    this.shown = undefined;
  }

  /** Leaves the last frame on screen, the cursor below it and visible again. */
  end(): void {
    this.out.write(this.shown ? `\n${SHOW_CURSOR}` : SHOW_CURSOR);
    this.shown = undefined;
  }
}
