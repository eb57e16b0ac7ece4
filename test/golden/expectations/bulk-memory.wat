;; test/golden/fixtures/bulk-memory.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (param i32 i32 i32)))
  (type $t1 (func))
  (type $t2 (func (param i32) (result i32)))
  (func $fill (type $t0) (param $p0 i32) (param $p1 i32) (param $p2 i32)
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
      memory.fill
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
  (func $copy (type $t0) (param $p0 i32) (param $p1 i32) (param $p2 i32)
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
      memory.copy
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
  (func $init (type $t0) (param $p0 i32) (param $p1 i32) (param $p2 i32)
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
      memory.init $d0
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
  (func $drop (type $t1)
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
      data.drop $d0
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
  (func $load (type $t2) (param $p0 i32) (result i32)
    (local $l1 i64) (local $l2 i32)
    block $B0 (result i32)
      local.get $l1
      i64.const 2
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
      i32.load8_u
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
  (memory $mem 1 16384)
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g2 (mut i32) (i32.const 0))
  (global $g3 (mut i64) (i64.const 22))
  (export "mem" (memory $mem))
  (export "fill" (func $fill))
  (export "copy" (func $copy))
  (export "init" (func $init))
  (export "drop" (func $drop))
  (export "load" (func $load))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth))
  (data $d0 "hello, world"))
