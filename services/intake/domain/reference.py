"""What forms offer to choose from: Hechuan's 30 towns and streets, and the complaint types.

Pure Python, from the shared codes (`shared.contracts.codes`): the same codes the API accepts.
"""

from __future__ import annotations

from typing import TypedDict

from shared.contracts.codes import CATEGORY_NAMES, SUBCATEGORIES, TOWNS


class TownEntry(TypedDict):
    code: str
    name: str
    kind: str  # "street" (街道) or "town" (镇)


class SubcategoryEntry(TypedDict):
    code: str
    name: str


class CategoryEntry(TypedDict):
    code: str
    name: str
    subcategories: list[SubcategoryEntry]


class Reference(TypedDict):
    towns: list[TownEntry]
    categories: list[CategoryEntry]


def reference() -> Reference:
    """Towns (streets first, as listed) and categories with their subcategories, codes with Chinese names."""
    return {
        "towns": [{"code": t.code, "name": t.name, "kind": t.kind} for t in TOWNS.values()],
        "categories": [{"code": code, "name": name,
                        "subcategories": [{"code": sub, "name": sub_name}
                                          for sub, sub_name in SUBCATEGORIES.get(code, {}).items()]}
                       for code, name in CATEGORY_NAMES.items()],
    }
