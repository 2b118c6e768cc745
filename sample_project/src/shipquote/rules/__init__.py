"""Compiled Relon rules: ``quote``, ``eligible``, ``loyalty`` and ``peak_price``."""
