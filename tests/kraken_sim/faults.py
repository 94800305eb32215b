"""Fault injection for /0/public/* calls, by probability or by script.

Spec grammar (comma separated items, spaces ignored):
    KIND:PROB        that kind on a fraction PROB of calls, e.g. 520:0.05
    p=PROB           PROB spread evenly over the mix (all kinds but slow by default)
    kinds=K1|K2...   the mix used by p= (list slow here to include it)
    seed=N           seed of the fault RNG (default: the simulator's seed)
    slow_s=SECONDS   how long a `slow` call stalls before answering (default 15)
e.g. "p=0.2" or "520:0.05,reset:0.05,unavailable:0.05,truncated:0.05".
Each call draws one number from the fault RNG, so a given sequence of calls sees
the same faults on every run. A script (list of kinds, None = answer normally)
takes precedence over the probabilities until it is used up.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

KINDS = ("520", "525", "502", "503", "504", "unavailable", "busy", "toomany", "slow", "reset", "truncated")
MIX = tuple(k for k in KINDS if k != "slow")
# Kraken's own refusals: HTTP 200 with an error list.
KRAKEN_ERRORS = {"unavailable": "EService:Unavailable", "busy": "EService:Busy",
                 "toomany": "EGeneral:Too many requests"}
# Failures of the CDN in front of Kraken: an HTML page with the status.
HTTP_ERRORS = {520: "Web server is returning an unknown error", 525: "SSL handshake failed",
               502: "Bad gateway", 503: "Service unavailable", 504: "Gateway time-out"}


def html_page(status: int, host: str = "api.kraken.com") -> str:
    """A Cloudflare-style error page, as a client behind the CDN would receive it."""
    title = HTTP_ERRORS[status]
    return (
        "<!DOCTYPE html>\n<!--[if lt IE 7]> <html class=\"no-js ie6 oldie\" lang=\"en-US\"> <![endif]-->\n"
        f"<html class=\"no-js\" lang=\"en-US\"><head><title>{host} | {status}: {title}</title>"
        "<meta charset=\"UTF-8\" /></head><body><div id=\"cf-wrapper\"><div id=\"cf-error-details\">"
        f"<h1><span class=\"inline-block\">{title}</span> <span class=\"code-label\">Error code {status}</span></h1>"
        "<p>Visit <a href=\"https://www.cloudflare.com/\">cloudflare.com</a> for more information.</p>"
        "</div></div></body></html>\n"
    )


@dataclass
class FaultSpec:
    probs: dict[str, float] = field(default_factory=dict)
    seed: int | None = None
    slow_s: float | None = None


def parse_spec(spec: str | dict[str, float] | None) -> FaultSpec:
    if not spec:
        return FaultSpec()
    if isinstance(spec, dict):
        items = [f"{k}:{v}" for k, v in spec.items()]
    else:
        items = [x.strip() for x in spec.replace(" ", "").split(",") if x.strip()]
    out, p_mix, mix = FaultSpec(), 0.0, MIX
    for item in items:
        key, sep, value = item.partition("=") if "=" in item else item.partition(":")
        if not sep:
            raise ValueError(f"fault spec item {item!r}: expected KIND:PROB or NAME=VALUE")
        if sep == ":":
            if key not in KINDS:
                raise ValueError(f"unknown fault kind {key!r}; kinds: {', '.join(KINDS)}")
            out.probs[key] = out.probs.get(key, 0.0) + float(value)
        elif key == "p":
            p_mix = float(value)
        elif key == "kinds":
            mix = tuple(value.split("|"))
            bad = [k for k in mix if k not in KINDS]
            if bad:
                raise ValueError(f"unknown fault kinds {bad}")
        elif key == "seed":
            out.seed = int(value)
        elif key == "slow_s":
            out.slow_s = float(value)
        else:
            raise ValueError(f"unknown fault spec option {key!r}")
    if p_mix:
        for kind in mix:
            out.probs[kind] = out.probs.get(kind, 0.0) + p_mix / len(mix)
    total = sum(out.probs.values())
    if any(p < 0 for p in out.probs.values()) or total > 1.0 + 1e-9:
        raise ValueError(f"fault probabilities must be >= 0 and sum to <= 1 (got {total})")
    return out


class Faults:
    def __init__(self, spec: str | dict | None = None, seed: int = 0, slow_seconds: float = 15.0) -> None:
        self.default_seed = seed
        self.slow_seconds = slow_seconds
        self._script: deque[str | None] = deque()
        self.configure(spec)

    def configure(self, spec: str | dict | None) -> None:
        """Replace the probabilities (and restart the fault RNG)."""
        parsed = parse_spec(spec)
        self.spec = spec
        self.probs = {k: p for k, p in parsed.probs.items() if p > 0}
        self._rng = random.Random(self.default_seed if parsed.seed is None else parsed.seed)
        if parsed.slow_s is not None:
            self.slow_seconds = parsed.slow_s

    def script(self, kinds: list[str | None]) -> None:
        """Apply these faults to the next calls in order (None = answer normally)."""
        bad = [k for k in kinds if k is not None and k not in KINDS]
        if bad:
            raise ValueError(f"unknown fault kinds {bad}")
        self._script.extend(kinds)

    @property
    def scripted(self) -> int:
        return len(self._script)

    def clear(self) -> None:
        self._script.clear()
        self.configure(None)

    def next(self) -> str | None:
        """The fault for the next call, or None to answer it normally."""
        if self._script:
            return self._script.popleft()
        if not self.probs:
            return None
        x = self._rng.random()
        for kind, p in self.probs.items():
            if x < p:
                return kind
            x -= p
        return None
