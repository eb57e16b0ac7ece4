(module
  (func $ping (export "ping") (param $n i64) (result i64) (call $pong (i64.add (local.get $n) (i64.const 1))))
  (func $pong (param $n i64) (result i64) (call $ping (i64.add (local.get $n) (i64.const 1)))))
