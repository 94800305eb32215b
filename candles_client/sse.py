"""Server-Sent Events, line by line (the text/event-stream format): the `data:` lines of one event
until the blank line that ends it. Pure, so the sync and async clients read streams alike."""

from __future__ import annotations

from candles_client.models import Event


class EventParser:
    def __init__(self) -> None:
        self.data: list[str] = []

    def feed(self, line: str) -> Event | None:
        """One line of the stream, without its line break; the event it completes, if any."""
        if line == "":
            if not self.data:
                return None
            text, self.data = "\n".join(self.data), []
            return Event.model_validate_json(text)
        if line.startswith(":"):  # a comment: the server's keep-alive ping
            return None
        name, _, value = line.partition(":")
        if name == "data":
            self.data.append(value.removeprefix(" "))
        return None  # event: and id: repeat what the JSON carries (type, seq)
