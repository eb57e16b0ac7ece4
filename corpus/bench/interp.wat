;; interp: a tiny register bytecode VM whose dispatch is one br_table per instruction, the shape of every
;; interpreter's inner loop (QuickJS's and SQLite's included).
;;
;; Instructions are 4 bytes [op, a, b, c] at 0; 8 registers r0..r7 (i32) at 1024; a 256-word table at 2048.
;;   0 halt              return r0            7 shl  a b c   r[a] = r[b] << c
;;   1 li   a lo hi      r[a] = lo | hi<<8    8 and  a b c   r[a] = r[b] & r[c]
;;   2 add  a b c        r[a] = r[b] + r[c]   9 jnz  a lo hi if r[a] != 0: pc = lo | hi<<8
;;   3 sub  a b c        r[a] = r[b] - r[c]  10 addi a b c   r[a] = r[b] + (c as i8)
;;   4 mul  a b c        r[a] = r[b] · r[c]  11 load a b     r[a] = tab[r[b] & 255]
;;   5 xor  a b c        r[a] = r[b] ^ r[c]  12 store a b    tab[r[b] & 255] = r[a]
;;   6 shr  a b c        r[a] = r[b] >>> c   13 jmp  _ lo hi pc = lo | hi<<8
;;   anything else halts.
;;
;; The program (14 instructions, 12 per iteration): r0 = n (set by run), then
;;   0  li r1, 12345           4  shr r3, r1, 17        8  load r4, r1          12 addi r0, r0, -1
;;   1  li r2, 0               5  xor r1, r1, r3        9  add r4, r4, r1       13 jnz r0, 2
;;   2  shl r3, r1, 13         6  shl r3, r1, 5        10  store r4, r2         14 xor r0, r2, r1
;;   3  xor r1, r1, r3         7  xor r1, r1, r3       11  add r2, r2, r4       15 halt
;;   run(n) → r0 at halt (n ≥ 1; 12n + 4 instructions dispatched).
(module
  (memory 1 1)
  (data (i32.const 0)
    "\01\01\39\30" "\01\02\00\00" "\07\03\01\0d" "\05\01\01\03" "\06\03\01\11" "\05\01\01\03" "\07\03\01\05" "\05\01\01\03"
    "\0b\04\01\00" "\02\04\04\01" "\0c\04\02\00" "\02\02\02\04" "\0a\00\00\ff" "\09\00\02\00" "\05\00\02\01" "\00\00\00\00")
  (func (export "run") (param $n i32) (result i32)
    (local $pc i32) (local $ins i32) (local $a i32) (local $b i32) (local $c i32) (local $i i32)
    ;; reset the table (tab[i] = i · 0x9E3779B9) and the registers
    (loop $init
      (i32.store offset=2048 (i32.shl (local.get $i) (i32.const 2)) (i32.mul (local.get $i) (i32.const 0x9E3779B9)))
      (br_if $init (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 256))))
    (local.set $i (i32.const 0))
    (loop $regs
      (i32.store offset=1024 (i32.shl (local.get $i) (i32.const 2)) (i32.const 0))
      (br_if $regs (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 8))))
    (i32.store offset=1024 (i32.const 0) (local.get $n))
    (loop $next
      ;; fetch and decode
      (local.set $ins (i32.load (i32.shl (local.get $pc) (i32.const 2))))
      (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
      (local.set $a (i32.shl (i32.and (i32.shr_u (local.get $ins) (i32.const 8)) (i32.const 7)) (i32.const 2)))
      (local.set $b (i32.and (i32.shr_u (local.get $ins) (i32.const 16)) (i32.const 255)))
      (local.set $c (i32.shr_u (local.get $ins) (i32.const 24)))
      block $halt
      block $jmp
      block $store
      block $load
      block $addi
      block $jnz
      block $and
      block $shl
      block $shr
      block $xor
      block $mul
      block $sub
      block $add
      block $li
        (br_table $halt $li $add $sub $mul $xor $shr $shl $and $jnz $addi $load $store $jmp $halt
          (i32.and (local.get $ins) (i32.const 255)))
      end
      ;; li
      (i32.store offset=1024 (local.get $a) (i32.or (local.get $b) (i32.shl (local.get $c) (i32.const 8))))
      (br $next)
      end
      ;; add
      (i32.store offset=1024 (local.get $a)
        (i32.add (i32.load offset=1024 (i32.shl (i32.and (local.get $b) (i32.const 7)) (i32.const 2)))
                 (i32.load offset=1024 (i32.shl (i32.and (local.get $c) (i32.const 7)) (i32.const 2)))))
      (br $next)
      end
      ;; sub
      (i32.store offset=1024 (local.get $a)
        (i32.sub (i32.load offset=1024 (i32.shl (i32.and (local.get $b) (i32.const 7)) (i32.const 2)))
                 (i32.load offset=1024 (i32.shl (i32.and (local.get $c) (i32.const 7)) (i32.const 2)))))
      (br $next)
      end
      ;; mul
      (i32.store offset=1024 (local.get $a)
        (i32.mul (i32.load offset=1024 (i32.shl (i32.and (local.get $b) (i32.const 7)) (i32.const 2)))
                 (i32.load offset=1024 (i32.shl (i32.and (local.get $c) (i32.const 7)) (i32.const 2)))))
      (br $next)
      end
      ;; xor
      (i32.store offset=1024 (local.get $a)
        (i32.xor (i32.load offset=1024 (i32.shl (i32.and (local.get $b) (i32.const 7)) (i32.const 2)))
                 (i32.load offset=1024 (i32.shl (i32.and (local.get $c) (i32.const 7)) (i32.const 2)))))
      (br $next)
      end
      ;; shr
      (i32.store offset=1024 (local.get $a)
        (i32.shr_u (i32.load offset=1024 (i32.shl (i32.and (local.get $b) (i32.const 7)) (i32.const 2))) (local.get $c)))
      (br $next)
      end
      ;; shl
      (i32.store offset=1024 (local.get $a)
        (i32.shl (i32.load offset=1024 (i32.shl (i32.and (local.get $b) (i32.const 7)) (i32.const 2))) (local.get $c)))
      (br $next)
      end
      ;; and
      (i32.store offset=1024 (local.get $a)
        (i32.and (i32.load offset=1024 (i32.shl (i32.and (local.get $b) (i32.const 7)) (i32.const 2)))
                 (i32.load offset=1024 (i32.shl (i32.and (local.get $c) (i32.const 7)) (i32.const 2)))))
      (br $next)
      end
      ;; jnz
      (if (i32.load offset=1024 (local.get $a))
        (then (local.set $pc (i32.or (local.get $b) (i32.shl (local.get $c) (i32.const 8))))))
      (br $next)
      end
      ;; addi
      (i32.store offset=1024 (local.get $a)
        (i32.add (i32.load offset=1024 (i32.shl (i32.and (local.get $b) (i32.const 7)) (i32.const 2)))
                 (i32.extend8_s (local.get $c))))
      (br $next)
      end
      ;; load
      (i32.store offset=1024 (local.get $a)
        (i32.load offset=2048 (i32.shl (i32.and (i32.load offset=1024 (i32.shl (i32.and (local.get $b) (i32.const 7)) (i32.const 2))) (i32.const 255)) (i32.const 2))))
      (br $next)
      end
      ;; store
      (i32.store offset=2048 (i32.shl (i32.and (i32.load offset=1024 (i32.shl (i32.and (local.get $b) (i32.const 7)) (i32.const 2))) (i32.const 255)) (i32.const 2))
        (i32.load offset=1024 (local.get $a)))
      (br $next)
      end
      ;; jmp
      (local.set $pc (i32.or (local.get $b) (i32.shl (local.get $c) (i32.const 8))))
      (br $next)
      end
      ;; halt: fall out of the loop
    )
    (i32.load offset=1024 (i32.const 0))))
