;; test/golden/fixtures/grow.wat hardened with fuel 1000000000000000, limits {"memoryPages":3,"tableElements":5}.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (param i32) (result i32)))
  (type $t1 (func (result i32)))
  (func $grow (type $t0) (param $p0 i32) (result i32)
    (local $l1 i64) (local $l2 i32)
    block $B0 (result i32)
      local.get $l1
      i64.const 2
      i64.sub
      local.set $l1
      local.get $l1
      i64.const 16
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
        i64.const 65552
        local.get $l1
        local.get $l1
        i64.const 65552
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 16
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      local.get $p0
      global.set $g2
      local.get $l1
      global.get $g2
      i64.extend_i32_u
      i64.const 64
      i64.mul
      i64.sub
      local.set $l1
      local.get $l1
      i64.const 16
      i64.lt_s
      if $I3
        global.get $__wasm_harden_fuel
        local.get $l1
        i64.add
        local.tee $l1
        i64.const 0
        i64.lt_s
        if $I4
          local.get $l1
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $l1
        i64.const 65552
        local.get $l1
        local.get $l1
        i64.const 65552
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
      end
      global.get $g2
      memory.grow
    end
    global.get $__wasm_harden_fuel
    local.get $l1
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I5
      unreachable
    end)
  (func $size (type $t1) (result i32)
    (local $l0 i64) (local $l1 i32)
    block $B0 (result i32)
      local.get $l0
      i64.const 1
      i64.sub
      local.set $l0
      local.get $l0
      i64.const 16
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
        i64.const 65552
        local.get $l0
        local.get $l0
        i64.const 65552
        i64.gt_s
        select
        local.tee $l0
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 16
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      memory.size
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
  (func $tgrow (type $t0) (param $p0 i32) (result i32)
    (local $l1 i64) (local $l2 i32)
    block $B0 (result i32)
      local.get $l1
      i64.const 3
      i64.sub
      local.set $l1
      local.get $l1
      i64.const 16
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
        i64.const 65552
        local.get $l1
        local.get $l1
        i64.const 65552
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 16
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      ref.null func
      local.get $p0
      global.set $g2
      local.get $l1
      global.get $g2
      i64.extend_i32_u
      i64.const 1
      i64.mul
      i64.sub
      local.set $l1
      local.get $l1
      i64.const 16
      i64.lt_s
      if $I3
        global.get $__wasm_harden_fuel
        local.get $l1
        i64.add
        local.tee $l1
        i64.const 0
        i64.lt_s
        if $I4
          local.get $l1
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $l1
        i64.const 65552
        local.get $l1
        local.get $l1
        i64.const 65552
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
      end
      global.get $g2
      table.grow $T0
    end
    global.get $__wasm_harden_fuel
    local.get $l1
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I5
      unreachable
    end)
  (func $tsize (type $t1) (result i32)
    (local $l0 i64) (local $l1 i32)
    block $B0 (result i32)
      local.get $l0
      i64.const 1
      i64.sub
      local.set $l0
      local.get $l0
      i64.const 16
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
        i64.const 65552
        local.get $l0
        local.get $l0
        i64.const 65552
        i64.gt_s
        select
        local.tee $l0
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 16
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      table.size $T0
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
  (table $T0 1 5 funcref)
  (memory $mem 1 3)
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g2 (mut i32) (i32.const 0))
  (global $g3 (mut i64) (i64.const 16))
  (export "mem" (memory $mem))
  (export "grow" (func $grow))
  (export "size" (func $size))
  (export "tgrow" (func $tgrow))
  (export "tsize" (func $tsize))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth)))
