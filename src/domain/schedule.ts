/**
 * What the decider needs of a cron schedule. `src/config/cron.ts` implements it over croner;
 * keeping the interface here keeps the domain free of I/O and of the cron library.
 */
export interface Schedule {
  /** The first fire time strictly after `date`, or `null` when the schedule never fires again. */
  nextAfter(date: Date): Date | null;
}
