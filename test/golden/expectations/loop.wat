;; test/golden/fixtures/loop.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (param i32) (result i32)))
  (func $sum (type $t0) (param $p0 i32) (result i32)
    (local $l1 i32) (local $l2 i64) (local $l3 i32) (local $l4 i32) (local $l5 i32) (local $l6 i64) (local $l7 i64)
    block $B0 (result i32)
      local.get $l2
      i64.const 5
      i64.sub
      local.set $l2
      local.get $l2
      i64.const 62
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
        i64.const 65598
        local.get $l2
        local.get $l2
        i64.const 65598
        i64.gt_s
        select
        local.tee $l2
        i64.sub
        global.set $__wasm_harden_fuel
        i64.const 0
        i64.const 62
        global.get $__wasm_harden_fuel
        i64.eqz
        select
        global.set $g3
      end
      block $B3
        local.get $p0
        i32.eqz
        br_if $B3
        local.get $l2
        i64.const 1
        i64.sub
        local.set $l2
        block $B4
          local.get $p0
          i32.const 1
          i32.sub
          i32.const 15
          i32.lt_u
          if $I5
            loop $L6
              local.get $l2
              i64.const 0
              i64.lt_s
              if $I7
                global.get $__wasm_harden_fuel
                local.get $l2
                i64.add
                local.tee $l2
                i64.const 0
                i64.lt_s
                if $I8
                  local.get $l2
                  global.set $__wasm_harden_fuel
                  unreachable
                end
                local.get $l2
                i64.const 65598
                local.get $l2
                local.get $l2
                i64.const 65598
                i64.gt_s
                select
                local.tee $l2
                i64.sub
                global.set $__wasm_harden_fuel
                i64.const 0
                i64.const 62
                global.get $__wasm_harden_fuel
                i64.eqz
                select
                global.set $g3
                local.get $l2
                i64.const 9
                i64.add
                local.set $l2
              end
              loop $L9
                local.get $l2
                i64.const 9
                i64.sub
                local.tee $l2
                i64.const 0
                i64.lt_s
                br_if $L6
                local.get $l1
                local.get $p0
                i32.add
                local.set $l1
                local.get $p0
                i32.const 1
                i32.sub
                local.tee $p0
                br_if $L9
              end
            end
            br $B4
          end
          loop $L10
            local.get $l2
            i64.const 9
            i64.lt_s
            if $I11
              global.get $__wasm_harden_fuel
              local.get $l2
              i64.add
              local.tee $l2
              i64.const 9
              i64.lt_s
              if $I12
                local.get $l2
                i64.const 9
                i64.sub
                global.set $__wasm_harden_fuel
                unreachable
              end
              local.get $l2
              i64.const 65598
              local.get $l2
              local.get $l2
              i64.const 65598
              i64.gt_s
              select
              local.tee $l2
              i64.sub
              global.set $__wasm_harden_fuel
            end
            local.get $p0
            local.set $l5
            local.get $l2
            i64.const 9
            i64.div_u
            local.set $l6
            local.get $p0
            i64.extend_i32_u
            i64.const 4294967296
            local.get $p0
            select
            local.tee $l7
            local.get $l6
            local.get $l7
            local.get $l6
            i64.lt_u
            select
            local.set $l6
            local.get $p0
            local.get $l6
            i32.wrap_i64
            i32.sub
            local.set $l4
            local.get $l2
            local.get $l6
            i64.const 9
            i64.mul
            i64.sub
            local.set $l2
            loop $L13
              local.get $l1
              local.get $p0
              i32.add
              local.set $l1
              local.get $p0
              i32.const 1
              i32.sub
              local.tee $p0
              local.get $l4
              i32.ne
              br_if $L13
            end
            local.get $p0
            br_if $L10
          end
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
    if $I14
      unreachable
    end)
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g2 (mut i32) (i32.const 0))
  (global $g3 (mut i64) (i64.const 62))
  (export "sum" (func $sum))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth)))
