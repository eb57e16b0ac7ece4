;; crc32: table-driven CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), one byte per iteration: a
;; load, a dependent table lookup and a shift per byte.
;;   crc32(ptr, len) → the CRC-32 of memory[ptr, ptr + len) (crc32("123456789") = 0xCBF43926), using the
;;                     table at 0, which run() builds
;;   run(n) → builds the table, fills n pseudo-random bytes at 1024 and returns their CRC-32; n ≤ 8 MiB - 1 KiB.
(module
  (memory (export "memory") 128 128)
  (func $table
    (local $i i32) (local $c i32) (local $k i32)
    (loop $entries
      (local.set $c (local.get $i))
      (local.set $k (i32.const 8))
      (loop $bits
        (local.set $c
          (i32.xor (i32.shr_u (local.get $c) (i32.const 1))
                   (i32.and (i32.const 0xEDB88320) (i32.sub (i32.const 0) (i32.and (local.get $c) (i32.const 1))))))
        (br_if $bits (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $c))
      (br_if $entries (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 256)))))
  (func $crc32 (export "crc32") (param $p i32) (param $len i32) (result i32)
    (local $crc i32) (local $end i32)
    (local.set $crc (i32.const -1))
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $crc
          (i32.xor
            (i32.load (i32.shl (i32.and (i32.xor (local.get $crc) (i32.load8_u (local.get $p))) (i32.const 255)) (i32.const 2)))
            (i32.shr_u (local.get $crc) (i32.const 8))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $bytes)))
    (i32.xor (local.get $crc) (i32.const -1)))
  (func (export "run") (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $s i32)
    (call $table)
    (local.set $p (i32.const 1024))
    (local.set $end (i32.add (i32.const 1024) (local.get $n)))
    (local.set $s (i32.const 0x2545F491))
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 1664525)) (i32.const 1013904223)))
        (i32.store8 (local.get $p) (i32.shr_u (local.get $s) (i32.const 24)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $fill)))
    (call $crc32 (i32.const 1024) (local.get $n))))
