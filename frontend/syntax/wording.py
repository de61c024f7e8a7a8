"""How the built-in Dockerfile frontend of an engine's BuildKit release words an
instruction that does not parse.

Docker's frontend changed these words over time; ours writes those of the
engine it runs on (the release its caps tell, see ``frontend.llb.caps``):

- up to BuildKit 0.8 (Engine 20.10): ``dockerfile parse error line N:``, flag
  errors capitalised and without a suggestion (``Unknown flag: mont``);
- 0.9 to 0.16: ``dockerfile parse error on line N:``, a flag named bare
  (``unknown flag: mont (did you mean mount?)``);
- from 0.17: the flag as written, dashes included (``unknown flag: --mont``).
"""

from __future__ import annotations

from frontend.frozen import frozen

Release = tuple[int, int]


@frozen
class Wording:
    """The words of one release line; ``release`` None stands for a current engine."""

    release: Release | None = None

    def since(self, release: Release) -> bool:
        """Whether the engine is ``release`` or newer."""
        return self.release is None or self.release >= release

    @property
    def parse_error(self) -> str:
        """What an error about an instruction that does not parse starts with (then its line)."""
        return (
            "dockerfile parse error on line"
            if self.since((0, 9))
            else "dockerfile parse error line"
        )

    def flag(self, name: str) -> str:
        """A flag (``name`` without dashes) as flag errors name it."""
        return f"--{name}" if self.since((0, 17)) else name

    def flag_error(self, message: str, suggestion: str = "") -> str:
        """A flag error, with a suggestion (`` (did you mean x?)``) where the release gave one."""
        if self.since((0, 9)):
            return message + suggestion
        return message[:1].upper() + message[1:]


CURRENT = Wording()
