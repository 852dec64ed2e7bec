"""Template test material: data sets, a user-template corpus, and the oracle.

* ``datasets/*.json``: notification data in Alertmanager's ``template.Data`` JSON
  (what ``amtool template render --template.data`` reads); :func:`dataset`
  turns one into the ``receivers.payload.Data`` gossamer renders.
* ``corpus/*.tmpl``: config-field templates (text); ``html/*.tmpl``: the same
  for ``html/template``; ``user/*.tmpl``: template files loaded through a glob;
  ``bad/*.tmpl``: files that must fail to load.
* :func:`amtool_render`: the real Alertmanager 0.25 renders a template on a
  data set with exactly the files gossamer loads.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path

from gossamer.timefmt import ZERO, parse_rfc3339_tz
from receivers.payload import AlertData, Data
from receivers.templating import Templates

HERE = Path(__file__).parent
BUILTIN_DIR = HERE.parent.parent / "receivers" / "templates"
BUILTIN_FILES = [str(BUILTIN_DIR / "default.tmpl"), str(BUILTIN_DIR / "email.tmpl")]
DATASETS = sorted(p.stem for p in (HERE / "datasets").glob("*.json"))
AMTOOL = shutil.which("amtool")


def _time(text: str) -> tuple[int, int]:
    if text.startswith("0001-01-01T00:00:00"):
        return ZERO, 0
    return parse_rfc3339_tz(text)


def _alert(raw: dict[str, object]) -> AlertData:
    starts, starts_tz = _time(str(raw["startsAt"]))
    ends, ends_tz = _time(str(raw["endsAt"]))
    return AlertData(
        status=str(raw["status"]),
        labels=dict(raw["labels"]),  # type: ignore[call-overload]
        annotations=dict(raw["annotations"]),  # type: ignore[call-overload]
        starts_at=starts,
        ends_at=ends,
        generator_url=str(raw["generatorURL"]),
        fingerprint=str(raw["fingerprint"]),
        starts_tz=starts_tz,
        ends_tz=ends_tz,
    )


@functools.cache
def dataset(name: str) -> Data:
    """``datasets/<name>.json`` as the ``Data`` a notifier would build."""
    raw = json.loads((HERE / "datasets" / f"{name}.json").read_text())
    return Data(
        receiver=raw["receiver"],
        status=raw["status"],
        alerts=tuple(_alert(a) for a in raw["alerts"]),
        group_labels=raw["groupLabels"],
        common_labels=raw["commonLabels"],
        common_annotations=raw["commonAnnotations"],
        external_url=raw["externalURL"],
    )


def as_amtool(templates: Templates) -> Templates:
    """``templates`` rendering as ``amtool template render`` does, which differs
    from Alertmanager's notifiers in two ways a template can see: the data is a
    ``template.Data`` value (not a pointer: ``%T``, ``{{ . }}``, error texts),
    and the built-in files are loaded by glob, so errors in them name the file."""
    templates._amtool = True
    return templates


def corpus(kind: str) -> list[Path]:
    """The ``*.tmpl`` files of ``kind`` (``corpus``, ``html``, ``user``, ``bad``)."""
    return sorted((HERE / kind).glob("*.tmpl"))


@functools.cache
def amtool_render(
    text: str, data: str, mode: str = "text", globs: tuple[str, ...] = ()
) -> tuple[bool, str]:
    """``(ok, output)`` of Alertmanager 0.25 rendering ``text`` on data set
    ``data``; ``output`` is the error message when it fails. The Debian build
    of amtool does not load the built-in files itself, so they are passed as
    globs, followed by ``globs``."""
    assert AMTOOL is not None
    args = [AMTOOL, "template", "render", "--template.type", mode]
    for glob in (*BUILTIN_FILES, *globs):
        args.append(f"--template.glob={glob}")
    args += [f"--template.data={HERE / 'datasets' / f'{data}.json'}", f"--template.text={text}"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        return False, done.stderr.removeprefix("amtool: error: ").strip()
    return True, done.stdout
