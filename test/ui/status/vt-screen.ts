/**
 * Just enough of a terminal to check what the live pane leaves on screen: printable text, \r, \n
 * (with the tty's usual CR), cursor up/down, erase line / below / screen, home; colors and modes
 * are ignored. Every character is one column (the pane only uses such characters).
 */
export class VtScreen {
  readonly lines: string[];
  row = 0;
  col = 0;
  /** Characters written (not escape sequences): what a redraw costs the terminal. */
  printed = 0;
  cursorVisible = true;

  constructor(
    public columns: number,
    readonly rows: number,
  ) {
    this.lines = Array<string>(rows).fill("");
  }

  /** A wider or narrower window; the rows keep their text (no reflow). */
  resize(columns: number): void {
    this.columns = columns;
  }

  write(data: string): void {
    for (let i = 0; i < data.length; ) {
      const esc = /^\x1b\[(\??)([0-9;]*)([A-Za-z])/.exec(data.slice(i, i + 16));
      if (esc) {
        this.csi(esc[1]!, esc[2]!, esc[3]!);
        i += esc[0].length;
        continue;
      }
      const ch = data[i++]!;
      if (ch === "\r") this.col = 0;
      else if (ch === "\n") this.newline();
      else this.put(ch);
    }
  }

  /** The screen as text, trailing spaces and empty rows at the bottom dropped. */
  text(): string {
    return this.lines.map((l) => l.trimEnd()).join("\n").replace(/\n+$/, "");
  }

  private newline(): void {
    this.col = 0;
    if (this.row === this.rows - 1) {
      this.lines.shift();
      this.lines.push("");
    } else this.row++;
  }

  private put(ch: string): void {
    if (this.col >= this.columns) this.newline();
    const line = this.lines[this.row]!.padEnd(this.col, " ");
    this.lines[this.row] = line.slice(0, this.col) + ch + line.slice(this.col + 1);
    this.col++;
    this.printed++;
  }

  private csi(private_: string, params: string, final: string): void {
    const n = Number(params || "1");
    if (private_ === "?") {
      if (params === "25") this.cursorVisible = final === "h";
      return;
    }
    switch (final) {
      case "A":
        this.row = Math.max(0, this.row - n);
        break;
      case "B":
        this.row = Math.min(this.rows - 1, this.row + n);
        break;
      case "H":
        this.row = 0;
        this.col = 0;
        break;
      case "J":
        if (params === "2") this.lines.fill("");
        else {
          this.lines[this.row] = this.lines[this.row]!.slice(0, this.col);
          for (let r = this.row + 1; r < this.rows; r++) this.lines[r] = "";
        }
        break;
      case "K":
        if (params === "2") this.lines[this.row] = "";
        else this.lines[this.row] = this.lines[this.row]!.slice(0, this.col);
        break;
      case "m":
        break;
      default:
        throw new Error(`VtScreen: unexpected CSI ${private_}${params}${final}`);
    }
  }
}
