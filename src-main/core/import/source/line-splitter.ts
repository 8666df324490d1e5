/** Splits decoded text chunks into physical lines (LF, CRLF or CR), numbering them from 1. */

const LF = 10;
const CR = 13;

export class LineSplitter {
  private rest = '';
  private line = 1;
  /** The last chunk ended with CR: a LF at the start of the next one belongs to it. */
  private skipLF = false;
  private readonly onLine: (text: string, line: number) => void;

  /** `onLine` gets each line without its terminator, blank lines included. */
  constructor(onLine: (text: string, line: number) => void) {
    this.onLine = onLine;
  }

  push(chunk: string): void {
    if (this.skipLF && chunk.length > 0) {
      this.skipLF = false;
      if (chunk.charCodeAt(0) === LF) chunk = chunk.slice(1);
    }
    this.split(this.rest + chunk, false);
  }

  end(): void {
    this.split(this.rest, true);
  }

  private split(s: string, eof: boolean): void {
    const len = s.length;
    let pos = 0;
    // Cursors to the next LF and CR; each indexOf scans forward only once per chunk.
    let lf = s.indexOf('\n');
    let cr = s.indexOf('\r');
    while (pos < len) {
      if (lf !== -1 && lf < pos) lf = s.indexOf('\n', pos);
      if (cr !== -1 && cr < pos) cr = s.indexOf('\r', pos);
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (end === -1) break;
      let next = end + 1;
      if (s.charCodeAt(end) === CR) {
        if (next < len) {
          if (s.charCodeAt(next) === LF) next++;
        } else if (!eof) {
          this.skipLF = true;
        }
      }
      this.onLine(s.slice(pos, end), this.line++);
      pos = next;
    }
    if (eof) {
      if (pos < len) this.onLine(s.slice(pos), this.line++);
      this.rest = '';
    } else {
      this.rest = pos === 0 ? s : s.slice(pos);
    }
  }
}
