;; test/golden/fixtures/calls.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (param i32) (result i32)))
  (type $t1 (func (param i32 i32) (result i32)))
  (import "env" "twice" (func $env.twice (type $t0)))
  (func $f1 (type $t0) (param $p0 i32) (result i32)
    (local $l1 i64)
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
    local.get $p0
    i32.const 1
    i32.add)
  (func $f2 (type $t0) (param $p0 i32) (result i32)
    (local $l1 i32) (local $l2 i64)
    global.get $__wasm_harden_fuel
    local.set $l2
    local.get $l2
    i64.const 5
    i64.sub
    local.tee $l2
    global.set $__wasm_harden_fuel
    local.get $l2
    i64.const 0
    i64.lt_s
    if $I0
      unreachable
    end
    local.get $p0
    local.tee $l1
    local.get $l1
    i32.mul)
  (func $direct (type $t0) (param $p0 i32) (result i32)
    (local $l1 i64)
    global.get $__wasm_harden_depth
    i32.const 152
    i32.add
    global.set $__wasm_harden_depth
    global.get $__wasm_harden_depth
    i32.const 262144
    i32.gt_u
    if $I0
      unreachable
    end
    block $B1 (result i32)
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
      if $I2
        unreachable
      end
      local.get $p0
      call $f1
      global.get $__wasm_harden_fuel
      local.set $l1
      call $f1
      global.get $__wasm_harden_fuel
      local.set $l1
    end
    global.get $__wasm_harden_depth
    i32.const 152
    i32.sub
    global.set $__wasm_harden_depth
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I3
      unreachable
    end)
  (func $host (type $t0) (param $p0 i32) (result i32)
    (local $l1 i64)
    global.get $__wasm_harden_depth
    i32.const 152
    i32.add
    global.set $__wasm_harden_depth
    global.get $__wasm_harden_depth
    i32.const 262144
    i32.gt_u
    if $I0
      unreachable
    end
    block $B1 (result i32)
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
      if $I2
        unreachable
      end
      local.get $p0
      call $env.twice
      global.get $__wasm_harden_fuel
      local.set $l1
      call $f1
      global.get $__wasm_harden_fuel
      local.set $l1
    end
    global.get $__wasm_harden_depth
    i32.const 152
    i32.sub
    global.set $__wasm_harden_depth
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I3
      unreachable
    end)
  (func $indirect (type $t1) (param $p0 i32) (param $p1 i32) (result i32)
    (local $l2 i64)
    global.get $__wasm_harden_depth
    i32.const 176
    i32.add
    global.set $__wasm_harden_depth
    global.get $__wasm_harden_depth
    i32.const 262144
    i32.gt_u
    if $I0
      unreachable
    end
    block $B1 (result i32)
      global.get $__wasm_harden_fuel
      local.set $l2
      local.get $l2
      i64.const 3
      i64.sub
      local.tee $l2
      global.set $__wasm_harden_fuel
      local.get $l2
      i64.const 0
      i64.lt_s
      if $I2
        unreachable
      end
      local.get $p1
      local.get $p0
      call_indirect $T0 (type $t0)
      global.get $__wasm_harden_fuel
      local.set $l2
    end
    global.get $__wasm_harden_depth
    i32.const 176
    i32.sub
    global.set $__wasm_harden_depth
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I3
      unreachable
    end)
  (func $count (type $t0) (param $p0 i32) (result i32)
    (local $l1 i32) (local $l2 i64)
    global.get $__wasm_harden_depth
    i32.const 176
    i32.add
    global.set $__wasm_harden_depth
    global.get $__wasm_harden_depth
    i32.const 262144
    i32.gt_u
    if $I0
      unreachable
    end
    block $B1 (result i32)
      global.get $__wasm_harden_fuel
      local.set $l2
      local.get $l2
      i64.const 3
      i64.sub
      local.tee $l2
      global.set $__wasm_harden_fuel
      local.get $l2
      i64.const 0
      i64.lt_s
      if $I2
        unreachable
      end
      block $B3
        loop $L4
          local.get $l2
          i64.const 3
          i64.sub
          local.tee $l2
          global.set $__wasm_harden_fuel
          local.get $l2
          i64.const 0
          i64.lt_s
          if $I5
            unreachable
          end
          local.get $p0
          i32.eqz
          br_if $B3
          local.get $l2
          i64.const 8
          i64.sub
          local.tee $l2
          global.set $__wasm_harden_fuel
          local.get $l1
          call $f1
          global.get $__wasm_harden_fuel
          local.set $l2
          local.set $l1
          local.get $p0
          i32.const 1
          i32.sub
          local.set $p0
          br $L4
        end
      end
      local.get $l2
      i64.const 1
      i64.sub
      local.tee $l2
      global.set $__wasm_harden_fuel
      local.get $l1
    end
    global.get $__wasm_harden_depth
    i32.const 176
    i32.sub
    global.set $__wasm_harden_depth
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I6
      unreachable
    end)
  (table $T0 2 100000 funcref)
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g2 (mut i32) (i32.const 0))
  (export "direct" (func $direct))
  (export "host" (func $host))
  (export "indirect" (func $indirect))
  (export "count" (func $count))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth))
  (elem $e0 (i32.const 0) func $f1 $f2))
