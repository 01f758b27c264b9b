"""Jasette's NLP stage: language, sentiment, priority and reasons of a social comment (pure functions)."""

from .analysis import analyze

__all__ = ["analyze"]
