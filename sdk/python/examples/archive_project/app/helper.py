def greet(name: str) -> str:
    return f"hello from the archive, {name}"
