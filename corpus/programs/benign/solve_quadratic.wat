;; Real roots of a·x² + b·x + c = 0 as two results (larger first); NaN, NaN when there are none.
(module
  (func (export "solve_quadratic") (param $a f64) (param $b f64) (param $c f64) (result f64 f64)
    (local $d f64) (local $s f64)
    (local.set $d (f64.sub (f64.mul (local.get $b) (local.get $b)) (f64.mul (f64.const 4) (f64.mul (local.get $a) (local.get $c)))))
    (if (result f64 f64) (f64.lt (local.get $d) (f64.const 0))
      (then (f64.const nan) (f64.const nan))
      (else
        (local.set $s (f64.sqrt (local.get $d)))
        (f64.div (f64.add (f64.neg (local.get $b)) (local.get $s)) (f64.mul (f64.const 2) (local.get $a)))
        (f64.div (f64.sub (f64.neg (local.get $b)) (local.get $s)) (f64.mul (f64.const 2) (local.get $a)))))))
