;; test/golden/fixtures/nested-loops.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (param i32 i32) (result i32)))
  (func $grid (type $t0) (param $p0 i32) (param $p1 i32) (result i32)
    (local $l2 i32) (local $l3 i32) (local $l4 i32) (local $l5 i64)
    global.get $__wasm_harden_fuel
    local.set $l5
    local.get $l5
    i64.const 5
    i64.sub
    local.tee $l5
    global.set $__wasm_harden_fuel
    local.get $l5
    i64.const 0
    i64.lt_s
    if $I0
      unreachable
    end
    block $B1
      loop $L2
        local.get $l5
        i64.const 4
        i64.sub
        local.tee $l5
        global.set $__wasm_harden_fuel
        local.get $l5
        i64.const 0
        i64.lt_s
        if $I3
          unreachable
        end
        local.get $l2
        local.get $p0
        i32.ge_u
        br_if $B1
        local.get $l5
        i64.const 4
        i64.sub
        local.tee $l5
        global.set $__wasm_harden_fuel
        i32.const 0
        local.set $l3
        block $B4
          loop $L5
            local.get $l5
            i64.const 4
            i64.sub
            local.tee $l5
            global.set $__wasm_harden_fuel
            local.get $l5
            i64.const 0
            i64.lt_s
            if $I6
              unreachable
            end
            local.get $l3
            local.get $p1
            i32.ge_u
            br_if $B4
            local.get $l5
            i64.const 9
            i64.sub
            local.tee $l5
            global.set $__wasm_harden_fuel
            local.get $l4
            i32.const 1
            i32.add
            local.set $l4
            local.get $l3
            i32.const 1
            i32.add
            local.set $l3
            br $L5
          end
        end
        local.get $l5
        i64.const 5
        i64.sub
        local.tee $l5
        global.set $__wasm_harden_fuel
        local.get $l2
        i32.const 1
        i32.add
        local.set $l2
        br $L2
      end
    end
    local.get $l5
    i64.const 1
    i64.sub
    local.tee $l5
    global.set $__wasm_harden_fuel
    local.get $l4)
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g2 (mut i32) (i32.const 0))
  (export "grid" (func $grid))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth)))
