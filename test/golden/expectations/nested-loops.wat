;; test/golden/fixtures/nested-loops.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (param i32 i32) (result i32)))
  (func $grid (type $t0) (param $p0 i32) (param $p1 i32) (result i32)
    (local $l2 i32) (local $l3 i32) (local $l4 i32) (local $l5 i64) (local $l6 i32) (local $l7 i64)
    block $B0 (result i32)
      local.get $l5
      i64.const 5
      i64.sub
      local.set $l5
      local.get $l5
      i64.const 122
      i64.lt_s
      if $I1
        global.get $__wasm_harden_fuel
        local.get $l5
        i64.add
        local.tee $l5
        i64.const 0
        i64.lt_s
        if $I2
          local.get $l5
          global.set $__wasm_harden_fuel
          unreachable
        end
        local.get $l5
        i64.const 65658
        local.get $l5
        local.get $l5
        i64.const 65658
        i64.gt_s
        select
        local.tee $l5
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 122
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      block $B3
        i64.const 122
        local.set $l7
        loop $L4
          local.get $l5
          local.get $l7
          i64.lt_s
          if $I5
            global.get $__wasm_harden_fuel
            local.get $l5
            i64.add
            local.tee $l5
            i64.const 0
            i64.lt_s
            if $I6
              local.get $l5
              global.set $__wasm_harden_fuel
              unreachable
            end
            local.get $l5
            i64.const 65658
            local.get $l5
            local.get $l5
            i64.const 65658
            i64.gt_s
            select
            local.tee $l5
            i64.sub
            global.set $__wasm_harden_fuel
            i64.const 0
            i64.const 122
            global.get $__wasm_harden_fuel
            i64.eqz
            select
            global.set $g3
            global.get $g3
            local.set $l7
          end
          loop $L7
            local.get $l5
            local.get $l7
            i64.lt_s
            br_if $L4
            local.get $l2
            local.get $p0
            i32.ge_u
            br_if $B3
            local.get $l5
            i64.const 8
            i64.sub
            local.set $l5
            i32.const 0
            local.set $l3
            block $B8
              i64.const 122
              local.set $l7
              loop $L9
                local.get $l5
                local.get $l7
                i64.lt_s
                if $I10
                  global.get $__wasm_harden_fuel
                  local.get $l5
                  i64.add
                  local.tee $l5
                  i64.const 0
                  i64.lt_s
                  if $I11
                    local.get $l5
                    global.set $__wasm_harden_fuel
                    unreachable
                  end
                  local.get $l5
                  i64.const 65658
                  local.get $l5
                  local.get $l5
                  i64.const 65658
                  i64.gt_s
                  select
                  local.tee $l5
                  i64.sub
                  global.set $__wasm_harden_fuel
                  i64.const 0
                  i64.const 122
                  global.get $__wasm_harden_fuel
                  i64.eqz
                  select
                  global.set $g3
                  global.get $g3
                  local.set $l7
                end
                loop $L12
                  local.get $l5
                  local.get $l7
                  i64.lt_s
                  br_if $L9
                  local.get $l3
                  local.get $p1
                  i32.ge_u
                  br_if $B8
                  local.get $l5
                  i64.const 13
                  i64.sub
                  local.set $l5
                  local.get $l4
                  i32.const 1
                  i32.add
                  local.set $l4
                  local.get $l3
                  i32.const 1
                  i32.add
                  local.set $l3
                  br $L12
                end
              end
            end
            local.get $l5
            i64.const 9
            i64.sub
            local.set $l5
            local.get $l2
            i32.const 1
            i32.add
            local.set $l2
            br $L7
          end
        end
      end
      local.get $l5
      i64.const 5
      i64.sub
      local.set $l5
      local.get $l4
    end
    global.get $__wasm_harden_fuel
    local.get $l5
    i64.add
    global.set $__wasm_harden_fuel
    global.get $__wasm_harden_fuel
    i64.const 0
    i64.lt_s
    if $I13
      unreachable
    end)
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g2 (mut i32) (i32.const 0))
  (global $g3 (mut i64) (i64.const 122))
  (export "grid" (func $grid))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth)))
