from source_pinterest.source import SourcePinterest

__all__ = ["SourcePinterest"]
