"""What several test folders share, so that each piece of test machinery exists once.

- :mod:`.rule_package`: a throwaway package of rules built with the real pipeline and
  its loaders imported (e2e, objects, the stress script, the benchmarks).
- :mod:`.evaluation`: a source checked and run through the reference evaluator
  (tests/evaluator, and the oracle of the e2e tests).
- :mod:`.ir_rules`: hand-written IR rules built with the real toolchain and called on
  both targets, scalar and heap (codegen).
- :mod:`.rt_harness` and :mod:`.runtime_models`: the runtime functions called on both
  targets, and their Python models (cocompile; e2e uses two of the models).
- :mod:`.fake_library`, :mod:`.compound_package`: hand-written fake built packages
  (loader, architecture).
- :mod:`.program_gen`, :mod:`.value_gen`, :mod:`.document_gen`, :mod:`.value_programs`
  and their host functions :mod:`.hosts`: the random-program generators (lowering, the
  differential test, the front-end fuzzer).
- :mod:`.memory`: resident-memory growth over many calls (the leak tests of e2e, loader).
"""
