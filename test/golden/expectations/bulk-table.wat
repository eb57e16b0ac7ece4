;; test/golden/fixtures/bulk-table.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (result i32)))
  (type $t1 (func (param i32 i32 i32)))
  (type $t2 (func (param i32 i32)))
  (type $t3 (func))
  (type $t4 (func (param i32) (result i32)))
  (func $f0 (type $t0) (result i32)
    (local $l0 i64) (local $l1 i32)
    block $B0 (result i32)
      local.get $l0
      i64.const 1
      i64.sub
      local.set $l0
      local.get $l0
      i64.const 22
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
        i64.const 65558
        local.get $l0
        local.get $l0
        i64.const 65558
        i64.gt_s
        select
        local.tee $l0
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 22
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      i32.const 1
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
  (func $f1 (type $t0) (result i32)
    (local $l0 i64) (local $l1 i32)
    block $B0 (result i32)
      local.get $l0
      i64.const 1
      i64.sub
      local.set $l0
      local.get $l0
      i64.const 22
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
        i64.const 65558
        local.get $l0
        local.get $l0
        i64.const 65558
        i64.gt_s
        select
        local.tee $l0
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 22
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      i32.const 2
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
  (func $f2 (type $t0) (result i32)
    (local $l0 i64) (local $l1 i32)
    block $B0 (result i32)
      local.get $l0
      i64.const 1
      i64.sub
      local.set $l0
      local.get $l0
      i64.const 22
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
        i64.const 65558
        local.get $l0
        local.get $l0
        i64.const 65558
        i64.gt_s
        select
        local.tee $l0
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 22
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      i32.const 3
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
  (func $init (type $t1) (param $p0 i32) (param $p1 i32) (param $p2 i32)
    (local $l3 i64) (local $l4 i32)
    block $B0
      local.get $l3
      i64.const 4
      i64.sub
      local.set $l3
      local.get $l3
      i64.const 22
      i64.lt_s
      if $I1
        global.get $__wasm_harden_fuel
        local.get $l3
        i64.add
        local.tee $l3
        i64.const 0
        i64.lt_s
        if $I2
          local.get $l3
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $l3
        i64.const 65558
        local.get $l3
        local.get $l3
        i64.const 65558
        i64.gt_s
        select
        local.tee $l3
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 22
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
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
      local.set $l3
      local.get $l3
      i64.const 22
      i64.lt_s
      if $I3
        global.get $__wasm_harden_fuel
        local.get $l3
        i64.add
        local.tee $l3
        i64.const 0
        i64.lt_s
        if $I4
          local.get $l3
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $l3
        i64.const 65558
        local.get $l3
        local.get $l3
        i64.const 65558
        i64.gt_s
        select
        local.tee $l3
        i64.sub
        global.set $__wasm_harden_fuel
      end
      global.get $g2
      table.init $T0 $e0
    end
    global.get $__wasm_harden_fuel
    local.get $l3
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I5
      unreachable
    end)
  (func $copy (type $t1) (param $p0 i32) (param $p1 i32) (param $p2 i32)
    (local $l3 i64) (local $l4 i32)
    block $B0
      local.get $l3
      i64.const 4
      i64.sub
      local.set $l3
      local.get $l3
      i64.const 22
      i64.lt_s
      if $I1
        global.get $__wasm_harden_fuel
        local.get $l3
        i64.add
        local.tee $l3
        i64.const 0
        i64.lt_s
        if $I2
          local.get $l3
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $l3
        i64.const 65558
        local.get $l3
        local.get $l3
        i64.const 65558
        i64.gt_s
        select
        local.tee $l3
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 22
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
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
      local.set $l3
      local.get $l3
      i64.const 22
      i64.lt_s
      if $I3
        global.get $__wasm_harden_fuel
        local.get $l3
        i64.add
        local.tee $l3
        i64.const 0
        i64.lt_s
        if $I4
          local.get $l3
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $l3
        i64.const 65558
        local.get $l3
        local.get $l3
        i64.const 65558
        i64.gt_s
        select
        local.tee $l3
        i64.sub
        global.set $__wasm_harden_fuel
      end
      global.get $g2
      table.copy $T0 $T0
    end
    global.get $__wasm_harden_fuel
    local.get $l3
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I5
      unreachable
    end)
  (func $fill (type $t2) (param $p0 i32) (param $p1 i32)
    (local $l2 i64) (local $l3 i32)
    block $B0
      local.get $l2
      i64.const 4
      i64.sub
      local.set $l2
      local.get $l2
      i64.const 22
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
        i64.const 65558
        local.get $l2
        local.get $l2
        i64.const 65558
        i64.gt_s
        select
        local.tee $l2
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 22
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
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
      local.set $l2
      local.get $l2
      i64.const 22
      i64.lt_s
      if $I3
        global.get $__wasm_harden_fuel
        local.get $l2
        i64.add
        local.tee $l2
        i64.const 0
        i64.lt_s
        if $I4
          local.get $l2
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $l2
        i64.const 65558
        local.get $l2
        local.get $l2
        i64.const 65558
        i64.gt_s
        select
        local.tee $l2
        i64.sub
        global.set $__wasm_harden_fuel
      end
      global.get $g2
      table.fill $T0
    end
    global.get $__wasm_harden_fuel
    local.get $l2
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I5
      unreachable
    end)
  (func $drop (type $t3)
    (local $l0 i64) (local $l1 i32)
    block $B0
      local.get $l0
      i64.const 1
      i64.sub
      local.set $l0
      local.get $l0
      i64.const 22
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
        i64.const 65558
        local.get $l0
        local.get $l0
        i64.const 65558
        i64.gt_s
        select
        local.tee $l0
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 22
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      elem.drop $e0
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
  (func $size (type $t0) (result i32)
    (local $l0 i64) (local $l1 i32)
    block $B0 (result i32)
      local.get $l0
      i64.const 1
      i64.sub
      local.set $l0
      local.get $l0
      i64.const 22
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
        i64.const 65558
        local.get $l0
        local.get $l0
        i64.const 65558
        i64.gt_s
        select
        local.tee $l0
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 22
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
  (func $isnull (type $t4) (param $p0 i32) (result i32)
    (local $l1 i64) (local $l2 i32)
    block $B0 (result i32)
      local.get $l1
      i64.const 3
      i64.sub
      local.set $l1
      local.get $l1
      i64.const 22
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
        i64.const 65558
        local.get $l1
        local.get $l1
        i64.const 65558
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 22
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      local.get $p0
      table.get $T0
      ref.is_null
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
  (func $call (type $t4) (param $p0 i32) (result i32)
    (local $l1 i64) (local $l2 i32)
    global.get $__wasm_harden_depth
    i32.const 152
    i32.add
    local.tee $l2
    i32.const 262144
    i32.gt_u
    if $I0
      local.get $l2
      global.set $__wasm_harden_depth
      unreachable
    end
    block $B1 (result i32)
      local.get $l1
      i64.const 2
      i64.sub
      local.set $l1
      local.get $l1
      i64.const 22
      i64.lt_s
      if $I2
        global.get $__wasm_harden_fuel
        local.get $l1
        i64.add
        local.tee $l1
        i64.const 0
        i64.lt_s
        if $I3
          local.get $l1
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $l1
        i64.const 65558
        local.get $l1
        local.get $l1
        i64.const 65558
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 22
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      local.get $p0
      global.get $__wasm_harden_fuel
      local.get $l1
      i64.add
      global.set $__wasm_harden_fuel
      local.get $l2
      global.set $__wasm_harden_depth
      call_indirect $T0 (type $t0)
      i64.const 0
      local.set $l1
      local.get $l1
      i64.const 22
      i64.lt_s
      if $I4
        global.get $__wasm_harden_fuel
        local.get $l1
        i64.add
        local.tee $l1
        i64.const 0
        i64.lt_s
        if $I5
          local.get $l1
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $l1
        i64.const 65558
        local.get $l1
        local.get $l1
        i64.const 65558
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 22
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
    end
    local.get $l2
    i32.const 152
    i32.sub
    global.set $__wasm_harden_depth
    global.get $__wasm_harden_fuel
    local.get $l1
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I6
      unreachable
    end)
  (table $T0 8 100000 funcref)
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g2 (mut i32) (i32.const 0))
  (global $g3 (mut i64) (i64.const 22))
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
