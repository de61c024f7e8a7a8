"""STOPSIGNAL values, checked as Docker's ``signal.ParseSignal`` checks them."""

from __future__ import annotations

import re

from frontend.errors import DockerfileError

_BASIC = (
    "ABRT ALRM BUS CHLD CLD CONT FPE HUP ILL INT IO IOT KILL PIPE POLL PROF PWR QUIT SEGV"
    " STKFLT STOP SYS TERM TRAP TSTP TTIN TTOU URG USR1 USR2 VTALRM WINCH XCPU XFSZ RTMIN RTMAX"
)
_NAMES = frozenset(
    [*_BASIC.split(), *(f"RTMIN+{i}" for i in range(1, 16)), *(f"RTMAX-{i}" for i in range(1, 15))]
)
"""Linux signal names, without ``SIG``: what the official frontend accepts."""

_INT = re.compile(r"[+-]?[0-9]+")
_INT64 = 1 << 63


def check_signal(value: str) -> None:
    """A non-zero number (Go ``strconv.Atoi``) or a signal name, any case, ``SIG`` optional."""
    if _INT.fullmatch(value) and -_INT64 <= int(value) < _INT64:
        if int(value) != 0:
            return
    elif value.upper().removeprefix("SIG") in _NAMES:
        return
    raise DockerfileError(f"invalid signal: {value}")
