;; test/golden/fixtures/bulk-table.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (result i32)))
  (type $t1 (func (param i32 i32 i32)))
  (type $t2 (func (param i32 i32)))
  (type $t3 (func))
  (type $t4 (func (param i32) (result i32)))
  (func $f0 (type $t0) (result i32)
    (local $l0 i64)
    global.get $__wasm_harden_fuel
    local.set $l0
    local.get $l0
    i64.const 1
    i64.sub
    local.tee $l0
    global.set $__wasm_harden_fuel
    local.get $l0
    i64.const 0
    i64.lt_s
    if $I0
      unreachable
    end
    i32.const 1)
  (func $f1 (type $t0) (result i32)
    (local $l0 i64)
    global.get $__wasm_harden_fuel
    local.set $l0
    local.get $l0
    i64.const 1
    i64.sub
    local.tee $l0
    global.set $__wasm_harden_fuel
    local.get $l0
    i64.const 0
    i64.lt_s
    if $I0
      unreachable
    end
    i32.const 2)
  (func $f2 (type $t0) (result i32)
    (local $l0 i64)
    global.get $__wasm_harden_fuel
    local.set $l0
    local.get $l0
    i64.const 1
    i64.sub
    local.tee $l0
    global.set $__wasm_harden_fuel
    local.get $l0
    i64.const 0
    i64.lt_s
    if $I0
      unreachable
    end
    i32.const 3)
  (func $init (type $t1) (param $p0 i32) (param $p1 i32) (param $p2 i32)
    (local $l3 i64)
    global.get $__wasm_harden_fuel
    local.set $l3
    local.get $l3
    i64.const 4
    i64.sub
    local.tee $l3
    global.set $__wasm_harden_fuel
    local.get $l3
    i64.const 0
    i64.lt_s
    if $I0
      unreachable
    end
    local.get $p0
    local.get $p1
    local.get $p2
    global.set $g2
    local.get $l3
    global.get $g2
    i64.extend_i32_u
    i64.const 1
    i64.mul
    i64.sub
    local.tee $l3
    global.set $__wasm_harden_fuel
    local.get $l3
    i64.const 0
    i64.lt_s
    if $I1
      unreachable
    end
    global.get $g2
    table.init $T0 $e0)
  (func $copy (type $t1) (param $p0 i32) (param $p1 i32) (param $p2 i32)
    (local $l3 i64)
    global.get $__wasm_harden_fuel
    local.set $l3
    local.get $l3
    i64.const 4
    i64.sub
    local.tee $l3
    global.set $__wasm_harden_fuel
    local.get $l3
    i64.const 0
    i64.lt_s
    if $I0
      unreachable
    end
    local.get $p0
    local.get $p1
    local.get $p2
    global.set $g2
    local.get $l3
    global.get $g2
    i64.extend_i32_u
    i64.const 1
    i64.mul
    i64.sub
    local.tee $l3
    global.set $__wasm_harden_fuel
    local.get $l3
    i64.const 0
    i64.lt_s
    if $I1
      unreachable
    end
    global.get $g2
    table.copy $T0 $T0)
  (func $fill (type $t2) (param $p0 i32) (param $p1 i32)
    (local $l2 i64)
    global.get $__wasm_harden_fuel
    local.set $l2
    local.get $l2
    i64.const 4
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
    ref.null func
    local.get $p1
    global.set $g2
    local.get $l2
    global.get $g2
    i64.extend_i32_u
    i64.const 1
    i64.mul
    i64.sub
    local.tee $l2
    global.set $__wasm_harden_fuel
    local.get $l2
    i64.const 0
    i64.lt_s
    if $I1
      unreachable
    end
    global.get $g2
    table.fill $T0)
  (func $drop (type $t3)
    (local $l0 i64)
    global.get $__wasm_harden_fuel
    local.set $l0
    local.get $l0
    i64.const 1
    i64.sub
    local.tee $l0
    global.set $__wasm_harden_fuel
    local.get $l0
    i64.const 0
    i64.lt_s
    if $I0
      unreachable
    end
    elem.drop $e0)
  (func $size (type $t0) (result i32)
    (local $l0 i64)
    global.get $__wasm_harden_fuel
    local.set $l0
    local.get $l0
    i64.const 1
    i64.sub
    local.tee $l0
    global.set $__wasm_harden_fuel
    local.get $l0
    i64.const 0
    i64.lt_s
    if $I0
      unreachable
    end
    table.size $T0)
  (func $isnull (type $t4) (param $p0 i32) (result i32)
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
    table.get $T0
    ref.is_null)
  (func $call (type $t4) (param $p0 i32) (result i32)
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
      i64.const 2
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
      call_indirect $T0 (type $t0)
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
  (table $T0 8 100000 funcref)
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g2 (mut i32) (i32.const 0))
  (export "init" (func $init))
  (export "copy" (func $copy))
  (export "fill" (func $fill))
  (export "drop" (func $drop))
  (export "size" (func $size))
  (export "isnull" (func $isnull))
  (export "call" (func $call))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth))
  (elem $e0 func $f0 $f1 $f2))
