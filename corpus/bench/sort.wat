;; sort: recursive quicksort (Hoare partition, middle pivot, recursion on the left part and a loop on
;; the right) of n pseudo-random i32 in linear memory: compare-and-branch heavy, data-dependent branches.
;;   run(n) → checksum of the sorted array (h = h·31 + a[i]), or -1 if it is not sorted; n ≤ 262144.
(module
  (memory 16 16)
  (func $qsort (param $lo i32) (param $hi i32)
    (local $i i32) (local $j i32) (local $p i32) (local $t i32)
    (loop $tail
      (if (i32.ge_s (local.get $lo) (local.get $hi)) (then (return)))
      (local.set $p (i32.load (i32.shl (i32.shr_u (i32.add (local.get $lo) (local.get $hi)) (i32.const 1)) (i32.const 2))))
      (local.set $i (i32.sub (local.get $lo) (i32.const 1)))
      (local.set $j (i32.add (local.get $hi) (i32.const 1)))
      (block $parted
        (loop $part
          (loop $up
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $up (i32.lt_s (i32.load (i32.shl (local.get $i) (i32.const 2))) (local.get $p))))
          (loop $down
            (local.set $j (i32.sub (local.get $j) (i32.const 1)))
            (br_if $down (i32.gt_s (i32.load (i32.shl (local.get $j) (i32.const 2))) (local.get $p))))
          (br_if $parted (i32.ge_s (local.get $i) (local.get $j)))
          (local.set $t (i32.load (i32.shl (local.get $i) (i32.const 2))))
          (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.load (i32.shl (local.get $j) (i32.const 2))))
          (i32.store (i32.shl (local.get $j) (i32.const 2)) (local.get $t))
          (br $part)))
      (call $qsort (local.get $lo) (local.get $j))
      (local.set $lo (i32.add (local.get $j) (i32.const 1)))
      (br $tail)))
  (func (export "run") (param $n i32) (result i32)
    (local $i i32) (local $s i32) (local $h i32) (local $prev i32) (local $x i32)
    ;; fill with an LCG (state · 1664525 + 1013904223), keeping the high bits
    (local.set $s (i32.const 12345))
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 1664525)) (i32.const 1013904223)))
        (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.shr_s (local.get $s) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill)))
    (call $qsort (i32.const 0) (i32.sub (local.get $n) (i32.const 1)))
    ;; verify and hash
    (local.set $prev (i32.const 0x80000000))
    (local.set $i (i32.const 0))
    (block $checked
      (loop $check
        (br_if $checked (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i32.load (i32.shl (local.get $i) (i32.const 2))))
        (if (i32.lt_s (local.get $x) (local.get $prev)) (then (return (i32.const -1))))
        (local.set $prev (local.get $x))
        (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31)) (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $check)))
    (local.get $h)))
