;; test/golden/fixtures/multi-value.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (param i32 i32) (result i32 i32)))
  (type $t1 (func (param i32) (result i32 i32)))
  (type $t2 (func (result i32 i32)))
  (func $swap (type $t0) (param $p0 i32) (param $p1 i32) (result i32 i32)
    (local $l2 i64) (local $l3 i32)
    block $B0 (result i32 i32)
      local.get $l2
      i64.const 2
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
      local.get $p1
      local.get $p0
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
  (func $divmod (type $t0) (param $p0 i32) (param $p1 i32) (result i32 i32)
    (local $l2 i64) (local $l3 i32)
    block $B0 (result i32 i32)
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
      local.get $p1
      i32.eqz
      if $I3
        local.get $l2
        i64.const 3
        i64.sub
        local.set $l2
        i32.const 0
        i32.const 0
        br $B0
      end
      local.get $l2
      i64.const 6
      i64.sub
      local.set $l2
      local.get $p0
      local.get $p1
      i32.div_u
      local.get $p0
      local.get $p1
      i32.rem_u
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
  (func $fibpair (type $t1) (param $p0 i32) (result i32 i32)
    (local $l1 i32) (local $l2 i32) (local $l3 i64) (local $l4 i32)
    block $B0 (result i32 i32)
      local.get $l3
      i64.const 5
      i64.sub
      local.set $l3
      local.get $l3
      i64.const 60
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
        i64.const 65596
        local.get $l3
        local.get $l3
        i64.const 65596
        i64.gt_s
        select
        local.tee $l3
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 60
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      i32.const 0
      i32.const 1
      loop $L3 (param i32 i32) (result i32 i32)
        local.get $l3
        i64.const 0
        i64.lt_s
        if $I4
          global.get $__wasm_harden_fuel
          local.get $l3
          i64.add
          local.tee $l3
          i64.const 0
          i64.lt_s
          if $I5
            local.get $l3
            global.set $__wasm_harden_fuel
            unreachable
          end
          local.get $l3
          i64.const 65596
          local.get $l3
          local.get $l3
          i64.const 65596
          i64.gt_s
          select
          local.tee $l3
          i64.sub
          global.set $__wasm_harden_fuel
          i64.const 0
          i64.const 60
          global.get $__wasm_harden_fuel
          i64.eqz
          select
          global.set $g3
          local.get $l3
          i64.const 11
          i64.add
          local.set $l3
        end
        loop $L6 (param i32 i32) (result i32 i32)
          local.get $l3
          i64.const 11
          i64.sub
          local.tee $l3
          i64.const 0
          i64.lt_s
          br_if $L3
          local.set $l2
          local.set $l1
          local.get $l2
          local.get $l1
          local.get $l2
          i32.add
          local.get $p0
          i32.const 1
          i32.sub
          local.tee $p0
          br_if $L6
        end
      end
    end
    global.get $__wasm_harden_fuel
    local.get $l3
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I7
      unreachable
    end)
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g2 (mut i32) (i32.const 0))
  (global $g3 (mut i64) (i64.const 60))
  (export "swap" (func $swap))
  (export "divmod" (func $divmod))
  (export "fibpair" (func $fibpair))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth)))
