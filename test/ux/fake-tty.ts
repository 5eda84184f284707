/**
 * A fake terminal for the live view: a Writable that says it is a TTY and
 * interprets the few escape sequences log-update uses (erase line, cursor up,
 * cursor to column 0, SGR colours ignored), so a test can read the screen as a
 * person would see it. Spec: each `write` is applied in order to a grid of
 * lines; `screen()` returns the visible lines joined by "\n", trailing blank
 * lines removed; `writes` counts the frames written.
 */
import { Writable } from "node:stream";

export class FakeTty extends Writable {
  readonly isTTY = true;
  columns: number;
  rows: number;
  writes = 0;
  private lines: string[] = [""];
  private row = 0;
  private col = 0;

  constructor(columns = 120, rows = 40) {
    super();
    this.columns = columns;
    this.rows = rows;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writes += 1;
    this.apply(String(chunk));
    callback();
  }

  private apply(text: string) {
    const pattern = /\x1b\[([0-9;?]*)([A-Za-z])|\n|[^\x1b\n]+/g;
    for (const match of text.matchAll(pattern)) {
      const token = match[0];
      if (token === "\n") {
        this.row += 1;
        this.col = 0;
        while (this.lines.length <= this.row) this.lines.push("");
      } else if (match[2] !== undefined) {
        const count = Number(match[1] || 1);
        if (match[2] === "A") this.row = Math.max(0, this.row - count);
        else if (match[2] === "G") this.col = 0;
        else if (match[2] === "K") this.lines[this.row] = "";
        else if (match[2] === "J") this.lines.length = this.row + 1;
        // m (colours), h/l (cursor show/hide): nothing on the grid.
      } else {
        const line = this.lines[this.row] ?? "";
        this.lines[this.row] = line.slice(0, this.col) + token + line.slice(this.col + token.length);
        this.col += token.length;
      }
    }
  }

  screen(): string {
    const lines = [...this.lines];
    while (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
    return lines.join("\n");
  }
}
