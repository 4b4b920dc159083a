"""emolib: predicting the emotional impact of films from their pixels and their sound."""

__version__ = "0.1.0"
