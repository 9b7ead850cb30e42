/**
 * Runs `pass` every `intervalMs`, never two at once in this process: a pass that overruns
 * the interval makes the next tick skip. `stop` waits for the pass in hand. `pass` handles
 * its own errors (a background loop logs and tries again next time).
 */
export function every(intervalMs: number, pass: () => Promise<void>) {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= pass().finally(() => {
      running = undefined;
    });
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
