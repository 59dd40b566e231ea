#!/usr/bin/env python3
"""jsonw_parse.py - reads what the JSON Lines writer wrote with Python's
json module and compares it with what was meant.

    python3 jsonw_parse.py [EMULATOR...] TEST_JSONW [RECORDS [SEED]]

runs `TEST_JSONW --generate RECORDS SEED` (under EMULATOR, e.g. wine, for a
Windows build) and checks every record it prints (see test_jsonw.c): the
bytes are ASCII, one object per line, each line parses strictly, and the
object equals the one rebuilt from its spec, member by member, in order:
strings as bytes.decode("utf-8", "replace"), doubles exactly (NaN and the
infinities as null), integers exactly. Exit status 0 when all agree."""
import json
import math
import struct
import subprocess
import sys


def rebuild(tokens, pos):
    """The value the spec tokens describe from pos; returns (value, pos)."""
    tok = tokens[pos]
    if tok == "{":
        count = int(tokens[pos + 1])
        pos += 2
        members = []
        for _ in range(count):
            assert tokens[pos].startswith("k:"), tokens[pos]
            key = bytes.fromhex(tokens[pos][2:]).decode("utf-8", "replace")
            value, pos = rebuild(tokens, pos + 1)
            members.append((key, value))
        return ("object", members), pos
    if tok == "[":
        count = int(tokens[pos + 1])
        pos += 2
        items = []
        for _ in range(count):
            value, pos = rebuild(tokens, pos)
            items.append(value)
        return ("array", items), pos
    kind, _, text = tok.partition(":")
    if kind == "s":
        return bytes.fromhex(text).decode("utf-8", "replace"), pos + 1
    if kind in ("i", "u"):
        return int(text), pos + 1
    if kind == "d":
        value = struct.unpack(">d", bytes.fromhex(text))[0]
        return (None if not math.isfinite(value) else ("double", value)), pos + 1
    if kind == "b":
        return text == "1", pos + 1
    if tok == "n":
        return None, pos + 1
    raise ValueError("bad spec token " + tok)


def same(parsed, meant, where):
    """Compares a json.loads value (objects as pair lists) with a rebuilt one."""
    if isinstance(meant, tuple) and meant[0] == "object":
        if not isinstance(parsed, list) or len(parsed) != len(meant[1]):
            return where + ": object members differ"
        for i, ((pk, pv), (mk, mv)) in enumerate(zip(parsed, meant[1])):
            if pk != mk:
                return "%s: key %d is %r, meant %r" % (where, i, pk, mk)
            problem = same(pv, mv, where + "." + repr(mk))
            if problem:
                return problem
        return None
    if isinstance(meant, tuple) and meant[0] == "array":
        items = meant[1]
        if not isinstance(parsed, list) or len(parsed) != len(items):
            return where + ": array differs"
        for i, (p, m) in enumerate(zip(parsed, items)):
            problem = same(p, m, "%s[%d]" % (where, i))
            if problem:
                return problem
        return None
    if isinstance(meant, tuple) and meant[0] == "double":
        # A whole-number double may be written without a point: int then.
        if isinstance(parsed, bool) or not isinstance(parsed, (int, float)):
            return "%s: %r is not a number" % (where, parsed)
        if float(parsed) != meant[1]:
            return "%s: %r read back, meant %r" % (where, parsed, meant[1])
        return None
    if type(parsed) is not type(meant) or parsed != meant:
        return "%s: %r, meant %r" % (where, parsed, meant)
    return None


def main():
    args = sys.argv[1:]
    # Trailing numbers are RECORDS and SEED; the rest is the command.
    numbers = []
    while args and args[-1].isdigit() and len(numbers) < 2:
        numbers.insert(0, args.pop())
    records = numbers[0] if numbers else "3000"
    seed = numbers[1] if len(numbers) > 1 else "20240601"
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    run = subprocess.run(args + ["--generate", records, seed],
                         stdout=subprocess.PIPE, check=False, timeout=300)
    if run.returncode != 0:
        print("the generator failed with status %d" % run.returncode)
        return 1
    # Hex and tabs only: nothing a Windows console or text mode can alter
    # but the line ends.
    lines = run.stdout.decode("ascii").splitlines()
    if len(lines) != int(records):
        print("%d records, meant %s" % (len(lines), records))
        return 1
    failures = 0
    objects = strings = 0
    for number, line in enumerate(lines, 1):
        fields = line.split("\t")
        written = bytes.fromhex(fields[0])
        specs = fields[1:]
        problem = None
        if any(b >= 0x80 or (b < 0x20 and b != 0x0A) or b == 0x7F for b in written):
            problem = "a byte outside printable ASCII"
        elif not written.endswith(b"\n"):
            problem = "the text does not end a line"
        else:
            texts = written[:-1].split(b"\n")
            if len(texts) != len(specs):
                problem = "%d lines for %d objects" % (len(texts), len(specs))
            for i, (text, spec) in enumerate(zip(texts, specs)):
                if problem:
                    break
                tokens = spec.split()
                meant, end = rebuild(tokens, 0)
                if end != len(tokens):
                    problem = "spec not used up"
                    break
                try:
                    parsed = json.loads(text.decode("ascii"), object_pairs_hook=list)
                except ValueError as e:
                    problem = "object %d does not parse: %s" % (i, e)
                    break
                problem = same(parsed, meant, "object %d" % i)
                objects += 1
                strings += spec.count("s:") + spec.count("k:")
        if problem:
            failures += 1
            if failures <= 5:
                print("record %d: %s\n  %s" % (number, problem, written[:400]))
    print("%d records, %d objects, %d strings: %d failed" % (len(lines), objects, strings, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
