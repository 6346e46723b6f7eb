"""The route example bot runs every seed example as a scenario and shows what happened."""

import contextlib
import importlib.util
import io
import re
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.virtual_time

EXAMPLE = Path(__file__).parent.parent / "examples" / "route_bot.py"


async def test_route_bot_runs_each_seed_example_and_prints_what_the_caller_heard():
    spec = importlib.util.spec_from_file_location("route_bot", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["route_bot"] = module
    spec.loader.exec_module(module)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        await module.main()
    text = out.getvalue()
    sections = dict(re.findall(r"== (\d)\. [^\n]*==\n(.*?)(?=\n== |\Z)", text, flags=re.S))
    assert sorted(sections) == ["1", "2", "3", "4", "5", "6"], text
    answer = module.ANSWER
    for n in "123456":
        heard = re.search(r"caller heard: '(.*)'", sections[n]).group(1)
        assert heard.startswith("Your order shipped"), (n, heard)
    assert "HTTP: closed after" in sections["1"]  # the barge-in closed the HTTP stream
    for n in "23":  # the handler got the record: generated beyond what was heard
        record = re.search(r"reason=phrase, generated='(.*?)', heard='(.*?)'", sections[n])
        assert record and answer.startswith(record.group(1)) and record.group(1).startswith(record.group(2))
    assert re.search(r"not yet, keep talking\n.*allow", sections["4"], flags=re.S)
    assert sections["4"].count("caller heard") == 1 and "delivery.'" in sections["4"]
    assert "reason=emergency_stop" in sections["5"]
    assert "resuming after the" in sections["6"] and "As I was saying:" in sections["6"]
    assert sections["6"].rstrip().endswith("delivery.'")
