;; Reads a byte of a table in memory, with its own bounds check: -1 when the index is out of range.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "\01\02\03\05\08\0d\15\22")
  (func (export "safe_read") (param $i i32) (result i32)
    (if (result i32) (i32.ge_u (local.get $i) (i32.const 8))
      (then (i32.const -1))
      (else (i32.load8_u (local.get $i))))))
