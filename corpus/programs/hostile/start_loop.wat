;; An infinite loop in the start function: it runs during instantiation, before the host can call anything.
(module (func $start (loop $forever (br $forever))) (start $start) (func (export "never") (result i32) (i32.const 1)))
