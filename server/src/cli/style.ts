// ANSI styling for the text format; a no-op style when colors are off.
export interface Style {
  bold(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  cyan(s: string): string;
  green(s: string): string;
}

const ansi = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

export function makeStyle(colors: boolean): Style {
  if (!colors) {
    const plain = (s: string) => s;
    return { bold: plain, red: plain, yellow: plain, blue: plain, cyan: plain, green: plain };
  }
  return {
    bold: ansi(1, 22),
    red: ansi(31, 39),
    yellow: ansi(33, 39),
    blue: ansi(34, 39),
    cyan: ansi(36, 39),
    green: ansi(32, 39),
  };
}
