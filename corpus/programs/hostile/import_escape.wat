;; Tries to import a host capability it was not given.
(module
  (import "env" "system" (func $system (param i32) (result i32)))
  (func (export "run") (result i32) (call $system (i32.const 0))))
