"""The site the example crawls: a made-up link graph, so the example needs no network."""


def links(url: str) -> list[str]:
    """Each page links to two deeper pages, and back to the start (a cycle the crawl must not follow)."""
    depth = url.count("/")
    return [f"{url}/{i}" for i in range(2)] + (["home"] if depth else [])


def title(url: str) -> str:
    return f"Page {url}"
