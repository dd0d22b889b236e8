//! The conformance suite every `MetaStore` backend runs (see `run_all`).
