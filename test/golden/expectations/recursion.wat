;; test/golden/fixtures/recursion.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (param i32) (result i32)))
  (type $t1 (func (param i32 i64 i32) (result i32 i64)))
  (func $sum (type $t0) (param $p0 i32) (result i32)
    (local $l1 i32) (local $l2 i64)
    local.get $l2
    i64.const 40
    i64.lt_s
    if $I0
      global.get $__wasm_harden_fuel
      local.get $l2
      i64.add
      local.tee $l2
      i64.const 0
      i64.lt_s
      if $I1
        local.get $l2
        global.set $__wasm_harden_fuel
        unreachable
      end
      local.get $l2
      i64.const 65576
      local.get $l2
      local.get $l2
      i64.const 65576
      i64.gt_s
      select
      local.tee $l2
      i64.sub
      global.set $__wasm_harden_fuel
      i64.const 0
      i64.const 40
      global.get $__wasm_harden_fuel
      i64.eqz
      select
      global.set $g3
    end
    local.get $p0
    local.get $l2
    global.get $__wasm_harden_depth
    local.tee $l1
    call $f2
    global.get $__wasm_harden_fuel
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I2
      unreachable
    end
    local.get $l1
    global.set $__wasm_harden_depth)
  (func $early (type $t0) (param $p0 i32) (result i32)
    (local $l1 i64) (local $l2 i32)
    block $B0 (result i32)
      local.get $l1
      i64.const 3
      i64.sub
      local.set $l1
      local.get $l1
      i64.const 40
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
        i64.const 65576
        local.get $l1
        local.get $l1
        i64.const 65576
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 40
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      i32.const 7
      local.get $p0
      br_if $B0
      local.get $l1
      i64.const 2
      i64.sub
      local.set $l1
      drop
      i32.const 8
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
  (func $f2 (type $t1) (param $p0 i32) (param $p1 i64) (param $p2 i32) (result i32 i64)
    local.get $p2
    i32.const 168
    i32.add
    local.tee $p2
    i32.const 262144
    i32.gt_u
    if $I0
      local.get $p2
      global.set $__wasm_harden_depth
      unreachable
    end
    block $B1 (result i32)
      local.get $p0
      i32.eqz
      if $I2
        local.get $p1
        i64.const 5
        i64.sub
        local.set $p1
        i32.const 0
        br $B1
      end
      local.get $p1
      i64.const 9
      i64.sub
      local.set $p1
      local.get $p1
      i64.const 40
      i64.lt_s
      if $I3
        global.get $__wasm_harden_fuel
        local.get $p1
        i64.add
        local.tee $p1
        i64.const 0
        i64.lt_s
        if $I4
          local.get $p1
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $p1
        i64.const 65576
        local.get $p1
        local.get $p1
        i64.const 65576
        i64.gt_s
        select
        local.tee $p1
        i64.sub
        global.set $__wasm_harden_fuel
      end
      local.get $p0
      local.get $p0
      i32.const 1
      i32.sub
      local.get $p1
      local.get $p2
      call $f2
      local.set $p1
      i32.add
    end
    local.get $p1
    i64.const 40
    i64.lt_s
    if $I5
      global.get $__wasm_harden_fuel
      local.get $p1
      i64.add
      local.tee $p1
      i64.const 0
      i64.lt_s
      if $I6
        local.get $p1
        global.set $__wasm_harden_fuel
        unreachable
      end
      local.get $p1
      i64.const 65576
      local.get $p1
      local.get $p1
      i64.const 65576
      i64.gt_s
      select
      local.tee $p1
      i64.sub
      global.set $__wasm_harden_fuel
    end
    local.get $p1)
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g2 (mut i32) (i32.const 0))
  (global $g3 (mut i64) (i64.const 40))
  (export "sum" (func $sum))
  (export "early" (func $early))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth)))
