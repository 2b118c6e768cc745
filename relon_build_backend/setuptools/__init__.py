"""(stage package; see relon_build_backend/__init__.py for the pipeline)"""
