"""The ``slack`` integration: one message with one attachment (config.md §5.4).

Follows Alertmanager 0.25's ``notify/slack``: every templated field renders
with Go ``text/template``; the title is cut to 1024 runes; ``mrkdwn_in``
defaults to ``fallback, pretext, text``; a field's ``short`` falls back to
``short_fields``. The body is ``json.NewEncoder(...).Encode(req)``: Go's key
order and HTML escaping, trailing newline. ``api_url_file`` is read at send
time, as written (0.25 does not resolve it against the config directory). 2xx is success (the body is not inspected in 0.25), 5xx and transport
errors are retryable, other statuses are final; errors read
``channel "<channel>": unexpected status code <N>: <body>`` and transport
errors never show the URL (it holds the webhook secret).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec
from loguru import logger

from gossamer.alert import Alert
from gossamer.api.gojson import encode_line
from gossamer.config.model import SlackAction, SlackConfig
from gossamer.errors import NotifyError
from gossamer.gostrconv import go_quote
from receivers.base import NotificationContext
from receivers.common import JSONNotifier
from receivers.fields import Renderer, go_os_error, go_trim_space, truncate_runes
from receivers.http import check_status

__all__ = ["SlackNotifier"]

INTEGRATION = "slack"
#: https://api.slack.com/reference/messaging/attachments#legacy_fields
MAX_TITLE_RUNES = 1024
DEFAULT_MRKDWN_IN = ("fallback", "pretext", "text")


class _Field(msgspec.Struct, omit_defaults=True):
    """``config.SlackField``, all ``omitempty``; ``short`` is always set when sent."""

    title: str = ""
    value: str = ""
    short: bool | None = None


class _Confirm(msgspec.Struct, omit_defaults=True):
    text: str = ""
    title: str = ""
    ok_text: str = ""
    dismiss_text: str = ""


class _Action(msgspec.Struct, omit_defaults=True):
    type: str = ""
    text: str = ""
    url: str = ""
    style: str = ""
    name: str = ""
    value: str = ""
    confirm: _Confirm | None = None


class _Attachment(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Go's ``attachment``: fields without ``omitempty`` have no default here."""

    title: str = ""
    title_link: str = ""
    pretext: str = ""
    text: str
    fallback: str
    callback_id: str
    fields: list[_Field] = msgspec.field(default_factory=list)
    actions: list[_Action] = msgspec.field(default_factory=list)
    image_url: str = ""
    thumb_url: str = ""
    footer: str
    color: str = ""
    mrkdwn_in: list[str] = msgspec.field(default_factory=list)


class _Request(msgspec.Struct, kw_only=True, omit_defaults=True):
    channel: str = ""
    username: str = ""
    icon_emoji: str = ""
    icon_url: str = ""
    link_names: bool = False
    attachments: list[_Attachment]


def _read_url_file(path: Path) -> str:
    """The URL in ``api_url_file``, whitespace-trimmed. Runs in a worker thread."""
    return go_trim_space(path.read_text(encoding="utf-8", errors="replace"))


class SlackNotifier(JSONNotifier):
    """``slack_configs[index]`` of one receiver; implements ``receivers.base.Notifier``."""

    integration = INTEGRATION
    config: SlackConfig

    def build(self, ctx: NotificationContext, alerts: list[Alert]) -> tuple[str, bytes]:
        """``(channel, body)`` for ``alerts``; raises the first template failure."""
        render = self.renderer(ctx, alerts)
        text = render.text
        c = self.config
        title, truncated = truncate_runes(text(c.title, "title"), MAX_TITLE_RUNES)
        if truncated:
            logger.bind(component="notifier").warning(
                "Truncated title", key=ctx.group_key, max_runes=MAX_TITLE_RUNES
            )
        attachment = _Attachment(
            title=title,
            title_link=text(c.title_link, "title_link"),
            pretext=text(c.pretext, "pretext"),
            text=text(c.text, "text"),
            fallback=text(c.fallback, "fallback"),
            callback_id=text(c.callback_id, "callback_id"),
            image_url=text(c.image_url, "image_url"),
            thumb_url=text(c.thumb_url, "thumb_url"),
            footer=text(c.footer, "footer"),
            color=text(c.color, "color"),
            mrkdwn_in=list(c.mrkdwn_in or DEFAULT_MRKDWN_IN),
            fields=[
                _Field(
                    title=text(f.title, "fields.title"),
                    value=text(f.value, "fields.value"),
                    short=c.short_fields if f.short is None else f.short,
                )
                for f in c.fields
            ],
            actions=[_action(render, a) for a in c.actions],
        )
        request = _Request(
            channel=text(c.channel, "channel"),
            username=text(c.username, "username"),
            icon_emoji=text(c.icon_emoji, "icon_emoji"),
            icon_url=text(c.icon_url, "icon_url"),
            link_names=c.link_names,
            attachments=[attachment],
        )
        render.check()
        return request.channel, encode_line(request)

    async def _url(self) -> str:
        if self.config.api_url:
            return self.config.api_url
        # 0.25 does not resolve this path against the config's directory:
        # a relative one is relative to the working directory.
        path = Path(self.config.api_url_file)
        try:
            return await asyncio.to_thread(_read_url_file, path)
        except OSError as exc:  # Go: return false, err (os.ReadFile's *PathError)
            op = "read" if isinstance(exc, IsADirectoryError) else "open"
            raise NotifyError(go_os_error(op, str(path), exc), retryable=False) from exc

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None:
        """Send one notification; raises ``NotifyError`` (retryable for 5xx and
        transport failures)."""
        failed = True
        try:
            channel, body = self.build(ctx, alerts)
            response = await self.post_json(await self._url(), body)
            try:
                check_status(response)
            except NotifyError as exc:
                message = f"channel {go_quote(channel)}: {exc}"
                raise NotifyError(message, retryable=exc.retryable) from exc
            failed = False
        finally:
            self.count(failed)


def _action(render: Renderer, action: SlackAction) -> _Action:
    text = render.text
    confirm = None
    if action.confirm is not None:
        confirm = _Confirm(
            title=text(action.confirm.title, "actions.confirm.title"),
            text=text(action.confirm.text, "actions.confirm.text"),
            ok_text=text(action.confirm.ok_text, "actions.confirm.ok_text"),
            dismiss_text=text(action.confirm.dismiss_text, "actions.confirm.dismiss_text"),
        )
    return _Action(
        type=text(action.type, "actions.type"),
        text=text(action.text, "actions.text"),
        url=text(action.url, "actions.url"),
        style=text(action.style, "actions.style"),
        name=text(action.name, "actions.name"),
        value=text(action.value, "actions.value"),
        confirm=confirm,
    )
