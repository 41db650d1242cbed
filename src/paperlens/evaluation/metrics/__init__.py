"""Pure metric functions: plain inputs in, numbers out, no I/O and no model calls.

A metric that does not apply to a question (recall without gold papers, precision with
nothing cited) returns None, and averages skip it instead of counting it as zero.
"""
