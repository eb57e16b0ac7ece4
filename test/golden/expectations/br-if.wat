;; test/golden/fixtures/br-if.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (param i32) (result i32)))
  (type $t1 (func (param i32 i32) (result i32)))
  (func $bucket (type $t0) (param $p0 i32) (result i32)
    (local $l1 i64) (local $l2 i32)
    block $B0 (result i32)
      local.get $l1
      i64.const 6
      i64.sub
      local.set $l1
      local.get $l1
      i64.const 64
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
        i64.const 65600
        local.get $l1
        local.get $l1
        i64.const 65600
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 64
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      block $B3
        block $B4
          local.get $p0
          i32.const 0
          i32.lt_s
          br_if $B3
          local.get $p0
          i32.const 10
          i32.lt_u
          br_if $B4
          local.get $l1
          i64.const 8
          i64.sub
          local.set $l1
          local.get $p0
          i32.const 10
          i32.div_u
          br $B0
        end
        local.get $l1
        i64.const 6
        i64.sub
        local.set $l1
        i32.const 0
        br $B0
      end
      local.get $l1
      i64.const 1
      i64.sub
      local.set $l1
      i32.const -1
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
  (func $first_nonzero (type $t1) (param $p0 i32) (param $p1 i32) (result i32)
    (local $l2 i64) (local $l3 i32)
    block $B0 (result i32)
      local.get $l2
      i64.const 4
      i64.sub
      local.set $l2
      local.get $l2
      i64.const 64
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
        i64.const 65600
        local.get $l2
        local.get $l2
        i64.const 65600
        i64.gt_s
        select
        local.tee $l2
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 64
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      block $B3 (result i32)
        local.get $p0
        local.get $p0
        br_if $B3
        local.get $l2
        i64.const 2
        i64.sub
        local.set $l2
        drop
        local.get $p1
      end
    end
    global.get $__wasm_harden_fuel
    local.get $l2
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
  (global $g3 (mut i64) (i64.const 64))
  (export "bucket" (func $bucket))
  (export "first_nonzero" (func $first_nonzero))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth)))
