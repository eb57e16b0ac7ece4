;; The weather tool: the host writes a city name into the guest's buffer, calls query(ptr, len); the guest
;; asks the host for the temperature (an allowed import that reads the name back from guest memory) and
;; writes "<city>: <tenths> dC" into its output buffer, returning the output's length.
(module
  (import "weather" "temperature" (func $temperature (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "input_buffer") (result i32) (i32.const 1024))
  (func (export "output_buffer") (result i32) (i32.const 4096))
  ;; writes the decimal digits of a non-negative $v at $p, returns the new end
  (func $itoa (param $v i32) (param $p i32) (result i32) (local $n i32) (local $t i32) (local $q i32)
    (local.set $t (local.get $v))
    (loop $count (local.set $n (i32.add (local.get $n) (i32.const 1))) (local.set $t (i32.div_u (local.get $t) (i32.const 10))) (br_if $count (local.get $t)))
    (local.set $q (i32.add (local.get $p) (local.get $n)))
    (loop $digits
      (local.set $q (i32.sub (local.get $q) (i32.const 1)))
      (i32.store8 (local.get $q) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $digits (local.get $v)))
    (i32.add (local.get $p) (local.get $n)))
  (func (export "query") (param $ptr i32) (param $len i32) (result i32) (local $t i32) (local $out i32)
    (local.set $t (call $temperature (local.get $ptr) (local.get $len)))
    (memory.copy (i32.const 4096) (local.get $ptr) (local.get $len))
    (local.set $out (i32.add (i32.const 4096) (local.get $len)))
    (i32.store8 (local.get $out) (i32.const 58))
    (i32.store8 (i32.add (local.get $out) (i32.const 1)) (i32.const 32))
    (local.set $out (call $itoa (local.get $t) (i32.add (local.get $out) (i32.const 2))))
    (i32.store (local.get $out) (i32.const 0x00436420)) ;; " dC" then a padding byte, little-endian
    (i32.sub (i32.add (local.get $out) (i32.const 3)) (i32.const 4096))))
