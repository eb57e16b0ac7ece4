;; test/golden/fixtures/calls.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (param i32) (result i32)))
  (type $t1 (func (param i32 i32) (result i32)))
  (type $t2 (func (param i32 i64 i32) (result i32 i64)))
  (type $t3 (func (param i32 i32 i64 i32) (result i32 i64)))
  (import "env" "twice" (func $env.twice (type $t0)))
  (func $f1 (type $t2) (param $p0 i32) (param $p1 i64) (param $p2 i32) (result i32 i64)
    block $B0 (result i32)
      local.get $p1
      i64.const 3
      i64.sub
      local.set $p1
      local.get $p0
      i32.const 1
      i32.add
    end
    local.get $p1
    i64.const 60
    i64.lt_s
    if $I1
      global.get $__wasm_harden_fuel
      local.get $p1
      i64.add
      local.tee $p1
      i64.const 0
      i64.lt_s
      if $I2
        local.get $p1
        global.set $__wasm_harden_fuel
        unreachable
      end
      local.get $p1
      i64.const 65596
      local.get $p1
      local.get $p1
      i64.const 65596
      i64.gt_s
      select
      local.tee $p1
      i64.sub
      global.set $__wasm_harden_fuel
    end
    local.get $p1)
  (func $f2 (type $t2) (param $p0 i32) (param $p1 i64) (param $p2 i32) (result i32 i64)
    (local $l3 i32)
    block $B0 (result i32)
      local.get $p1
      i64.const 5
      i64.sub
      local.set $p1
      local.get $p0
      local.tee $l3
      local.get $l3
      i32.mul
    end
    local.get $p1
    i64.const 60
    i64.lt_s
    if $I1
      global.get $__wasm_harden_fuel
      local.get $p1
      i64.add
      local.tee $p1
      i64.const 0
      i64.lt_s
      if $I2
        local.get $p1
        global.set $__wasm_harden_fuel
        unreachable
      end
      local.get $p1
      i64.const 65596
      local.get $p1
      local.get $p1
      i64.const 65596
      i64.gt_s
      select
      local.tee $p1
      i64.sub
      global.set $__wasm_harden_fuel
    end
    local.get $p1)
  (func $direct (type $t0) (param $p0 i32) (result i32)
    (local $l1 i64) (local $l2 i32)
    block $B0 (result i32)
      local.get $l1
      i64.const 3
      i64.sub
      local.set $l1
      local.get $l1
      i64.const 60
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
        i64.const 65596
        local.get $l1
        local.get $l1
        i64.const 65596
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 60
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      local.get $p0
      local.get $l1
      local.get $l2
      call $f1
      local.set $l1
      local.get $l1
      local.get $l2
      call $f1
      local.set $l1
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
  (func $host (type $t0) (param $p0 i32) (result i32)
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
      i64.const 3
      i64.sub
      local.set $l1
      local.get $l1
      i64.const 60
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
        i64.const 65596
        local.get $l1
        local.get $l1
        i64.const 65596
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 60
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
      call $env.twice
      i64.const 0
      local.set $l1
      local.get $l1
      i64.const 60
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
        i64.const 65596
        local.get $l1
        local.get $l1
        i64.const 65596
        i64.gt_s
        select
        local.tee $l1
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 60
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      local.get $l1
      local.get $l2
      call $f1
      local.set $l1
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
  (func $indirect (type $t1) (param $p0 i32) (param $p1 i32) (result i32)
    (local $l2 i64) (local $l3 i32)
    global.get $__wasm_harden_depth
    i32.const 176
    i32.add
    local.tee $l3
    i32.const 262144
    i32.gt_u
    if $I0
      local.get $l3
      global.set $__wasm_harden_depth
      unreachable
    end
    block $B1 (result i32)
      local.get $l2
      i64.const 3
      i64.sub
      local.set $l2
      local.get $l2
      i64.const 60
      i64.lt_s
      if $I2
        global.get $__wasm_harden_fuel
        local.get $l2
        i64.add
        local.tee $l2
        i64.const 0
        i64.lt_s
        if $I3
          local.get $l2
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $l2
        i64.const 65596
        local.get $l2
        local.get $l2
        i64.const 65596
        i64.gt_s
        select
        local.tee $l2
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 60
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      local.get $p1
      local.get $p0
      global.set $g2
      local.get $l2
      local.get $l3
      global.get $g2
      call_indirect $T0 (type $t2)
      local.set $l2
    end
    local.get $l3
    i32.const 176
    i32.sub
    global.set $__wasm_harden_depth
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
  (func $count (type $t0) (param $p0 i32) (result i32)
    (local $l1 i32) (local $l2 i64) (local $l3 i32)
    block $B0 (result i32)
      local.get $l2
      i64.const 3
      i64.sub
      local.set $l2
      local.get $l2
      i64.const 60
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
        i64.const 65596
        local.get $l2
        local.get $l2
        i64.const 65596
        i64.gt_s
        select
        local.tee $l2
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 60
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      block $B3
        loop $L4
          local.get $l2
          i64.const 3
          i64.sub
          local.set $l2
          local.get $l2
          i64.const 60
          i64.lt_s
          if $I5
            global.get $__wasm_harden_fuel
            local.get $l2
            i64.add
            local.tee $l2
            i64.const 0
            i64.lt_s
            if $I6
              local.get $l2
              global.set $__wasm_harden_fuel
              unreachable
            end
            local.get $l2
            i64.const 65596
            local.get $l2
            local.get $l2
            i64.const 65596
            i64.gt_s
            select
            local.tee $l2
            i64.sub
            global.set $__wasm_harden_fuel
          end
          local.get $p0
          i32.eqz
          br_if $B3
          local.get $l2
          i64.const 8
          i64.sub
          local.set $l2
          local.get $l1
          local.get $l2
          local.get $l3
          call $f1
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
      local.set $l2
      local.get $l1
    end
    global.get $__wasm_harden_fuel
    local.get $l2
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I7
      unreachable
    end)
  (table $T0 2 100000 funcref)
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g2 (mut i32) (i32.const 0))
  (global $g3 (mut i64) (i64.const 60))
  (export "direct" (func $direct))
  (export "host" (func $host))
  (export "indirect" (func $indirect))
  (export "count" (func $count))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth))
  (elem $e0 (i32.const 0) func $f1 $f2))
