;; An import that the strict policy's allowlist (empty: deny everything) does not list.
;; Binary layout (wabt, canonical LEBs):
;;   0..7    header
;;   8..14   type section: 01 05 | 01 60 00 01 7c          (() -> f64)
;;   15..16  import section id 02, size 0b
;;   17      import count 01
;;   18      the import entry: 03 "env" 03 "now" 00 00    <- expected offset 18
(module
  (import "env" "now" (func (result f64))))
