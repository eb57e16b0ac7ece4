;; test/golden/fixtures/start.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func))
  (import "env" "n" (global $env.n i32))
  (func $f0 (type $t0)
    (local $l0 i32) (local $l1 i64)
    global.get $__wasm_harden_fuel
    local.set $l1
    local.get $l1
    i64.const 3
    i64.sub
    local.tee $l1
    global.set $__wasm_harden_fuel
    local.get $l1
    i64.const 0
    i64.lt_s
    if $I0
      unreachable
    end
    block $B1
      loop $L2
        local.get $l1
        i64.const 4
        i64.sub
        local.tee $l1
        global.set $__wasm_harden_fuel
        local.get $l1
        i64.const 0
        i64.lt_s
        if $I3
          unreachable
        end
        local.get $l0
        global.get $env.n
        i32.ge_s
        br_if $B1
        local.get $l1
        i64.const 9
        i64.sub
        local.tee $l1
        global.set $__wasm_harden_fuel
        global.get $sum
        local.get $l0
        i32.add
        global.set $sum
        local.get $l0
        i32.const 1
        i32.add
        local.set $l0
        br $L2
      end
    end)
  (global $sum (mut i32) (i32.const 0))
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g4 (mut i32) (i32.const 0))
  (export "sum" (global $sum))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth))
  (start $f0))
