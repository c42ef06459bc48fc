"""Linking notices into procurements, so that one purchase is counted once.

keys.py: what linking compares of each notice, made while storing; candidates.py: near-duplicates by
LSH; decision.py: the rules; procurements.py: the aggregate rows and the status rule; run.py: the
passes (`link_pending`, the entry point).
"""
