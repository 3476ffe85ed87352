"""The contract's rules: vocabulary, validation gate, names, eligibility and the outcome of every response row."""
