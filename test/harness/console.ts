/** Runs a tool's `main` in-process with `console.log` captured: its exit code and what it printed. */
export async function runMain(
  main: (argv: string[], root: string) => Promise<number>,
  argv: string[],
  root: string,
): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  try {
    return { code: await main(argv, root), out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}
