;; matmul: C = A × B for n×n f64 matrices, row-major, the naive triple loop (inner product over k with
;; a strided walk down B's column). A and B are filled with small integers, so every product and sum is
;; exact and the result does not depend on evaluation order.
;;   run(n) → checksum of C (h = h·31 + i32(C[i][j]) over every element), n ≤ 400.
;; Memory: A at 0, B at 8n², C at 16n² (24n² bytes ≤ 4 MiB).
(module
  (memory 64 64)
  (func (export "run") (param $n i32) (result i32)
    (local $nn i32) (local $i i32) (local $j i32) (local $k i32)
    (local $b i32) (local $c i32) (local $pa i32) (local $pb i32) (local $row i32) (local $stride i32)
    (local $sum f64) (local $h i32)
    (local.set $nn (i32.mul (local.get $n) (local.get $n)))
    (local.set $b (i32.shl (local.get $nn) (i32.const 3)))
    (local.set $c (i32.shl (local.get $nn) (i32.const 4)))
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    ;; A[i] = (7i + 3) mod 13 - 6, B[i] = (5i + 1) mod 11 - 5
    (local.set $i (i32.const 0))
    (block $done
      (loop $fill
        (br_if $done (i32.ge_u (local.get $i) (local.get $nn)))
        (f64.store (i32.shl (local.get $i) (i32.const 3))
          (f64.convert_i32_s (i32.sub (i32.rem_u (i32.add (i32.mul (local.get $i) (i32.const 7)) (i32.const 3)) (i32.const 13)) (i32.const 6))))
        (f64.store (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3)))
          (f64.convert_i32_s (i32.sub (i32.rem_u (i32.add (i32.mul (local.get $i) (i32.const 5)) (i32.const 1)) (i32.const 11)) (i32.const 5))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill)))
    ;; C[i][j] = Σk A[i][k] · B[k][j]
    (local.set $i (i32.const 0))
    (block $idone
      (loop $iloop
        (br_if $idone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $row (i32.mul (local.get $i) (local.get $stride)))
        (local.set $j (i32.const 0))
        (block $jdone
          (loop $jloop
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $sum (f64.const 0))
            (local.set $pa (local.get $row))
            (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $k (local.get $n))
            (loop $kloop
              (local.set $sum (f64.add (local.get $sum) (f64.mul (f64.load (local.get $pa)) (f64.load (local.get $pb)))))
              (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
              (local.set $pb (i32.add (local.get $pb) (local.get $stride)))
              (br_if $kloop (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
            (f64.store (i32.add (i32.add (local.get $c) (local.get $row)) (i32.shl (local.get $j) (i32.const 3))) (local.get $sum))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jloop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop)))
    ;; checksum
    (local.set $i (i32.const 0))
    (block $hdone
      (loop $hloop
        (br_if $hdone (i32.ge_u (local.get $i) (local.get $nn)))
        (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31))
          (i32.trunc_f64_s (f64.load (i32.add (local.get $c) (i32.shl (local.get $i) (i32.const 3)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $hloop)))
    (local.get $h)))
