;; Tries to reach the instrumentation's fuel counter to refill its own budget.
(module
  (import "__wasm_harden" "fuel" (global $fuel (mut i64)))
  (func (export "refuel") (global.set $fuel (i64.const 9223372036854775807))))
