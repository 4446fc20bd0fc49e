"""In-memory search over the catalogue: Chinese text, pinyin, initials, filters, paging."""

from services.catalogue.search.index import SearchFilters, SearchIndex

__all__ = ["SearchFilters", "SearchIndex"]
