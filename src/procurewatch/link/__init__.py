"""Linking notices into procurements: keys made while storing, candidates, the decision, aggregates."""
