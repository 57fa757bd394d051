"""The feeds' Great Expectations suites and the engines that run them (GX's own, and compiled to
SQL), with the custom expectations and credit codes."""
