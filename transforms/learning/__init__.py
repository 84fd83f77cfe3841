"""Learned parts of the extraction: features, linear scorers, gold folds (trained by
``deploy/train_extraction.py``; weights shipped as JSON in ``transforms/data/models/``)."""
