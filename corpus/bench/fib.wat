;; fib: naive doubly recursive Fibonacci, the call-heavy kernel (every call pays the stack limit's
;; prologue and epilogue and a fuel check at entry).
;;   run(n) = fib(n): fib(20) = 6765, fib(30) = 832040 (about 2.7 million calls).
(module
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "run") (param $n i32) (result i32)
    (call $fib (local.get $n))))
