"""Import tau2-bench (and tau-bench) domains as ordinary AutoForge environments."""
