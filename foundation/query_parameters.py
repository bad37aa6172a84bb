"""Query parameters a route does not declare: web frameworks ignore them, so a misspelt one (``page_size`` for
``pagesize``, ``period_form``) silently gives the caller a different answer than he asked for. The cube API and the
portal's API refuse them instead, naming each with the closest declared parameter."""
from __future__ import annotations

import difflib

from starlette.requests import Request


def declared(request: Request) -> set[str] | None:
    """The query parameters the matched route and its dependencies declare; None before routing."""
    route = request.scope.get("route")
    if route is None or not hasattr(route, "dependant"):
        return None
    names, todo = set(), [route.dependant]
    while todo:
        dependant = todo.pop()
        names.update(p.alias for p in dependant.query_params)
        todo.extend(dependant.dependencies)
    return names


def undeclared(request: Request) -> tuple[list[tuple[str, str | None]], set[str]]:
    """([(unknown name, closest declared name or None)], declared names); no unknown names: an empty list."""
    known = declared(request)
    if known is None:
        return [], set()
    unknown = sorted(set(request.query_params) - known)
    return [(n, next(iter(difflib.get_close_matches(n.lower(), sorted(known), n=1, cutoff=0.6)), None))
            for n in unknown], known
