"""Shared helpers of the shipped-model training scripts (frames, data, export)."""
