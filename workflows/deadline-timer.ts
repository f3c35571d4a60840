// One timer per deadline, for a workflow loop that waits "until there is work or the next deadline". The timer is
// started when the deadline changes and cancelled only when it changes again, not at every wake-up. A timer per wait
// (`condition(fn, ms)`) is started and cancelled whenever the loop wakes for other work; inside one workflow task
// such a pair leaves no event yet uses a timer id, and the order of jobs in one activation can differ on replay (an
// update beside an activity's result), so the ids drift apart ("Timer fired event did not have expected timer id").
// It also cost two history events per wake-up.
import { CancellationScope, sleep } from '@temporalio/workflow';

export class DeadlineTimer {
  private at: number | undefined;
  private scope: CancellationScope | undefined;
  /** The current deadline's timer has fired (and `take()` has not yet been called). */
  fired = false;

  /** Wait for `deadline` (epoch ms, workflow time; undefined: none). The same deadline keeps its timer. */
  set(deadline: number | undefined): void {
    if (deadline === this.at) return;
    this.scope?.cancel();
    this.scope = undefined;
    this.at = deadline;
    this.fired = false;
    if (deadline === undefined) return;
    const scope = new CancellationScope();
    this.scope = scope;
    scope
      .run(() => sleep(Math.max(1, deadline - Date.now())))
      .then(
        () => {
          if (this.scope === scope) this.fired = true;
        },
        () => {}, // cancelled: a new deadline replaced it
      );
  }

  /** After a wake-up: a fired timer is spent, so the next `set` starts a new one even for the same time. */
  take(): void {
    if (!this.fired) return;
    this.fired = false;
    this.at = undefined;
    this.scope = undefined;
  }
}
