// The fetch loop's slot and claim accounting, without Redis: what a worker does next as claims
// go out and answer, handlers start and return, and claims fail.
import { ClaimPlanner } from '../src/claim-planner';

/**
 * A clock that does not move: claiming ahead depends on a handler having returned within the last
 * 10 ms, which a busy machine's pause between two lines of a test can outlast.
 */
const stoppedClock = () => 0;

describe('ClaimPlanner', () => {
  it('claims a batch (a third of the slots) and no more than the free slots', () => {
    const planner = new ClaimPlanner(6);
    expect(planner.batch).toBe(2);
    expect(planner.next(0)).toEqual({ action: 'claim', jobs: 2 });
    const small = new ClaimPlanner(1);
    expect(small.next(0)).toEqual({ action: 'claim', jobs: 1 });
    const busy = new ClaimPlanner(6);
    for (let i = 0; i < 5; i++) busy.handlerStarted();
    expect(busy.next(5)).toEqual({ action: 'claim', jobs: 1 });
  });

  it('asks for at most 500 jobs a claim, however many slots', () => {
    expect(new ClaimPlanner(10_000).batch).toBe(500);
  });

  it('refuses to claim ahead other than a whole number from 0 to 4 jobs a slot', () => {
    for (const ahead of [-1, 1.5, 5, Number.NaN]) {
      expect(() => new ClaimPlanner(6, ahead)).toThrow(
        `claim ahead must be a whole number of jobs a slot from 0 to 4 (got ${ahead})`,
      );
    }
  });

  it('keeps claims in flight while whole batches of slots are free, then waits', () => {
    const planner = new ClaimPlanner(3); // batch 1
    for (let i = 0; i < 3; i++) {
      const step = planner.next(0);
      expect(step).toEqual({ action: 'claim', jobs: 1 });
      planner.claimSent(1, false);
    }
    // Every slot is promised to a claim in flight.
    expect(planner.next(0)).toEqual({ action: 'wait' });
  });

  it('frees a reserved slot when its claim answers empty-handed, and then waits on the queue', () => {
    const planner = new ClaimPlanner(3); // batch 1
    const ticket = planner.claimSent(1, false);
    planner.claimAnswered(ticket, 0);
    expect(planner.next(0)).toEqual({ action: 'idle', jobs: 1 });
    // The wait is followed by a plain claim whatever it brought.
    planner.waitAnswered(1, 0);
    expect(planner.next(0)).toEqual({ action: 'claim', jobs: 1 });
  });

  it('sends no more claims beside one in flight once the queue looked empty', () => {
    const planner = new ClaimPlanner(6); // batch 2
    const first = planner.claimSent(2, false);
    const second = planner.claimSent(2, false);
    planner.claimAnswered(first, 1);
    planner.handlerStarted();
    expect(planner.next(1)).toEqual({ action: 'wait' });
    planner.claimAnswered(second, 0);
    expect(planner.next(1)).toEqual({ action: 'idle', jobs: 2 });
  });

  it('holds a slot while its handler runs and frees it when the handler returns', () => {
    const planner = new ClaimPlanner(2); // batch 1
    const a = planner.claimSent(1, false);
    const b = planner.claimSent(1, false);
    planner.claimAnswered(a, 1);
    planner.handlerStarted();
    planner.claimAnswered(b, 1);
    planner.handlerStarted();
    expect(planner.next(2)).toEqual({ action: 'wait' });
    planner.handlerReturned();
    expect(planner.next(2)).toEqual({ action: 'claim', jobs: 1 });
  });

  it('bounds the leases held (running, being recorded, claimed) at three per slot beyond those it may claim ahead', () => {
    const none = new ClaimPlanner(2, 0);
    expect(none.next(6)).toEqual({ action: 'wait' });
    expect(none.next(5)).toEqual({ action: 'claim', jobs: 1 });
    const planner = new ClaimPlanner(2); // two a slot ahead: five leases a slot
    // No handler runs, but ten finished jobs are still being recorded.
    expect(planner.next(10)).toEqual({ action: 'wait' });
    expect(planner.next(9)).toEqual({ action: 'claim', jobs: 1 });
  });

  it('lets only one claim in flight bring a suspect job, and none while one runs', () => {
    const planner = new ClaimPlanner(12);
    expect(planner.claimSent(2, false).maySuspect).toBe(true);
    expect(planner.claimSent(2, false).maySuspect).toBe(false);
    const fresh = new ClaimPlanner(12);
    expect(fresh.claimSent(2, true).maySuspect).toBe(false);
  });

  it('reports a failed claim once no other is in flight, then claims again', () => {
    const planner = new ClaimPlanner(6); // batch 2
    const first = planner.claimSent(2, false);
    const second = planner.claimSent(2, false);
    const error = new Error('Connection is closed.');
    planner.claimAnswered(first, error);
    // No more claims beside the one still in flight, and no report before it answers.
    expect(planner.next(0)).toEqual({ action: 'wait' });
    planner.claimAnswered(second, 2);
    expect(planner.next(0)).toEqual({ action: 'report', error });
    expect(planner.next(0)).toEqual({ action: 'claim', jobs: 2 });
  });

  it('reports a failed wait, then claims again', () => {
    const planner = new ClaimPlanner(3); // batch 1
    planner.claimAnswered(planner.claimSent(1, false), 0);
    expect(planner.next(0).action).toBe('idle');
    const error = new Error('Command timed out');
    planner.waitAnswered(1, error);
    expect(planner.next(0)).toEqual({ action: 'report', error });
    expect(planner.next(0)).toEqual({ action: 'claim', jobs: 1 });
  });

  it('after a wait that brought some but not all it asked for, waits on the queue again', () => {
    const planner = new ClaimPlanner(6); // batch 2
    planner.claimAnswered(planner.claimSent(2, false), 0);
    expect(planner.next(0)).toEqual({ action: 'idle', jobs: 2 });
    planner.waitAnswered(2, 1);
    planner.handlerStarted();
    expect(planner.next(1)).toEqual({ action: 'idle', jobs: 2 });
  });

  it('claims up to twice its slots ahead of its free slots once its handlers return quickly', () => {
    const planner = new ClaimPlanner(6, undefined, stoppedClock); // batch 2
    for (let i = 0; i < 6; i++) planner.handlerStarted();
    // No handler has returned yet: how long they run is unknown, so no claim ahead.
    expect(planner.next(6)).toEqual({ action: 'wait' });
    planner.handlerReturned(1);
    planner.handlerStarted();
    for (let held = 6; held < 18; held += 2) {
      expect(planner.next(held)).toEqual({ action: 'claim', jobs: 2 });
      planner.claimAnswered(planner.claimSent(2, false), 2);
      expect(planner.hasFreeSlot()).toBe(false);
      planner.jobQueued();
      planner.jobQueued();
    }
    // Twelve jobs (twice the slots) wait for slots already: no more.
    expect(planner.next(18)).toEqual({ action: 'wait' });
    planner.handlerReturned(1);
    expect(planner.hasFreeSlot()).toBe(true);
    planner.handlerStarted(true);
    // Eleven jobs wait now: one more keeps twelve ahead.
    expect(planner.next(18)).toEqual({ action: 'claim', jobs: 1 });
  });

  it('claims ahead from 4 slots up, within the leases it may hold', () => {
    const planner = new ClaimPlanner(4, undefined, stoppedClock); // batch 2, eight ahead
    for (let i = 0; i < 4; i++) planner.handlerStarted();
    planner.handlerReturned(1);
    planner.handlerStarted();
    expect(planner.next(4)).toEqual({ action: 'claim', jobs: 2 });
    // Finished jobs still being recorded fill the five leases a slot: nothing more is claimed.
    expect(planner.next(19)).toEqual({ action: 'claim', jobs: 1 });
    expect(planner.next(20)).toEqual({ action: 'wait' });
  });

  it('claims as many jobs a slot ahead as it is told, and none when told 0', () => {
    const planner = new ClaimPlanner(6, 1, stoppedClock); // batch 2, six ahead
    for (let i = 0; i < 6; i++) planner.handlerStarted();
    planner.handlerReturned(1);
    planner.handlerStarted();
    for (let held = 6; held < 12; held += 2) {
      expect(planner.next(held)).toEqual({ action: 'claim', jobs: 2 });
      planner.claimAnswered(planner.claimSent(2, false), 2);
      planner.jobQueued();
      planner.jobQueued();
    }
    expect(planner.next(12)).toEqual({ action: 'wait' });
    const none = new ClaimPlanner(6, 0, stoppedClock);
    for (let i = 0; i < 6; i++) none.handlerStarted();
    none.handlerReturned(1);
    none.handlerStarted();
    expect(none.next(6)).toEqual({ action: 'wait' });
  });

  it('waits on an empty queue for free slots only, not for jobs to claim ahead', () => {
    const planner = new ClaimPlanner(6, undefined, stoppedClock); // batch 2
    for (let i = 0; i < 6; i++) planner.handlerStarted();
    planner.handlerReturned(1);
    planner.handlerStarted();
    // Its handlers are short: it claims ahead, and the queue turns out empty.
    expect(planner.next(6)).toEqual({ action: 'claim', jobs: 2 });
    planner.claimAnswered(planner.claimSent(2, false), 0);
    // Every slot runs a job: no wait on the queue for jobs that would wait here.
    expect(planner.next(6)).toEqual({ action: 'wait' });
    planner.handlerReturned(1);
    expect(planner.next(5)).toEqual({ action: 'idle', jobs: 1 });
  });

  it('claims only for free slots while its handlers run long, or when a batch is one job', () => {
    const slow = new ClaimPlanner(6);
    for (let i = 0; i < 6; i++) slow.handlerStarted();
    slow.handlerReturned(50);
    slow.handlerStarted();
    expect(slow.next(6)).toEqual({ action: 'wait' });
    const small = new ClaimPlanner(3); // batch 1
    for (let i = 0; i < 3; i++) small.handlerStarted();
    small.handlerReturned(1);
    small.handlerStarted();
    expect(small.next(3)).toEqual({ action: 'wait' });
  });

  it('stops claiming ahead once no handler has returned for longer than a short one runs', () => {
    let now = 0;
    const planner = new ClaimPlanner(6, undefined, () => now); // batch 2
    for (let i = 0; i < 6; i++) planner.handlerStarted();
    planner.handlerReturned(1);
    planner.handlerStarted();
    expect(planner.next(6)).toEqual({ action: 'claim', jobs: 2 });
    // Every slot has run its job for 11 ms since: short as the earlier ones were, these are not.
    now = 11;
    expect(planner.next(6)).toEqual({ action: 'wait' });
  });
});
