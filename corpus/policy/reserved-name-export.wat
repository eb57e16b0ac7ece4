;; An export in the namespace reserved for instrumentation (`__wasm_harden`, a name prefix for exports).
;; Binary layout (wabt, canonical LEBs):
;;   0..7    header
;;   8..13   type section:     01 04 | 01 60 00 00
;;   14..17  function section: 03 02 | 01 00
;;   18..19  export section id 07, size 16
;;   20      export count 01
;;   21      the export entry: 12 "__wasm_harden_fuel" 00 00   <- expected offset 21
;;   then the code section
(module
  (func (export "__wasm_harden_fuel")))
