/** Registers one step of a {@link steps} scenario; `timeoutMs` as Jest's `it`. */
export type Step = (name: string, fn: () => unknown, timeoutMs?: number) => void;

/**
 * The named steps of one long scenario: each step is an `it` of its own, run in order and sharing
 * the scenario's state (variables of the enclosing `describe`), so a failure names the step it
 * happened in. A step after one that failed or timed out fails at once, naming that step, instead
 * of running on a state that is not there.
 */
export function steps(): Step {
  let broken: string | undefined;
  return (name, fn, timeoutMs) => {
    it(
      name,
      async () => {
        if (broken !== undefined) {
          throw new Error(`Not run: an earlier step, "${broken}", did not pass`);
        }
        // Set until the step passes, so a step that times out (and never returns) counts as failed.
        broken = name;
        await fn();
        broken = undefined;
      },
      timeoutMs,
    );
  };
}
