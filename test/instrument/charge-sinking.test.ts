/**
 * Charge sinking (src/instrument/charge-sinking.ts): a segment's charge moves into its successors when each
 * of them can only be reached from it. Checked on the charges the output carries (their constants, in body
 * order), on the exact fuel of every path, and on a trap inside a segment whose charge moved on.
 */
import { describe, expect, it } from 'vitest';
import { harden } from '../../src/instrument/harden.js';
import { FUEL_EXPORT } from '../../src/instrument/module-rewriter.js';
import { wat } from '../runtime/helpers.js';
import { scanBody } from './body-scan.js';

const BUDGET = 1_000_000_000_000n;

/** the constants of `i64.const c; i64.sub` in defined function `index`, in order (its charges) */
function charges(bytes: Uint8Array, index: number): number[] {
  const found: number[] = [];
  let last: bigint | undefined;
  scanBody(bytes, index, (op, _at, reader) => {
    const isConst = op.prefix === 0 && op.code === 0x42;
    if (op.prefix === 0 && op.code === 0x7d && last !== undefined) found.push(Number(last));
    last = isConst ? reader.s64() : undefined;
    return isConst;
  });
  return found;
}

async function load(src: string) {
  const hardened = await harden(wat(src), { fuel: BUDGET });
  const exports = (await WebAssembly.instantiate(hardened.bytes)).instance.exports as Record<string, unknown>;
  const fuel = exports[FUEL_EXPORT] as WebAssembly.Global;
  const run = (...args: number[]) => {
    fuel.value = BUDGET;
    try {
      return { value: (exports['run'] as (...a: number[]) => number)(...args), used: BUDGET - (fuel.value as bigint) };
    } catch {
      return { trapped: true, used: BUDGET - (fuel.value as bigint) };
    }
  };
  /** the call with exactly `budget` fuel: its outcome and the fuel left */
  const runWith = (budget: bigint, ...args: number[]) => {
    fuel.value = budget;
    try {
      return { value: (exports['run'] as (...a: number[]) => number)(...args), left: fuel.value as bigint };
    } catch {
      return { trapped: true, left: fuel.value as bigint };
    }
  };
  return { hardened, run, runWith };
}

/** `$f(n)`: a while loop that runs `body` n times (not at all when n > 100), counting `$n` down; returns `$acc` */
function whileLoop(body: string, before = ''): string {
  return `(module ${before}
    (func $f (param $n i32) (result i32) (local $acc i32)
      block $done
        local.get $n  i32.const 100  i32.gt_u  br_if $done
        loop $next
          local.get $n  i32.eqz  br_if $done
          ${body}
          local.get $n  i32.const 1  i32.sub  local.set $n
          br $next
        end
      end
      local.get $acc)
    (func (export "run") (param i32) (result i32) (call $f (local.get 0))))`;
}

/** the call with argument `n` uses exactly `cost`: it returns `value` with that budget, and traps with one less */
function expectExact(loaded: Awaited<ReturnType<typeof load>>, n: number, value: number, cost: bigint): void {
  expect(loaded.run(n)).toEqual({ value, used: cost });
  expect(loaded.runWith(cost, n)).toEqual({ value, left: 0n });
  expect(loaded.runWith(cost - 1n, n)).toMatchObject({ trapped: true });
}

describe('charge sinking', () => {
  it('an if/else: the condition pays with each arm, and every path is exact', async () => {
    // $pick is internal (params): its entry segment (get, eqz, if = 3) has two single-entry successors
    const { hardened, run } = await load(`(module
      (func $pick (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (i32.const 7))
          (else (i32.add (local.get 0) (i32.const 1)))))
      (func (export "run") (param i32) (result i32) (call $pick (local.get 0))))`);
    // then: const (1) + 3; else: get, const, add (3) + 3; nothing left before the `if`
    expect(charges(hardened.bytes, 0)).toEqual([4, 6]);
    // run: get, call (2) + $pick's path
    expect(run(0)).toEqual({ value: 7, used: 2n + 4n });
    expect(run(5)).toEqual({ value: 6, used: 2n + 6n });
  });

  it('a join with two ways in keeps its own charge', async () => {
    // after the `end` of an `if` without `else` there are two ways in (the arm, and the condition false)
    const { hardened, run } = await load(`(module
      (func $f (param i32) (result i32)
        (if (i32.eqz (local.get 0)) (then (local.set 0 (i32.const 9))))
        (i32.mul (local.get 0) (i32.const 2)))
      (func (export "run") (param i32) (result i32) (call $f (local.get 0))))`);
    // the condition (get, eqz, if = 3) cannot move: one of its successors is the join
    expect(charges(hardened.bytes, 0)).toEqual([3, 2, 3]);
    expect(run(0)).toEqual({ value: 18, used: 2n + 3n + 2n + 3n });
    expect(run(4)).toEqual({ value: 8, used: 2n + 3n + 3n });
  });

  it('a br_table dispatch: each handler pays for the dispatch, the loop header only compares', async () => {
    // a loop over a 3-way br_table; every handler is reached from the dispatch only
    const { hardened, run } = await load(`(module (memory 1)
      (func $vm (param i32) (result i32) (local $acc i32)
        block $out
          loop $next
            block $c
              block $b
                block $a
                  local.get 0  i32.const 3  i32.and
                  br_table $a $b $c $out
                end
                ;; a: acc += 1
                local.get $acc  i32.const 1  i32.add  local.set $acc
                local.get 0  i32.const 2  i32.shr_u  local.set 0
                br $next
              end
              ;; b: acc *= 3
              local.get $acc  i32.const 3  i32.mul  local.set $acc
              local.get 0  i32.const 2  i32.shr_u  local.set 0
              br $next
            end
            ;; c: acc -= 2
            local.get $acc  i32.const 2  i32.sub  local.set $acc
            local.get 0  i32.const 2  i32.shr_u  local.set 0
            br $next
          end
        end
        local.get $acc)
      (func (export "run") (param i32) (result i32) (call $vm (local.get 0))))`);
    const c = charges(hardened.bytes, 0);
    // the dispatch (3 blocks, get, const, and, br_table = 7) rides on each handler (9 each) and on $out's
    // exit (get $acc, end: 1); no charge of 7 is left on its own
    expect(c).not.toContain(7);
    expect(c.filter((x) => x === 16)).toHaveLength(3);
    // the digits of n in base 4, lowest first, pick the handlers: 198 = 2 + 1·4 + 0·16 + 3·64 → c, b, a, $out
    const r = run(198);
    expect(r.value).toBe((0 - 2) * 3 + 1);
    // run 2; entry: block, loop (2) + the locals (1); three iterations of 7 + 9; the exit: 7 + 1
    expect(r.used).toBe(2n + 3n + 3n * 16n + 8n);
  });

  it('a trap inside a segment whose charge moved on is not undercharged', async () => {
    // the load traps before the arm that would have carried the charge
    const { run } = await load(`(module (memory 1)
      (func $f (param i32) (result i32)
        (if (result i32) (i32.load (local.get 0))
          (then (i32.const 1))
          (else (i32.const 2))))
      (func (export "run") (param i32) (result i32) (call $f (local.get 0))))`);
    expect(run(0)).toEqual({ value: 2, used: 2n + 4n });
    const r = run(70_000);
    expect(r.trapped).toBe(true);
    // what ran: run's get and call, $f's get and load (the load traps): 4, never less
    expect(r.used).toBeGreaterThanOrEqual(4n);
  });

  it('a join whose every way in goes nowhere else is paid by those ways in (both arms of an if/else)', async () => {
    const { hardened, run, runWith } = await load(`(module
      (func $f (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (i32.const 7))
          (else (i32.add (local.get 0) (i32.const 1))))
        (i32.mul (i32.const 3)))
      (func (export "run") (param i32) (result i32) (call $f (local.get 0))))`);
    // the condition (3) sinks into the arms, the join (const, mul: 2) rises into them: one charge a path
    expect(charges(hardened.bytes, 0)).toEqual([3 + 1 + 2, 3 + 3 + 2]);
    expect(run(0)).toEqual({ value: 21, used: 2n + 6n });
    expect(run(5)).toEqual({ value: 18, used: 2n + 8n });
    // the budget still holds at exactly the path's cost, both ways
    expect(runWith(10n, 5)).toEqual({ value: 18, left: 0n });
    expect(runWith(9n, 5)).toMatchObject({ trapped: true });
    expect(runWith(8n, 0)).toEqual({ value: 21, left: 0n });
    expect(runWith(7n, 0)).toMatchObject({ trapped: true });
  });

  it('the code after a switch is paid by the handlers that all branch to it, not by a br_if that may not', async () => {
    const { hardened, run } = await load(`(module
      (func $f (param i32 i32) (result i32) (local $r i32)
        block $join
          block $b
            block $a
              local.get 0
              br_table $a $b $join
            end
            ;; a
            i32.const 10  local.set $r
            br $join
          end
          ;; b
          i32.const 20  local.set $r
          local.get 1
          br_if $join
          i32.const 30  local.set $r
        end
        ;; the join: r + 1
        local.get $r  i32.const 1  i32.add)
      (func (export "run") (param i32 i32) (result i32) (call $f (local.get 0) (local.get 1))))`);
    // b's br_if may fall through, so the join keeps a charge of its own (get, const, add = 3)
    expect(charges(hardened.bytes, 0)).toContain(3);
    // every path exact: run (get, get, call = 3); $f's entry (3 blocks, get, br_table = 5) and its local
    // (1); the handler: a (const, set, br = 3), b (const, set, get, br_if = 4, and const, set = 2 when it
    // falls through); the join (get, const, add = 3)
    expect(run(0, 0)).toEqual({ value: 11, used: 3n + 6n + 3n + 3n });
    expect(run(1, 0)).toEqual({ value: 31, used: 3n + 6n + 4n + 2n + 3n });
    expect(run(1, 1)).toEqual({ value: 21, used: 3n + 6n + 4n + 3n });
    expect(run(2, 0)).toEqual({ value: 1, used: 3n + 6n + 3n });
  });

  it('a join hoisted into a segment that traps on the way is never undercharged', async () => {
    const { run } = await load(`(module (memory 1)
      (func $f (param i32) (result i32)
        (if (result i32) (local.get 0)
          (then (i32.load (local.get 0)))
          (else (i32.const 2)))
        (i32.add (i32.const 40)))
      (func (export "run") (param i32) (result i32) (call $f (local.get 0))))`);
    expect(run(0)).toEqual({ value: 42, used: 2n + 2n + 1n + 2n });
    const r = run(70_000);
    expect(r.trapped).toBe(true);
    // what ran: run's get and call, $f's get and if, the then arm's get and load (which traps): 6
    expect(r.used).toBeGreaterThanOrEqual(6n);
  });

  it("a while loop's header is paid by the way in and by the body's branch back: one charge an iteration", async () => {
    const loaded = await load(whileLoop('local.get $acc  local.get $n  i32.add  local.set $acc'));
    // $f's charges: the entry (block, get, const, gt_u, br_if = 5; its local 1), the way into the loop
    // (loop = 1) with the header (get, eqz, br_if = 3), the body (4 + 4 + br = 9) with the next header, and
    // the exit (get = 1), which two br_ifs reach and so pays for itself: the header subtracts nothing
    expect(charges(loaded.hardened.bytes, 0)).toEqual([6, 1 + 3, 9 + 3, 1]);
    // run: get, call = 2; every path exact, and the budget holds at exactly its cost
    for (const n of [0, 1, 5]) expectExact(loaded, n, (n * (n + 1)) / 2, 2n + 6n + 4n + 12n * BigInt(n) + 1n);
    expectExact(loaded, 101, 0, 2n + 6n + 1n);
  });

  it('a loop with a call: its header, which tests, is paid by the way in and the branch back', async () => {
    // the block after the call starts a segment of its own, which holds no call
    const loaded = await load(
      whileLoop('local.get $acc  call $g  local.set $acc  block end', '(func $g (param i32) (result i32) (i32.add (local.get 0) (i32.const 2)))'),
    );
    // $f's charges: entry 6, way in 1 + header 3, the call's segment (get, call, set, block = 4; it holds a
    // call, so it pays for nothing else), after the block (4 + br = 5) with the next header, exit 1
    expect(charges(loaded.hardened.bytes, 1)).toEqual([6, 1 + 3, 4, 5 + 3, 1]);
    // $g: get, const, add = 3 a call
    for (const n of [0, 1, 4]) expectExact(loaded, n, 2 * n, 2n + 6n + 4n + BigInt(n) * (4n + 3n + 8n) + 1n);
  });
});
