/** `npx faultline run FILE [--seed N] [--defect D]...`, each argument quoted for a POSIX shell where it needs it. */
export function runCommand(file: string, defects: readonly string[], seed?: number): string {
  return ['npx faultline run', shellQuote(file), ...(seed === undefined ? [] : [`--seed ${seed}`]), ...defects.map((d) => `--defect ${shellQuote(d)}`)].join(' ');
}

/** A word a POSIX shell reads back as `word`: unchanged when safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
