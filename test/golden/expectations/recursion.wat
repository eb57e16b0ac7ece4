;; test/golden/fixtures/recursion.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (param i32) (result i32)))
  (func $sum (type $t0) (param $p0 i32) (result i32)
    (local $l1 i64)
    global.get $__wasm_harden_depth
    i32.const 168
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
      i32.eqz
      if $I3
        local.get $l1
        i64.const 2
        i64.sub
        local.tee $l1
        global.set $__wasm_harden_fuel
        i32.const 0
        br $B1
      end
      local.get $l1
      i64.const 6
      i64.sub
      local.tee $l1
      global.set $__wasm_harden_fuel
      local.get $p0
      local.get $p0
      i32.const 1
      i32.sub
      call $sum
      global.get $__wasm_harden_fuel
      local.set $l1
      i32.add
    end
    global.get $__wasm_harden_depth
    i32.const 168
    i32.sub
    global.set $__wasm_harden_depth
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I4
      unreachable
    end)
  (func $early (type $t0) (param $p0 i32) (result i32)
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
    i32.const 7
    local.get $p0
    br_if 0 (;@0;)
    local.get $l1
    i64.const 2
    i64.sub
    local.tee $l1
    global.set $__wasm_harden_fuel
    drop
    i32.const 8)
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g2 (mut i32) (i32.const 0))
  (export "sum" (func $sum))
  (export "early" (func $early))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth)))
