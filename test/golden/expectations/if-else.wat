;; test/golden/fixtures/if-else.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (param i32) (result i32)))
  (func $abs (type $t0) (param $p0 i32) (result i32)
    (local $l1 i64) (local $l2 i32)
    block $B0 (result i32)
      local.get $l1
      i64.const 4
      i64.sub
      local.set $l1
      local.get $l1
      i64.const 34
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
        i64.const 65570
        local.get $l1
        local.get $l1
        i64.const 65570
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 34
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      local.get $p0
      i32.const 0
      i32.lt_s
      if $I3 (result i32)
        local.get $l1
        i64.const 3
        i64.sub
        local.set $l1
        i32.const 0
        local.get $p0
        i32.sub
      else
        local.get $l1
        i64.const 1
        i64.sub
        local.set $l1
        local.get $p0
      end
    end
    global.get $__wasm_harden_fuel
    local.get $l1
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I4
      unreachable
    end)
  (func $clamp (type $t0) (param $p0 i32) (result i32)
    (local $l1 i64) (local $l2 i32)
    block $B0 (result i32)
      local.get $l1
      i64.const 4
      i64.sub
      local.set $l1
      local.get $l1
      i64.const 34
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
        i64.const 65570
        local.get $l1
        local.get $l1
        i64.const 65570
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 34
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      local.get $p0
      i32.const 100
      i32.gt_s
      if $I3
        local.get $l1
        i64.const 2
        i64.sub
        local.set $l1
        i32.const 100
        local.set $p0
      end
      local.get $l1
      i64.const 1
      i64.sub
      local.set $l1
      local.get $p0
    end
    global.get $__wasm_harden_fuel
    local.get $l1
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I4
      unreachable
    end)
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g2 (mut i32) (i32.const 0))
  (global $g3 (mut i64) (i64.const 34))
  (export "abs" (func $abs))
  (export "clamp" (func $clamp))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth)))
