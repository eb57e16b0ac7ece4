;; Unbounded recursion through call_indirect (a stack limiter that only counts direct calls misses it).
(module
  (type $t (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $again)
  (func $again (export "again") (param $n i32) (result i32)
    (call_indirect (type $t) (i32.add (local.get $n) (i32.const 1)) (i32.const 0))))
