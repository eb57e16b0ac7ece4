;; sha256: SHA-256 (FIPS 180-4), 32-bit ALU work (rotates, xors, adds) in straight-line round bodies with
;; few branches: the best case for metering, which charges per straight-line segment.
;;   sha256(ptr, len) → pads the message at memory[ptr, ptr + len) in place (it writes up to 72 bytes past
;;                      its end), hashes it, stores the 32-byte digest at 512 and returns the xor of its
;;                      eight words
;;   run(n) → fills n pseudo-random bytes at 1024 and returns sha256(1024, n); n ≤ 4 MiB - 1100.
;; Memory: K at 0, the message schedule W at 256, the digest at 512, messages from 1024.
(module
  (memory (export "memory") 64 64)
  (data (i32.const 0)
    "\98\2f\8a\42" "\91\44\37\71" "\cf\fb\c0\b5" "\a5\db\b5\e9" "\5b\c2\56\39" "\f1\11\f1\59" "\a4\82\3f\92" "\d5\5e\1c\ab"
    "\98\aa\07\d8" "\01\5b\83\12" "\be\85\31\24" "\c3\7d\0c\55" "\74\5d\be\72" "\fe\b1\de\80" "\a7\06\dc\9b" "\74\f1\9b\c1"
    "\c1\69\9b\e4" "\86\47\be\ef" "\c6\9d\c1\0f" "\cc\a1\0c\24" "\6f\2c\e9\2d" "\aa\84\74\4a" "\dc\a9\b0\5c" "\da\88\f9\76"
    "\52\51\3e\98" "\6d\c6\31\a8" "\c8\27\03\b0" "\c7\7f\59\bf" "\f3\0b\e0\c6" "\47\91\a7\d5" "\51\63\ca\06" "\67\29\29\14"
    "\85\0a\b7\27" "\38\21\1b\2e" "\fc\6d\2c\4d" "\13\0d\38\53" "\54\73\0a\65" "\bb\0a\6a\76" "\2e\c9\c2\81" "\85\2c\72\92"
    "\a1\e8\bf\a2" "\4b\66\1a\a8" "\70\8b\4b\c2" "\a3\51\6c\c7" "\19\e8\92\d1" "\24\06\99\d6" "\85\35\0e\f4" "\70\a0\6a\10"
    "\16\c1\a4\19" "\08\6c\37\1e" "\4c\77\48\27" "\b5\bc\b0\34" "\b3\0c\1c\39" "\4a\aa\d8\4e" "\4f\ca\9c\5b" "\f3\6f\2e\68"
    "\ee\82\8f\74" "\6f\63\a5\78" "\14\78\c8\84" "\08\02\c7\8c" "\fa\ff\be\90" "\eb\6c\50\a4" "\f7\a3\f9\be" "\f2\78\71\c6"
  )
  (func $bswap (param $x i32) (result i32)
    (i32.or (i32.and (i32.rotl (local.get $x) (i32.const 8)) (i32.const 0x00FF00FF))
            (i32.and (i32.rotr (local.get $x) (i32.const 8)) (i32.const 0xFF00FF00))))
  (func $sha256 (export "sha256") (param $ptr i32) (param $len i32) (result i32)
    (local $total i32) (local $p i32) (local $end i32) (local $q i32) (local $x i32) (local $y i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32) (local $f i32) (local $g i32) (local $h i32)
    (local $h0 i32) (local $h1 i32) (local $h2 i32) (local $h3 i32) (local $h4 i32) (local $h5 i32) (local $h6 i32) (local $h7 i32)
    (local $t1 i32) (local $t2 i32)
    ;; padding: 0x80, zeros, then the length in bits as a big-endian u64
    (local.set $total (i32.shl (i32.add (i32.shr_u (i32.add (local.get $len) (i32.const 8)) (i32.const 6)) (i32.const 1)) (i32.const 6)))
    (local.set $p (i32.add (local.get $ptr) (local.get $len)))
    (local.set $end (i32.add (local.get $ptr) (local.get $total)))
    (i32.store8 (local.get $p) (i32.const 0x80))
    (block $zeroed
      (loop $zero
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $zeroed (i32.ge_u (local.get $p) (i32.sub (local.get $end) (i32.const 8))))
        (i32.store8 (local.get $p) (i32.const 0))
        (br $zero)))
    (i32.store (i32.sub (local.get $end) (i32.const 8)) (call $bswap (i32.shr_u (local.get $len) (i32.const 29))))
    (i32.store (i32.sub (local.get $end) (i32.const 4)) (call $bswap (i32.shl (local.get $len) (i32.const 3))))
    (local.set $h0 (i32.const 0x6a09e667)) (local.set $h1 (i32.const 0xbb67ae85))
    (local.set $h2 (i32.const 0x3c6ef372)) (local.set $h3 (i32.const 0xa54ff53a))
    (local.set $h4 (i32.const 0x510e527f)) (local.set $h5 (i32.const 0x9b05688c))
    (local.set $h6 (i32.const 0x1f83d9ab)) (local.set $h7 (i32.const 0x5be0cd19))
    (local.set $p (local.get $ptr))
    (loop $blocks
      ;; W[0..16) = the block's big-endian words
      (local.set $q (i32.const 0))
      (loop $load
        (i32.store offset=256 (local.get $q) (call $bswap (i32.load (i32.add (local.get $p) (local.get $q)))))
        (br_if $load (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 4))) (i32.const 64))))
      ;; W[16..64)
      (loop $expand
        (local.set $x (i32.load offset=196 (local.get $q)))  ;; W[t-15]
        (local.set $y (i32.load offset=248 (local.get $q)))  ;; W[t-2]
        (i32.store offset=256 (local.get $q)
          (i32.add
            (i32.add (i32.load offset=192 (local.get $q)) (i32.load offset=228 (local.get $q)))  ;; W[t-16] + W[t-7]
            (i32.add
              (i32.xor (i32.xor (i32.rotr (local.get $x) (i32.const 7)) (i32.rotr (local.get $x) (i32.const 18))) (i32.shr_u (local.get $x) (i32.const 3)))
              (i32.xor (i32.xor (i32.rotr (local.get $y) (i32.const 17)) (i32.rotr (local.get $y) (i32.const 19))) (i32.shr_u (local.get $y) (i32.const 10))))))
        (br_if $expand (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 4))) (i32.const 256))))
      (local.set $a (local.get $h0)) (local.set $b (local.get $h1)) (local.set $c (local.get $h2)) (local.set $d (local.get $h3))
      (local.set $e (local.get $h4)) (local.set $f (local.get $h5)) (local.set $g (local.get $h6)) (local.set $h (local.get $h7))
      (local.set $q (i32.const 0))
      (loop $rounds
        ;; t1 = h + Σ1(e) + ch(e, f, g) + K[t] + W[t]
        (local.set $t1
          (i32.add
            (i32.add (local.get $h)
              (i32.xor (i32.xor (i32.rotr (local.get $e) (i32.const 6)) (i32.rotr (local.get $e) (i32.const 11))) (i32.rotr (local.get $e) (i32.const 25))))
            (i32.add
              (i32.xor (i32.and (local.get $e) (local.get $f)) (i32.and (i32.xor (local.get $e) (i32.const -1)) (local.get $g)))
              (i32.add (i32.load (local.get $q)) (i32.load offset=256 (local.get $q))))))
        ;; t2 = Σ0(a) + maj(a, b, c)
        (local.set $t2
          (i32.add
            (i32.xor (i32.xor (i32.rotr (local.get $a) (i32.const 2)) (i32.rotr (local.get $a) (i32.const 13))) (i32.rotr (local.get $a) (i32.const 22)))
            (i32.xor (i32.xor (i32.and (local.get $a) (local.get $b)) (i32.and (local.get $a) (local.get $c))) (i32.and (local.get $b) (local.get $c)))))
        (local.set $h (local.get $g))
        (local.set $g (local.get $f))
        (local.set $f (local.get $e))
        (local.set $e (i32.add (local.get $d) (local.get $t1)))
        (local.set $d (local.get $c))
        (local.set $c (local.get $b))
        (local.set $b (local.get $a))
        (local.set $a (i32.add (local.get $t1) (local.get $t2)))
        (br_if $rounds (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 4))) (i32.const 256))))
      (local.set $h0 (i32.add (local.get $h0) (local.get $a))) (local.set $h1 (i32.add (local.get $h1) (local.get $b)))
      (local.set $h2 (i32.add (local.get $h2) (local.get $c))) (local.set $h3 (i32.add (local.get $h3) (local.get $d)))
      (local.set $h4 (i32.add (local.get $h4) (local.get $e))) (local.set $h5 (i32.add (local.get $h5) (local.get $f)))
      (local.set $h6 (i32.add (local.get $h6) (local.get $g))) (local.set $h7 (i32.add (local.get $h7) (local.get $h)))
      (br_if $blocks (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 64))) (local.get $end))))
    (i32.store offset=512 (i32.const 0) (call $bswap (local.get $h0)))
    (i32.store offset=516 (i32.const 0) (call $bswap (local.get $h1)))
    (i32.store offset=520 (i32.const 0) (call $bswap (local.get $h2)))
    (i32.store offset=524 (i32.const 0) (call $bswap (local.get $h3)))
    (i32.store offset=528 (i32.const 0) (call $bswap (local.get $h4)))
    (i32.store offset=532 (i32.const 0) (call $bswap (local.get $h5)))
    (i32.store offset=536 (i32.const 0) (call $bswap (local.get $h6)))
    (i32.store offset=540 (i32.const 0) (call $bswap (local.get $h7)))
    (i32.xor (i32.xor (i32.xor (local.get $h0) (local.get $h1)) (i32.xor (local.get $h2) (local.get $h3)))
             (i32.xor (i32.xor (local.get $h4) (local.get $h5)) (i32.xor (local.get $h6) (local.get $h7)))))
  (func (export "run") (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $s i32)
    (local.set $p (i32.const 1024))
    (local.set $end (i32.add (i32.const 1024) (local.get $n)))
    (local.set $s (i32.const 0x7F4A7C15))
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 1664525)) (i32.const 1013904223)))
        (i32.store8 (local.get $p) (i32.shr_u (local.get $s) (i32.const 24)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $fill)))
    (call $sha256 (i32.const 1024) (local.get $n))))
