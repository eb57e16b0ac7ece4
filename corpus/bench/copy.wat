;; copy: a memory-bound i32 copy loop (a plain load/store loop, not memory.copy) between two 32 MiB
;; buffers, together twice the size of a 32 MiB L3 cache, so that every pass streams through DRAM.
;;   run(passes) → fills src (32 MiB at 0) pseudo-randomly, then `passes` times copies src to dst (32 MiB
;;   at 32 MiB) word by word and bumps one word of src; returns a checksum of dst.
(module
  (memory 1024 1024)
  (func (export "run") (param $passes i32) (result i32)
    (local $p i32) (local $s i32) (local $pass i32) (local $h i32)
    ;; fill src
    (local.set $s (i32.const 99991))
    (loop $fill
      (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 1664525)) (i32.const 1013904223)))
      (i32.store (local.get $p) (local.get $s))
      (br_if $fill (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (i32.const 0x2000000))))
    (block $copied
      (loop $passes
        (br_if $copied (i32.ge_u (local.get $pass) (local.get $passes)))
        (local.set $p (i32.const 0))
        (loop $words
          (i32.store offset=0x2000000 (local.get $p) (i32.load (local.get $p)))
          (br_if $words (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (i32.const 0x2000000))))
        ;; src[pass · 4099 mod 8M] += pass, so that every pass counts
        (local.set $p (i32.shl (i32.and (i32.mul (local.get $pass) (i32.const 4099)) (i32.const 0x7FFFFF)) (i32.const 2)))
        (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (local.get $pass)))
        (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
        (br $passes)))
    (local.set $p (i32.const 0))
    (loop $hash
      (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31)) (i32.load offset=0x2000000 (local.get $p))))
      (br_if $hash (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (i32.const 0x2000000))))
    (local.get $h)))
