from promptenv_tui.domain import PromptLibrary
from promptenv_tui.domain.invariants import check_invariants


def test_move_and_invariants(library: PromptLibrary, url: str) -> None:
    v1 = library.create_prompt("Greeting", template="Hello {{name}}").latest_version
    v2 = library.create_version("Greeting", "Hi {{name}}", environments=["staging"]).version
    assert v2.environments == ("staging",)
    moved = library.set_version_environments(v1.id, ["staging"])
    assert [m.describe() for m in moved.moves] == ["staging: v2 → v1"]
    assert check_invariants(url) == []
