/**
 * Given/when/then for the job decider: `given(events).when(command).then(expected)`.
 * Reads like the spec and checks exactly the events decided.
 */
import { expect } from 'vitest';
import type { JobEvent } from '../../src/domain/events.js';
import type { JobCommand } from '../../src/domain/job-commands.js';
import { decide, type DecideContext } from '../../src/domain/job-decider.js';
import { evolve, initialJobState, type JobState } from '../../src/domain/job-state.js';

export function stateOf(jobId: string, events: JobEvent[]): JobState {
  return events.reduce((state, event) => evolve(state, event), initialJobState(jobId));
}

export function deciderSpec(jobId: string, ctx: DecideContext) {
  return {
    given(...history: JobEvent[]) {
      const state = stateOf(jobId, history);
      return {
        state,
        when(command: JobCommand) {
          const run = () => decide(command, state, ctx);
          return {
            /** The decided events, for finer assertions. */
            events: () => run(),
            then(expected: JobEvent[]) {
              expect(run()).toEqual(expected);
            },
            thenNothing() {
              expect(run()).toEqual([]);
            },
            thenThrows(pattern: RegExp, code?: string) {
              expect(run).toThrow(pattern);
              if (code) expect(run).toThrow(expect.objectContaining({ code }));
            },
          };
        },
      };
    },
  };
}
