;; A 4 GiB - 1 memory.fill on a memory that can grow to 1 GiB: refused on fuel before a byte is written.
(module
  (memory (export "memory") 1)
  (func (export "fill") (memory.fill (i32.const 0) (i32.const 0xff) (i32.const -1))))
