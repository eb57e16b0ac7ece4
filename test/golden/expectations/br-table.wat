;; test/golden/fixtures/br-table.wat hardened with fuel 1000000000000000.
;; Generated: BLESS=1 npx vitest run test/golden
(module
  (type $t0 (func (param i32) (result i32)))
  (func $switch (type $t0) (param $p0 i32) (result i32)
    (local $l1 i64)
    global.get $__wasm_harden_fuel
    local.set $l1
    local.get $l1
    i64.const 6
    i64.sub
    local.tee $l1
    global.set $__wasm_harden_fuel
    local.get $l1
    i64.const 0
    i64.lt_s
    if $I0
      unreachable
    end
    block $B1
      block $B2
        block $B3
          block $B4
            local.get $p0
            br_table $B4 $B3 $B2 $B1
          end
          local.get $l1
          i64.const 2
          i64.sub
          local.tee $l1
          global.set $__wasm_harden_fuel
          i32.const 100
          return
        end
        local.get $l1
        i64.const 4
        i64.sub
        local.tee $l1
        global.set $__wasm_harden_fuel
        local.get $p0
        i32.const 200
        i32.add
        return
      end
      local.get $l1
      i64.const 1
      i64.sub
      local.tee $l1
      global.set $__wasm_harden_fuel
      nop
    end
    local.get $l1
    i64.const 1
    i64.sub
    local.tee $l1
    global.set $__wasm_harden_fuel
    i32.const -1)
  (global $__wasm_harden_fuel (mut i64) (i64.const 1000000000000000))
  (global $__wasm_harden_depth (mut i32) (i32.const 0))
  (global $g2 (mut i32) (i32.const 0))
  (export "switch" (func $switch))
  (export "__wasm_harden_fuel" (global $__wasm_harden_fuel))
  (export "__wasm_harden_depth" (global $__wasm_harden_depth)))
