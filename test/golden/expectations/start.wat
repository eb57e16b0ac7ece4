;; test/golden/fixtures/start.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func))
  (import "env" "n" (global $env.n i32))
  (func $f0 (type $t0)
    (local $l0 i32) (local $l1 i64) (local $l2 i32) (local $l3 i64)
    block $B0
      local.get $l1
      i64.const 3
      i64.sub
      local.set $l1
      local.get $l1
      i64.const 62
      i64.lt_s
      if $I1
        global.get $__wasm_harden_fuel
        local.get $l1
        i64.add
        local.tee $l1
        i64.const 0
        i64.lt_s
        if $I2
          local.get $l1
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $l1
        i64.const 65598
        local.get $l1
        local.get $l1
        i64.const 65598
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 62
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g5
      end
      block $B3
        i64.const 62
        local.set $l3
        loop $L4
          local.get $l1
          local.get $l3
          i64.lt_s
          if $I5
            global.get $__wasm_harden_fuel
            local.get $l1
            i64.add
            local.tee $l1
            i64.const 0
            i64.lt_s
            if $I6
              local.get $l1
              global.set $__wasm_harden_fuel
              unreachable
            end
            local.get $l1
            i64.const 65598
            local.get $l1
            local.get $l1
            i64.const 65598
            i64.gt_s
            select
            local.tee $l1
            i64.sub
            global.set $__wasm_harden_fuel
            i64.const 0
            i64.const 62
            global.get $__wasm_harden_fuel
            i64.eqz
            select
            global.set $g5
            global.get $g5
            local.set $l3
          end
          loop $L7
            local.get $l1
            local.get $l3
            i64.lt_s
            br_if $L4
            local.get $l0
            global.get $env.n
            i32.ge_s
            br_if $B3
            local.get $l1
            i64.const 13
            i64.sub
            local.set $l1
            global.get $sum
            local.get $l0
            i32.add
            global.set $sum
            local.get $l0
            i32.const 1
            i32.add
            local.set $l0
            br $L7
          end
        end
      end
      local.get $l1
      i64.const 4
      i64.sub
      local.set $l1
    end
    global.get $__wasm_harden_fuel
    local.get $l1
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I8
      unreachable
    end)
  (global $sum (mut i32) (i32.const 0))
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g4 (mut i32) (i32.const 0))
  (global $g5 (mut i64) (i64.const 62))
  (export "sum" (global $sum))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth))
  (start $f0))
