;; Grows memory one page at a time until it fails, then reports how many pages it has.
(module
  (memory (export "memory") 1)
  (func (export "grow_all") (result i32)
    (block $full (loop $more
      (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
      (br $more)))
    (memory.size)))
