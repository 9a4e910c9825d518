"""Copies and stories, without Beam: text signatures (fingerprints.py), the rules that judge
pairs and cluster them (rules.py), and the signature index kept across runs (index.py)."""
