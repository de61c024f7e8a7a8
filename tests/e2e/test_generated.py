"""Generated multi-stage Dockerfiles, both frontends: the images must agree.

Each case is drawn from a fixed seed, so a failure names a Dockerfile that can
be rebuilt by hand (it is printed with the difference). The instructions are
the ones this engine's built-in frontend knows, with variables, several
stages, ``COPY --from`` and ``RUN --mount`` mixed in.
"""

from __future__ import annotations

import random

import pytest

from .harness import assert_same_build, tar_archive

pytestmark = pytest.mark.e2e

CASES = 40


FILES = {
    "a.txt": "alpha\n",
    "b.txt": "beta\n",
    "dir/c.txt": "gamma\n",
    "dir/sub/d.txt": "delta\n",
    "run.sh": "echo from-script > /script.out\n",
    "ctx.tar": tar_archive({"t/one.txt": "1\n", "t/two/three.txt": "3\n"}),
}
WORDS = ["app", "data", "x1", "cfg", "srv"]


class _Dockerfile:
    """Builds one Dockerfile from a random source, tracking stages and variables."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.lines: list[str] = []
        self.stages: dict[str, bool] = {}
        """Stage name → whether it has busybox (a shell, /etc/passwd)."""
        self.vars: list[str] = []

    def word(self) -> str:
        return self.rng.choice(WORDS)

    def value(self) -> str:
        """A plain word, or a variable reference (with a default) when any is set."""
        if self.vars and self.rng.random() < 0.4:
            var = self.rng.choice(self.vars)
            return self.rng.choice([f"${var}", f"${{{var}}}", f"${{{var}:-dflt}}", f"pre-${var}"])
        return self.word()

    def stage(self, index: int, last: bool) -> None:
        rng = self.rng
        if self.stages and rng.random() < 0.4:
            base = rng.choice(sorted(self.stages))
            runnable = self.stages[base]
        else:
            base = "scratch" if last and rng.random() < 0.3 else "busybox"
            runnable = base == "busybox"
        name = f"s{index}"
        self.lines.append(f"FROM {base} AS {name}")
        self.vars = [v for v in self.vars if v.startswith("G")]
        for _ in range(rng.randint(2, 7)):
            self.instruction(runnable)
        self.stages[name] = runnable

    def instruction(self, runnable: bool) -> None:
        rng = self.rng
        choices = ["env", "arg", "workdir", "label", "expose", "copy", "cmd", "user", "volume"]
        choices += ["health", "stopsignal", "env_legacy", "add"]
        if runnable:
            choices += ["run", "run", "run_mount", "entrypoint", "shell_run"]
        if self.stages:
            choices += ["copy_from"]
        kind = rng.choice(choices)
        line = getattr(self, f"_{kind}")()
        self.lines.append(line)

    def _env(self) -> str:
        name = rng_name(self.rng, "E")
        line = f"ENV {name}={self.value()}"
        self.vars.append(name)
        return line

    def _arg(self) -> str:
        name = rng_name(self.rng, "A")
        self.vars.append(name)
        return f"ARG {name}={self.word()}" if self.rng.random() < 0.7 else f"ARG {name}"

    def _workdir(self) -> str:
        path = "/" + self.value() if self.rng.random() < 0.6 else self.word()
        return f"WORKDIR {path}"

    def _label(self) -> str:
        return f'LABEL {self.word()}="{self.value()} x" l{self.rng.randint(0, 9)}={self.word()}'

    def _expose(self) -> str:
        return f"EXPOSE {self.rng.randint(1, 9000)}/{self.rng.choice(['tcp', 'udp'])}"

    def _user(self) -> str:
        return f"USER {self.rng.choice(['1000', '1000:1000', 'root', '0:0'])}"

    def _volume(self) -> str:
        return f'VOLUME ["/{self.word()}"]'

    def _cmd(self) -> str:
        if self.rng.random() < 0.5:
            return f'CMD ["echo", "{self.word()}"]'
        return f"CMD echo {self.value()}"

    def _health(self) -> str:
        if self.rng.random() < 0.3:
            return "HEALTHCHECK NONE"
        return f"HEALTHCHECK --interval={self.rng.randint(1, 90)}s --retries=2 CMD true"

    def _stopsignal(self) -> str:
        return f"STOPSIGNAL {self.rng.choice(['SIGTERM', 'SIGINT', '9', 'sigkill'])}"

    def _env_legacy(self) -> str:
        name = rng_name(self.rng, "E")
        self.vars.append(name)
        return f"ENV {name} {self.value()} and more"

    def _add(self) -> str:
        return f"ADD {self.rng.choice(['a.txt', 'dir', 'ctx.tar'])} /added-{self.word()}/"

    def _entrypoint(self) -> str:
        return 'ENTRYPOINT ["/bin/sh", "-c"]'

    def _copy(self) -> str:
        rng = self.rng
        src = rng.choice(["a.txt", "b.txt", "dir", "dir/", "*.txt", "dir/sub/d.txt", "run.sh"])
        dest = rng.choice(["/copied/", f"/{self.word()}/", "rel/", f"/{self.word()}.out"])
        if src in ("dir", "dir/", "*.txt") and not dest.endswith("/"):
            dest += "/"
        flags = rng.choice(["", "--chown=1000:1000 ", "--chmod=640 ", "--chown=0 "])
        return f"COPY {flags}{src} {dest}"

    def _copy_from(self) -> str:
        source = self.rng.choice(sorted(self.stages))
        paths = ["/", "/etc/passwd", "/bin/busybox"] if self.stages[source] else ["/"]
        path = self.rng.choice(paths)
        return f"COPY --from={source} {path} /from-{source}{path.rstrip('/')}-x/"

    def _run(self) -> str:
        """A command that may fail (a later USER can forbid writing to /): the build goes on."""
        word = self.word()
        command = self.rng.choice(
            [
                f"echo {self.value()} > /run-{word}.txt",
                f"mkdir -p /m/{word} && touch /m/{word}/f",
                "sh /run.sh",
                f"printenv | sort > /env-{word}.txt",
            ]
        )
        if self.rng.random() < 0.3:
            return f'RUN ["sh", "-c", "{command} || true"]'
        return f"RUN {command} || true"

    def _run_mount(self) -> str:
        kind = self.rng.choice(["bind", "cache", "tmpfs"])
        if kind == "bind":
            return "RUN --mount=source=dir,target=/ctx cat /ctx/c.txt > /bound.txt || true"
        if kind == "cache":
            return "RUN --mount=type=cache,target=/cache,id=gen echo ok > /c || true"
        return "RUN --mount=type=tmpfs,target=/tmpfs touch /tmpfs/x && echo t > /t || true"

    def _shell_run(self) -> str:
        return 'SHELL ["/bin/sh", "-e", "-c"]'


def rng_name(rng: random.Random, prefix: str) -> str:
    return f"{prefix}{rng.randint(0, 5)}"


def generate(seed: int) -> str:
    rng = random.Random(seed)
    df = _Dockerfile(rng)
    for i in range(rng.randint(0, 2)):
        df.lines.append(f"ARG G{i}={df.word()}")
        df.vars.append(f"G{i}")
    count = rng.randint(1, 3)
    for index in range(count):
        df.stage(index, last=index == count - 1)
    return "\n".join(df.lines) + "\n"


@pytest.mark.parametrize("seed", range(CASES))
def test_generated_dockerfile(seed: int) -> None:
    dockerfile = generate(seed)
    try:
        assert_same_build(dockerfile, FILES)
    except AssertionError as exc:
        raise AssertionError(f"seed {seed}:\n{dockerfile}\n{exc}") from None
