#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every man page renders: scdoc accepts it, man(1) and groff print no
warning, and no EXAMPLES block is collapsed. An EXAMPLES command is a
literal-block line or a tab-indented line (and the lines its '++' carries
on); rendered, each must stand on a line of its own. Tab-indented lines
without '++' are one paragraph to scdoc: their line breaks were lost in
drvfw-audit(8) and drvfw-generate(8)."""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get('DRVFW_SRCDIR') or os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
failures = []


def check(cond, msg):
    print(f'{"ok  " if cond else "FAIL"} {msg}', flush=True)
    if not cond:
        failures.append(msg)


def example_commands(text):
    """The command lines of the EXAMPLES section, as scdoc source."""
    m = re.search(r'^# EXAMPLES\n(.*?)(?=^# |\Z)', text, re.M | re.S)
    if not m:
        return []
    cmds, literal, carried = [], False, False
    for line in m.group(1).splitlines():
        if line.startswith('```'):
            literal = not literal
            continue
        if literal:
            if line.strip():
                cmds.append(('literal', line))
            continue
        if line.startswith('\t') or carried:
            if line.strip():
                cmds.append(('indented', line))
            carried = line.rstrip().endswith('++')
        else:
            carried = False
    return cmds


def plain(kind, line):
    """What the rendered line shows for a source line."""
    s = line.strip()
    if kind == 'indented':
        s = re.sub(r'\+\+$', '', s)
        # bold/underline markers open or close a word; '_' inside one is literal
        s = re.sub(r'(?<![A-Za-z0-9\\])[*_]|(?<!\\)[*_](?![A-Za-z0-9])', '', s)
        s = re.sub(r'\\(.)', r'\1', s)        # scdoc escapes
    return ' '.join(s.split())


def render(page, work):
    roff = os.path.join(work, os.path.basename(page)[:-4])
    with open(page) as src, open(roff, 'w') as out:
        r = subprocess.run(['scdoc'], stdin=src, stdout=out, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        return None, f'scdoc: {r.stderr.strip()}'
    env = dict(os.environ, MANWIDTH='250', MAN_KEEP_FORMATTING='', LC_ALL='C.UTF-8')
    r = subprocess.run(['man', '--warnings', '--no-hyphenation', '--no-justification', '-l', roff],
                       capture_output=True, text=True, env=env)
    return r.stdout, r.stderr.strip() if r.returncode == 0 else f'man exited {r.returncode}: {r.stderr}'


def main():
    for tool in ('scdoc', 'man'):
        if not shutil.which(tool):
            print(f'SKIP: {tool} is not installed', file=sys.stderr)
            return 77
    pages = sorted(glob.glob(os.path.join(SRCDIR, 'man', '*.scd')))
    check(len(pages) > 0, f'man pages found in {SRCDIR}/man')
    with tempfile.TemporaryDirectory() as work:
        for page in pages:
            name = os.path.basename(page)[:-4]
            out, err = render(page, work)
            if out is None:
                check(False, f'{name}: {err}')
                continue
            check(not err, f'{name} renders without warnings' + (f': {err}' if err else ''))
            lines = {' '.join(re.sub('.\b', '', l).split()) for l in out.splitlines()}
            cmds = example_commands(open(page).read())
            for kind, src in cmds:
                want = plain(kind, src)
                check(want in lines, f'{name}: EXAMPLES line {want!r} stands on a line of its own')
    if failures:
        print(f'{len(failures)} check(s) failed', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
