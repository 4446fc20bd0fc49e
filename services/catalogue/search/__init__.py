"""In-memory search over the catalogue: Chinese text, pinyin, initials, filters, paging."""

from services.catalogue.search.index import Facets, SearchFilters, SearchIndex

__all__ = ["Facets", "SearchFilters", "SearchIndex"]
