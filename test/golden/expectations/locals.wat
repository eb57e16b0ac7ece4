;; test/golden/fixtures/locals.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (param i32) (result i32)))
  (type $t1 (func))
  (func $nolocals (type $t0) (param $p0 i32) (result i32)
    (local $l1 i64) (local $l2 i32)
    block $B0 (result i32)
      local.get $l1
      i64.const 3
      i64.sub
      local.set $l1
      local.get $l1
      i64.const 20
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
        i64.const 65556
        local.get $l1
        local.get $l1
        i64.const 65556
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 20
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      local.get $p0
      i32.const 1
      i32.add
    end
    global.get $__wasm_harden_fuel
    local.get $l1
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I3
      unreachable
    end)
  (func $withlocals (type $t0) (param $p0 i32) (result i32)
    (local $l1 i32) (local $l2 i32) (local $l3 i32) (local $l4 i64) (local $l5 i64) (local $l6 i32)
    block $B0 (result i32)
      local.get $l5
      i64.const 7
      i64.sub
      local.set $l5
      local.get $l5
      i64.const 20
      i64.lt_s
      if $I1
        global.get $__wasm_harden_fuel
        local.get $l5
        i64.add
        local.tee $l5
        i64.const 0
        i64.lt_s
        if $I2
          local.get $l5
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $l5
        i64.const 65556
        local.get $l5
        local.get $l5
        i64.const 65556
        i64.gt_s
        select
        local.tee $l5
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 20
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      local.get $p0
      i32.const 1
      i32.add
    end
    global.get $__wasm_harden_fuel
    local.get $l5
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I3
      unreachable
    end)
  (func $empty (type $t1)
    (local $l0 i64) (local $l1 i32)
    block $B0
      local.get $l0
      i64.const 20
      i64.lt_s
      if $I1
        global.get $__wasm_harden_fuel
        local.get $l0
        i64.add
        local.tee $l0
        i64.const 0
        i64.lt_s
        if $I2
          local.get $l0
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $l0
        i64.const 65556
        local.get $l0
        local.get $l0
        i64.const 65556
        i64.gt_s
        select
        local.tee $l0
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 20
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
    end
    global.get $__wasm_harden_fuel
    local.get $l0
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I3
      unreachable
    end)
  (func $emptylocals (type $t1)
    (local $l0 f64) (local $l1 v128) (local $l2 i64) (local $l3 i32)
    block $B0
      local.get $l2
      i64.const 2
      i64.sub
      local.set $l2
      local.get $l2
      i64.const 20
      i64.lt_s
      if $I1
        global.get $__wasm_harden_fuel
        local.get $l2
        i64.add
        local.tee $l2
        i64.const 0
        i64.lt_s
        if $I2
          local.get $l2
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $l2
        i64.const 65556
        local.get $l2
        local.get $l2
        i64.const 65556
        i64.gt_s
        select
        local.tee $l2
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 20
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
    end
    global.get $__wasm_harden_fuel
    local.get $l2
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I3
      unreachable
    end)
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g2 (mut i32) (i32.const 0))
  (global $g3 (mut i64) (i64.const 20))
  (export "nolocals" (func $nolocals))
  (export "withlocals" (func $withlocals))
  (export "empty" (func $empty))
  (export "emptylocals" (func $emptylocals))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth)))
