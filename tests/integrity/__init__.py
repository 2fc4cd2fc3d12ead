"""Helpers and worker scripts of the integrity tests (tests/test_integrity_*.py).

The workers run as separate processes (``python -m tests.integrity.worker ...``), each with
its own engine and its own SimulatedGateway on one shared ledger file, as real tills would.
"""
