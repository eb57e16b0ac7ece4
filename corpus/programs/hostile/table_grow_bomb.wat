(module
  (table (export "table") 1 funcref)
  (func (export "grow_all") (result i32)
    (block $full (loop $more
      (br_if $full (i32.eq (table.grow (ref.null func) (i32.const 1000)) (i32.const -1)))
      (br $more)))
    (table.size)))
